// The classic 2-D optimization test functions: exact values, analytic gradients, usual initialization
// boxes and known global minima, all in Double (two coordinates cost nothing, and Double keeps
// finite-difference checks tight). `Function2DTask` wraps these with scale, noise and a Float interface.
// Formulas follow the usual references (Jamil & Yang 2013, "A literature survey of benchmark functions
// for global optimization"; the Virtual Library of Simulation Experiments, sfu.ca/~ssurjano).

import Foundation

extension TestFunction2D {
    /// f(x, y).
    public func value(_ x: Double, _ y: Double) -> Double {
        valueAndGradient(x, y).value
    }

    /// f(x, y) and its exact gradient (∂f/∂x, ∂f/∂y).
    ///
    /// - rosenbrock: `(a − x)² + b(y − x²)²`, a = 1, b = 100.
    /// - beale: `(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²`.
    /// - booth: `(x + 2y − 7)² + (2x + y − 5)²`.
    /// - matyas: `0.26(x² + y²) − 0.48xy`.
    /// - himmelblau: `(x² + y − 11)² + (x + y² − 7)²`.
    /// - styblinskiTang: `½ Σ_{t∈{x,y}} (t⁴ − 16t² + 5t)`.
    /// - ackley: `−a·exp(−b·√(½(x² + y²))) − exp(½(cos cx + cos cy)) + a + e`, a = 20, b = 0.2,
    ///   c = 2π. At the origin the first term has a cone point; its gradient there is taken as 0 (the
    ///   subgradient of least norm), so the gradient is never NaN.
    /// - branin: `a(y − b x² + c x − r)² + s(1 − t)cos x + s`, a = 1, b = 5.1/(4π²), c = 5/π, r = 6,
    ///   s = 10, t = 1/(8π).
    public func valueAndGradient(_ x: Double, _ y: Double) -> (value: Double, dx: Double, dy: Double) {
        switch self {
        case .rosenbrock:
            let a = 1.0, b = 100.0
            let u = a - x, v = y - x * x
            return (u * u + b * v * v, -2 * u - 4 * b * x * v, 2 * b * v)
        case .beale:
            let y2 = y * y, y3 = y2 * y
            let t1 = 1.5 - x + x * y
            let t2 = 2.25 - x + x * y2
            let t3 = 2.625 - x + x * y3
            let dx = 2 * t1 * (y - 1) + 2 * t2 * (y2 - 1) + 2 * t3 * (y3 - 1)
            let dy = 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y2
            return (t1 * t1 + t2 * t2 + t3 * t3, dx, dy)
        case .booth:
            let u = x + 2 * y - 7, v = 2 * x + y - 5
            return (u * u + v * v, 2 * u + 4 * v, 4 * u + 2 * v)
        case .matyas:
            return (0.26 * (x * x + y * y) - 0.48 * x * y, 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)
        case .himmelblau:
            let u = x * x + y - 11, v = x + y * y - 7
            return (u * u + v * v, 4 * x * u + 2 * v, 2 * u + 4 * y * v)
        case .styblinskiTang:
            func term(_ t: Double) -> (Double, Double) {
                let t2 = t * t
                return (0.5 * (t2 * t2 - 16 * t2 + 5 * t), 0.5 * (4 * t2 * t - 32 * t + 5))
            }
            let (fx, gx) = term(x), (fy, gy) = term(y)
            return (fx + fy, gx, gy)
        case .ackley:
            let a = 20.0, b = 0.2, c = 2 * Double.pi
            let r = (0.5 * (x * x + y * y)).squareRoot()
            let e1 = exp(-b * r)
            let e2 = exp(0.5 * (cos(c * x) + cos(c * y)))
            let value = -a * e1 - e2 + a + M_E
            // d/dx of −a·exp(−b r) = a·b·exp(−b r)·∂r/∂x with ∂r/∂x = x / (2r).
            let radial = r > 0 ? a * b * e1 / (2 * r) : 0
            let dx = radial * x + 0.5 * c * sin(c * x) * e2
            let dy = radial * y + 0.5 * c * sin(c * y) * e2
            return (value, dx, dy)
        case .branin:
            let a = 1.0, b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi
            let r = 6.0, s = 10.0, t = 1 / (8 * Double.pi)
            let u = y - b * x * x + c * x - r
            let value = a * u * u + s * (1 - t) * cos(x) + s
            return (value, 2 * a * u * (c - 2 * b * x) - s * (1 - t) * sin(x), 2 * a * u)
        }
    }

    /// The box initial points are drawn from, uniformly: `(x range, y range)`.
    ///
    /// Rosenbrock uses U[−5, 10]² as docs/architecture.md §5 says (TaskSet's range; the gentler U[−2,2]×U[−1,3]
    /// would start every run inside the valley); Ackley the usual ±32.768; Branin its domain
    /// x ∈ [−5, 10], y ∈ [0, 15]. Matyas, whose domain is [−10, 10]², and the rest use their domains.
    public var initialBox: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        switch self {
        case .rosenbrock: return (-5...10, -5...10)
        case .beale: return (-4.5...4.5, -4.5...4.5)
        case .booth, .matyas: return (-10...10, -10...10)
        case .himmelblau, .styblinskiTang: return (-5...5, -5...5)
        case .ackley: return (-32.768...32.768, -32.768...32.768)
        case .branin: return (-5...10, 0...15)
        }
    }

    /// The global minimum value f*.
    public var globalMinimum: Double {
        switch self {
        case .rosenbrock, .beale, .booth, .matyas, .himmelblau, .ackley: return 0
        // 2 × min_t ½(t⁴ − 16t² + 5t), attained at the root t ≈ −2.903534 of 4t³ − 32t + 5.
        case .styblinskiTang: return -78.33233140754282
        // 5 / (4π), attained at (−π, 12.275), (π, 2.275) and (3π, 2.475).
        case .branin: return 5 / (4 * Double.pi)
        }
    }

    /// Every global minimizer (x, y) (approximate where no closed form exists).
    public var globalMinimizers: [(x: Double, y: Double)] {
        switch self {
        case .rosenbrock: return [(1, 1)]
        case .beale: return [(3, 0.5)]
        case .booth: return [(1, 3)]
        case .matyas, .ackley: return [(0, 0)]
        case .himmelblau:
            return [(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
        case .styblinskiTang: return [(-2.903534, -2.903534)]
        case .branin: return [(-Double.pi, 12.275), (Double.pi, 2.275), (3 * Double.pi, 2.475)]
        }
    }
}
