// A random orthogonal map of R^d applied in O(d log d) time and memory, for the quadratic tasks'
// rotated Hessians. Deliberately not a dense Haar matrix: building one (QR of a Gaussian matrix) is
// O(d³) and a dense matvec reads d² floats per step; this map costs
// ~3·log₂d · 3d flops per product (a whole d = 1000 loss-and-gradient step, Q and Qᵀ, takes 33 µs in
// release, against 50 µs for one dense BLAS matvec) and stores 16·d bytes per layer (480 KB at d = 1000; 80 MB at the spec's limit d = 100 000).

import Foundation
import MetaCore

/// Q = L_k ⋯ L_1, each layer `L_l = G_l P_l`: a random permutation P_l ((P x)_j = x_{π_l(j)}) followed by
/// h = ⌊d/2⌋ independent Givens rotations G_l, rotation j turning the pair (j, j + h) by a uniform angle
/// θ_{l,j} ∈ [0, 2π) (for odd d the last coordinate passes through that layer unrotated).
///
/// With k ≈ 3 log₂ d layers (`layerCount`) every output coordinate depends on every input, and the rows
/// of Q (the Hessian's eigenvectors) are spread over all coordinates like random unit vectors
/// (participation ratio 1/Σq⁴ ≈ 0.315·d against the Haar value ≈ d/3; checked in the tests). A product of a few Householder reflections,
/// the other cheap option, leaves Q = I on all but k dimensions, so H would stay nearly diagonal and
/// per-coordinate preconditioners would see an axis-aligned problem.
struct RandomRotation: Sendable {
    let dimension: Int
    let layers: Int
    /// π_l for every layer, `layers × dimension`.
    let permutations: [Int32]
    /// cos θ_{l,j} and sin θ_{l,j}, `layers × half` each; the Double ones define Q, the Float ones
    /// are their roundings for the fast path.
    let cosinesDouble: [Double]
    let sinesDouble: [Double]
    let cosines: [Float]
    let sines: [Float]

    var half: Int { dimension / 2 }

    /// 2⌈1.5 log₂ d⌉ ≈ 3 log₂ d (0 for d = 1), even so that `apply` ends in the buffer it started in.
    /// A uniform-angle rotation keeps E[c⁴ + s⁴] = ¾ of a row's Σq⁴, so reaching the Haar level 3/d
    /// takes about log(d/3)/log(4/3) ≈ 2.4 log₂ d layers; 3 log₂ d leaves a margin.
    static func layerCount(dimension: Int) -> Int {
        dimension <= 1 ? 0 : 2 * Int((1.5 * Foundation.log2(Double(dimension))).rounded(.up))
    }

    init(dimension: Int, key: RandomKey, layers: Int? = nil) {
        precondition(dimension >= 1)
        self.dimension = dimension
        let k = layers ?? Self.layerCount(dimension: dimension)
        precondition(k % 2 == 0, "an even layer count keeps results in the caller's buffer")
        self.layers = k
        let h = dimension / 2
        var perms = [Int32](); perms.reserveCapacity(k * dimension)
        var cs = [Double](); cs.reserveCapacity(k * h)
        var ss = [Double](); ss.reserveCapacity(k * h)
        for l in 0..<k {
            var rng = key.fold(UInt64(l)).generator()
            perms.append(contentsOf: rng.permutation(dimension).map { Int32($0) })
            for _ in 0..<h {
                let theta = 2 * Double.pi * rng.uniformDouble()
                cs.append(cos(theta))
                ss.append(sin(theta))
            }
        }
        permutations = perms
        cosinesDouble = cs
        sinesDouble = ss
        cosines = cs.map { Float($0) }
        sines = ss.map { Float($0) }
    }

    /// x ← Q x in Float, using `scratch` (d elements) as the other half of a ping-pong pair.
    func apply(_ x: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        cosines.withUnsafeBufferPointer { c in
            sines.withUnsafeBufferPointer { s in
                Self.forward(x, scratch: scratch, cosines: c.baseAddress!, sines: s.baseAddress!, layout: self)
            }
        }
    }

    /// x ← Qᵀ x in Float, using `scratch` (d elements).
    func applyTranspose(_ x: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        cosines.withUnsafeBufferPointer { c in
            sines.withUnsafeBufferPointer { s in
                Self.backward(x, scratch: scratch, cosines: c.baseAddress!, sines: s.baseAddress!, layout: self)
            }
        }
    }

    /// x ← Q x in Double, with the exact (Double) angles: Q is orthogonal to Double rounding.
    func apply(_ x: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        cosinesDouble.withUnsafeBufferPointer { c in
            sinesDouble.withUnsafeBufferPointer { s in
                Self.forward(x, scratch: scratch, cosines: c.baseAddress!, sines: s.baseAddress!, layout: self)
            }
        }
    }

    /// x ← Qᵀ x in Double.
    func applyTranspose(_ x: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        cosinesDouble.withUnsafeBufferPointer { c in
            sinesDouble.withUnsafeBufferPointer { s in
                Self.backward(x, scratch: scratch, cosines: c.baseAddress!, sines: s.baseAddress!, layout: self)
            }
        }
    }

    @inline(__always)
    private static func forward<T: BinaryFloatingPoint>(
        _ x: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>,
        cosines: UnsafePointer<T>, sines: UnsafePointer<T>, layout: RandomRotation
    ) {
        let d = layout.dimension, h = layout.half
        layout.permutations.withUnsafeBufferPointer { perm in
            var src = x, dst = scratch
            for l in 0..<layout.layers {
                let p = perm.baseAddress! + l * d
                let c = cosines + l * h, s = sines + l * h
                for j in 0..<h {
                    let u = src[Int(p[j])], v = src[Int(p[j + h])]
                    dst[j] = c[j] * u - s[j] * v
                    dst[j + h] = s[j] * u + c[j] * v
                }
                if d & 1 == 1 { dst[d - 1] = src[Int(p[d - 1])] }
                swap(&src, &dst)
            }
        }
    }

    @inline(__always)
    private static func backward<T: BinaryFloatingPoint>(
        _ x: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>,
        cosines: UnsafePointer<T>, sines: UnsafePointer<T>, layout: RandomRotation
    ) {
        let d = layout.dimension, h = layout.half
        layout.permutations.withUnsafeBufferPointer { perm in
            var src = x, dst = scratch
            for l in stride(from: layout.layers - 1, through: 0, by: -1) {
                let p = perm.baseAddress! + l * d
                let c = cosines + l * h, s = sines + l * h
                for j in 0..<h {
                    let u = src[j], v = src[j + h]
                    dst[Int(p[j])] = c[j] * u + s[j] * v
                    dst[Int(p[j + h])] = c[j] * v - s[j] * u
                }
                if d & 1 == 1 { dst[Int(p[d - 1])] = src[d - 1] }
                swap(&src, &dst)
            }
        }
    }

    /// Q x for an array (convenience for tests and tools).
    func applied(to x: [Double], transpose: Bool = false) -> [Double] {
        precondition(x.count == dimension)
        var out = x
        var scratch = [Double](repeating: 0, count: dimension)
        out.withUnsafeMutableBufferPointer { o in
            scratch.withUnsafeMutableBufferPointer { s in
                if transpose {
                    applyTranspose(o.baseAddress!, scratch: s.baseAddress!)
                } else {
                    apply(o.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
        return out
    }
}
