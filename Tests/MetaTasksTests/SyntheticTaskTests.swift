// The synthetic tasks against outside references: 2-D functions at known minima and at hand-computed
// points, analytic gradients against central differences in Double, the quadratic's spectrum
// recovered from its own gradients, noise statistics, scale, determinism and plain gradient descent.

import Foundation
import XCTest
import MetaCore
@testable import MetaTasks
import TestSupport

final class SyntheticTaskTests: XCTestCase {

    // MARK: 2-D functions: values

    func testValuesAtGlobalMinima() {
        for f in TestFunction2D.allCases {
            for (x, y) in f.globalMinimizers {
                // Published minimizers carry 6–7 digits, so the value matches f* to ~1e-6·curvature.
                XCTAssertEqual(f.value(x, y), f.globalMinimum, accuracy: 2e-5, "\(f) at (\(x), \(y))")
            }
        }
        XCTAssertEqual(TestFunction2D.styblinskiTang.value(-2.903534, -2.903534), -78.33234, accuracy: 1e-5)
        XCTAssertEqual(TestFunction2D.branin.globalMinimum, 0.397887, accuracy: 1e-6)
        // Exact minimizers give exactly 0.
        XCTAssertEqual(TestFunction2D.rosenbrock.value(1, 1), 0)
        XCTAssertEqual(TestFunction2D.beale.value(3, 0.5), 0)
        XCTAssertEqual(TestFunction2D.booth.value(1, 3), 0)
        XCTAssertEqual(TestFunction2D.matyas.value(0, 0), 0)
        XCTAssertEqual(TestFunction2D.himmelblau.value(3, 2), 0)
        XCTAssertEqual(TestFunction2D.ackley.value(0, 0), 0, accuracy: 1e-15)
    }

    func testStyblinskiTangMinimumIsTheRootOfItsDerivative() {
        // Newton on 4t³ − 32t + 5 = 0 from −3, independently of the stored constant.
        var t = -3.0
        for _ in 0..<50 { t -= (4 * t * t * t - 32 * t + 5) / (12 * t * t - 32) }
        let f = TestFunction2D.styblinskiTang
        XCTAssertEqual(f.value(t, t), f.globalMinimum, accuracy: 1e-12)
        XCTAssertEqual(t, -2.903534, accuracy: 1e-6)
    }

    func testValuesAtHandComputedPoints() {
        let cases: [(TestFunction2D, Double, Double, Double)] = [
            (.rosenbrock, 0, 0, 1), (.rosenbrock, -1, 1, 4), (.rosenbrock, 2, 1, 901),
            (.beale, 0, 0, 14.203125), (.beale, 1, 1, 14.203125), (.beale, 2, -1, 13.203125),
            (.booth, 0, 0, 74), (.booth, 2, 1, 9),
            (.matyas, 1, 1, 0.04), (.matyas, 2, -1, 2.26),
            (.himmelblau, 0, 0, 170), (.himmelblau, 1, 1, 106),
            (.styblinskiTang, 0, 0, 0), (.styblinskiTang, 1, 1, -10), (.styblinskiTang, -1, 2, -29),
            // r = 1, cos 2π = 1: 20 − 20e^{−0.2}.
            (.ackley, 1, 1, 20 * (1 - exp(-0.2))),
            // r = √½, cos 2π + cos 0 = 2: 20 − 20e^{−0.2·√½}.
            (.ackley, 1, 0, 20 * (1 - exp(-0.2 * 0.5.squareRoot()))),
            // u = −6, cos 0 = 1: 36 + 10(1 − 1/(8π)) + 10.
            (.branin, 0, 0, 56 - 10 / (8 * Double.pi)),
            // u = −5.1/4 + 5 − 6 = −2.275, cos π = −1: 2.275² + 10/(8π).
            (.branin, Double.pi, 0, 2.275 * 2.275 + 10 / (8 * Double.pi)),
        ]
        for (f, x, y, expected) in cases {
            XCTAssertEqual(f.value(x, y), expected, accuracy: 1e-12 * max(1, abs(expected)), "\(f)(\(x), \(y))")
        }
    }

    // MARK: 2-D functions: gradients

    func testGradientsMatchFiniteDifferencesInDouble() {
        var rng = RandomKey(seed: 11).generator()
        for f in TestFunction2D.allCases {
            let box = f.initialBox
            var points: [[Double]] = f.globalMinimizers.map { [$0.x, $0.y] }
            for _ in 0..<200 {
                points.append([rng.uniform(box.x.lowerBound, box.x.upperBound), rng.uniform(box.y.lowerBound, box.y.upperBound)])
            }
            for p in points {
                let (value, dx, dy) = f.valueAndGradient(p[0], p[1])
                let h = 1e-5
                let fd = finiteDifferenceGradient(p, h: h) { f.value($0[0], $0[1]) }
                // Central differences: truncation h²·|f'''|/6 ≤ 1e-10·2.4e4/6 on this box (Rosenbrock),
                // rounding ε·|f|/h ≈ 1e-11·|f|; both far under the tolerance.
                for (g, e) in zip([dx, dy], fd) {
                    let tol = 1e-6 * (1 + abs(e)) + 1e-9 * abs(value)
                    XCTAssertEqual(g, e, accuracy: tol, "\(f) at \(p)")
                }
            }
        }
    }

    func testGradientsVanishAtMinima() {
        for f in TestFunction2D.allCases {
            for (x, y) in f.globalMinimizers {
                let (_, dx, dy) = f.valueAndGradient(x, y)
                // Minimizers known to 6–7 digits: gradient ≤ curvature·1e-6.
                XCTAssertEqual(dx, 0, accuracy: 1e-4, "\(f)")
                XCTAssertEqual(dy, 0, accuracy: 1e-4, "\(f)")
            }
        }
    }

    func testAckleyGradientIsFiniteAtAndNearTheOrigin() {
        for (x, y) in [(0.0, 0.0), (1e-300, 0), (0, -1e-200), (1e-8, 1e-8)] {
            let (v, dx, dy) = TestFunction2D.ackley.valueAndGradient(x, y)
            XCTAssertTrue(v.isFinite && dx.isFinite && dy.isFinite, "(\(x), \(y))")
        }
        let (_, dx, dy) = TestFunction2D.ackley.valueAndGradient(0, 0)
        XCTAssertEqual(dx, 0)
        XCTAssertEqual(dy, 0)
        let task = try! Function2DTask(config: Function2DConfig(function: .ackley))
        let (loss, g) = task.lossAndGradient([0, 0], key: RandomKey(seed: 1))
        XCTAssertEqual(loss, 0, accuracy: 1e-6)
        XCTAssertEqual(g, [0, 0])
    }

    // MARK: Function2DTask

    func testFunction2DTaskGradientMatchesFiniteDifferencesOfItsFloatLoss() throws {
        for f in TestFunction2D.allCases {
            let task = try Function2DTask(config: Function2DConfig(function: f, scale: 3))
            XCTAssertEqual(task.layout.tensors.map(\.name), ["xy"])
            XCTAssertEqual(task.layout.count, 2)
            // Ackley oscillates with period 1 across a box of ±32.8: the default step 1e-2·|p| would
            // straddle a third of a period, so it gets a step of 1e-4·|p| (Float rounding ε·|L|/h ≈ 1e-3).
            let h: Float = f == .ackley ? 1e-4 : 1e-2
            for i in 0..<10 {
                let key = RandomKey(seed: 5).fold(UInt64(i))
                checkTaskGradient(task, parameters: task.initialParameters(key: key), key: key, h: h)
            }
        }
    }

    func testFunction2DTaskScalesLossAndGradient() throws {
        for f in TestFunction2D.allCases {
            let plain = try Function2DTask(config: Function2DConfig(function: f))
            let scaled = try Function2DTask(config: Function2DConfig(function: f, scale: 250))
            let p = plain.initialParameters(key: RandomKey(seed: 2))
            let (l1, g1) = plain.lossAndGradient(p, key: RandomKey(seed: 3))
            let (l2, g2) = scaled.lossAndGradient(p, key: RandomKey(seed: 3))
            assertClose(l2, 250 * l1, rtol: 1e-6, "\(f)")
            assertClose(g2, g1.map { 250 * $0 }, rtol: 1e-6, atol: 1e-4, "\(f)")
            XCTAssertEqual(scaled.evaluate(p, split: .test).loss, l2)
            XCTAssertEqual(scaled.batchLoss(p, split: .validation, key: RandomKey(seed: 9)), l2)
            let (value, dx, dy) = f.valueAndGradient(Double(p[0]), Double(p[1]))
            assertClose(l1, Float(value), rtol: 1e-6, "\(f)")
            assertClose(g1, [Float(dx), Float(dy)], rtol: 1e-6, "\(f)")
        }
    }

    func testFunction2DNoiseIsAbsoluteReproducibleAndLeavesTheLossAlone() throws {
        let sigma = 0.5
        for scale in [1.0, 1000.0] {
            let clean = try Function2DTask(config: Function2DConfig(function: .beale, scale: scale))
            let noisy = try Function2DTask(config: Function2DConfig(function: .beale, noise: sigma, scale: scale))
            let p: [Float] = [1.5, -0.7]
            let (l0, g0) = clean.lossAndGradient(p, key: RandomKey(seed: 0))
            var deviations: [Double] = []
            for i in 0..<2000 {
                let key = RandomKey(seed: 77).fold(UInt64(i))
                let (l, g) = noisy.lossAndGradient(p, key: key)
                XCTAssertEqual(l, l0)
                deviations += zip(g, g0).map { Double($0 - $1) }
            }
            // 4000 draws: the sample std is within ~1.1% (one standard error) of σ; allow 5%.
            let mean = deviations.reduce(0, +) / Double(deviations.count)
            let std = (deviations.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(deviations.count)).squareRoot()
            XCTAssertEqual(std, sigma, accuracy: 0.05 * sigma, "scale \(scale)")
            XCTAssertEqual(mean, 0, accuracy: 0.05)
            let key = RandomKey(seed: 4)
            XCTAssertEqual(noisy.lossAndGradient(p, key: key).gradient, noisy.lossAndGradient(p, key: key).gradient)
            XCTAssertNotEqual(noisy.lossAndGradient(p, key: key).gradient, noisy.lossAndGradient(p, key: key.fold(1)).gradient)
            XCTAssertEqual(noisy.batchLoss(p, split: .train, key: key), l0)
        }
    }

    func testFunction2DInitialParametersCoverTheBoxAndFollowTheKey() throws {
        for f in TestFunction2D.allCases {
            let task = try Function2DTask(config: Function2DConfig(function: f))
            let box = f.initialBox
            var lo = [Float.infinity, .infinity], hi = [-Float.infinity, -.infinity]
            for i in 0..<500 {
                let p = task.initialParameters(key: RandomKey(seed: 1).fold(UInt64(i)))
                for j in 0..<2 { lo[j] = min(lo[j], p[j]); hi[j] = max(hi[j], p[j]) }
            }
            let ranges = [box.x, box.y]
            for j in 0..<2 {
                let width = Float(ranges[j].upperBound - ranges[j].lowerBound)
                XCTAssertGreaterThanOrEqual(lo[j], Float(ranges[j].lowerBound), "\(f)")
                XCTAssertLessThanOrEqual(hi[j], Float(ranges[j].upperBound), "\(f)")
                // 500 uniform draws leave the extremes within 2% of the edges with probability > 1 − 1e-4.
                XCTAssertLessThan(lo[j] - Float(ranges[j].lowerBound), 0.02 * width, "\(f)")
                XCTAssertLessThan(Float(ranges[j].upperBound) - hi[j], 0.02 * width, "\(f)")
            }
            XCTAssertEqual(task.initialParameters(key: RandomKey(seed: 3)), task.initialParameters(key: RandomKey(seed: 3)))
            XCTAssertNotEqual(task.initialParameters(key: RandomKey(seed: 3)), task.initialParameters(key: RandomKey(seed: 4)))
        }
        XCTAssertEqual(TestFunction2D.rosenbrock.initialBox.x, -5...10)
        XCTAssertEqual(TestFunction2D.branin.initialBox.y, 0...15)
    }

    func testFunction2DNormalizerRunsFromTheExpectedStartToTheMinimum() throws {
        for f in TestFunction2D.allCases {
            for scale in [1.0, 0.01] {
                let task = try Function2DTask(config: Function2DConfig(function: f, scale: scale, seed: 3))
                guard case .relative(let initial, let minimum) = task.normalizer else {
                    return XCTFail("\(f): expected a relative normalizer")
                }
                assertClose(minimum, Float(scale * f.globalMinimum), rtol: 1e-6, "\(f)")
                assertClose(initial, Float(scale * Function2DTask.meanOverInitialBox(f)), rtol: 1e-6, "\(f)")
                XCTAssertGreaterThan(initial, minimum, "\(f)")
                let m = f.globalMinimizers[0]
                XCTAssertEqual(task.normalizer(task.loss([Float(m.x), Float(m.y)])), 0, accuracy: 1e-3, "\(f)")
            }
            // An independent Monte Carlo mean over 20000 initial draws agrees within its noise (these
            // functions are heavy-tailed over their boxes; the relative s.e. is ≤ 3%, allow 12%).
            let task = try Function2DTask(config: Function2DConfig(function: f))
            guard case .relative(let initial, let minimum) = task.normalizer else { return XCTFail() }
            var sum = 0.0
            let n = 20000
            for i in 0..<n {
                let p = task.initialParameters(key: RandomKey(seed: 99).fold(UInt64(i)))
                sum += Double(task.loss(p))
            }
            let span = sum / Double(n) - Double(minimum)
            XCTAssertEqual(Double(initial - minimum), span, accuracy: 0.12 * span, "\(f)")
        }
        // Closed forms over the box (uniform on [−w, w]: E[t²] = w²/3, E[t⁴] = w⁴/5).
        // Booth on [−10, 10]²: (5·100/3 + 49) + (5·100/3 + 25). Matyas: 0.26·2·100/3.
        // Styblinski–Tang on [−5, 5]²: 2 · ½(625/5 − 16·25/3); the midpoint rule's h²-error (h = 0.1) on
        // the quartic is ~0.03, under 0.1% of the normalizer's span f̄ − f* ≈ 70.
        XCTAssertEqual(Function2DTask.meanOverInitialBox(.booth), 1000.0 / 3 + 74, accuracy: 1e-3 * 407)  // h²-error of the midpoint rule: ~1e-4 relative
        XCTAssertEqual(Function2DTask.meanOverInitialBox(.matyas), 52.0 / 3, accuracy: 1e-3 * 17)
        XCTAssertEqual(Function2DTask.meanOverInitialBox(.styblinskiTang), 125 - 400.0 / 3, accuracy: 0.07)
    }

    func testGradientDescentConvergesOnBoothAndMatyas() throws {
        // Booth's Hessian [[10, 8], [8, 10]] has eigenvalues 18 and 2: step 0.05 contracts by ≤ 0.9.
        // Matyas's [[0.52, −0.48], [−0.48, 0.52]] has 1 and 0.04: step 1 contracts by ≤ 0.96.
        for (f, step, steps) in [(TestFunction2D.booth, Float(0.05), 400), (.matyas, 1, 1000)] {
            let task = try Function2DTask(config: Function2DConfig(function: f))
            var p = task.initialParameters(key: RandomKey(seed: 8))
            var g = [Float](repeating: 0, count: 2)
            for t in 0..<steps {
                _ = task.lossAndGradient(p, gradient: &g, key: RandomKey(seed: UInt64(t)))
                p[0] -= step * g[0]
                p[1] -= step * g[1]
            }
            let m = f.globalMinimizers[0]
            assertClose(p, [Float(m.x), Float(m.y)], rtol: 0, atol: 1e-3, "\(f)")
            XCTAssertLessThan(task.normalizer(task.loss(p)), 1e-6, "\(f)")
        }
    }

    func testFunction2DRejectsBadConfigs() {
        XCTAssertThrowsError(try Function2DTask(config: Function2DConfig(scale: 0)))
        XCTAssertThrowsError(try Function2DTask(config: Function2DConfig(noise: -1)))
    }

    // MARK: QuadraticTask

    private func quadratic(
        _ d: Int, _ spectrum: Spectrum = .log, condition: Double = 10, noise: Double = 0, scale: Double = 1,
        rotate: Bool = true, seed: UInt64 = 0
    ) -> QuadraticTask {
        try! QuadraticTask(config: QuadraticConfig(
            dimension: d, spectrum: spectrum, condition: condition, noise: noise, scale: scale, rotate: rotate,
            seed: seed))
    }

    func testSpectrumSpacing() {
        let log = QuadraticTask.spectrum(dimension: 5, condition: 16, spacing: .log)
        let linear = QuadraticTask.spectrum(dimension: 5, condition: 16, spacing: .linear)
        for (a, b) in zip(log, [1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1]) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        for (a, b) in zip(linear, [1.0 / 16, 19.0 / 64, 34.0 / 64, 49.0 / 64, 1]) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        XCTAssertEqual(QuadraticTask.spectrum(dimension: 1, condition: 100, spacing: .log), [1])
        let big = QuadraticTask.spectrum(dimension: 1000, condition: 1e4, spacing: .log)
        XCTAssertEqual(big.first!, 1e-4, accuracy: 1e-16)
        XCTAssertEqual(big.last!, 1)
        XCTAssertEqual(big.count, 1000)
        // Log spacing: constant ratio between neighbours.
        XCTAssertEqual(big[1] / big[0], big[999] / big[998], accuracy: 1e-12)
    }

    func testQuadraticGradientMatchesFiniteDifferencesInDouble() {
        var rng = RandomKey(seed: 21).generator()
        let cases: [QuadraticTask] = [
            quadratic(1), quadratic(2), quadratic(7, .linear, condition: 50), quadratic(16, scale: 1e-3),
            quadratic(33, .log, condition: 1e4, scale: 1e3), quadratic(40, rotate: false),
        ]
        for task in cases {
            for _ in 0..<5 {
                let p = (0..<task.dimension).map { _ in 3 * rng.normal() }
                let (loss, g) = task.referenceLossAndGradient(p)
                let fd = finiteDifferenceGradient(p, h: 1e-4) { task.referenceLossAndGradient($0).loss }
                // Exact for a quadratic up to rounding ε·|L|/h ≈ 1e-12·|L|.
                let gmax = g.map(abs).max()!
                for (a, b) in zip(g, fd) { XCTAssertEqual(a, b, accuracy: 1e-7 * (gmax + loss)) }
                // The Float path agrees with the Double one.
                let (lf, gf) = task.lossAndGradient(p.map { Float($0) }, key: RandomKey(seed: 0))
                assertClose(lf, Float(loss), rtol: 1e-4)
                assertClose(gf, g.map { Float($0) }, rtol: 1e-4, atol: 1e-5 * Float(gmax))
            }
            checkTaskGradient(task, parameters: task.initialParameters(key: RandomKey(seed: 1)), key: RandomKey(seed: 2))
        }
    }

    func testFloatPathMatchesTheDoubleReferenceAtDimension1000() {
        let task = quadratic(1000, .log, condition: 1e4, scale: 1e3, seed: 7)
        XCTAssertEqual(task.rotation?.layers, 30)
        let p = task.initialParameters(key: RandomKey(seed: 2))
        let (loss, g) = task.referenceLossAndGradient(p.map { Double($0) })
        let (lf, gf) = task.lossAndGradient(p, key: RandomKey(seed: 0))
        // 30 layers of Float rotations: error ~ √30·ε relative to the gradient's scale.
        let gmax = g.map(abs).max()!
        assertClose(lf, Float(loss), rtol: 1e-5)
        assertClose(gf, g.map { Float($0) }, rtol: 1e-4, atol: 1e-5 * Float(gmax))
        XCTAssertEqual(task.batchLoss(p, split: .train, key: RandomKey(seed: 0)), lf)
    }

    /// H recovered column by column from gradient differences (exact for a quadratic), in Double.
    private func recoveredHessian(_ task: QuadraticTask) -> [[Double]] {
        let d = task.dimension
        let base = [Double](repeating: 0.3, count: d)
        return (0..<d).map { i in
            var plus = base, minus = base
            plus[i] += 1
            minus[i] -= 1
            let gp = task.referenceLossAndGradient(plus).gradient
            let gm = task.referenceLossAndGradient(minus).gradient
            return zip(gp, gm).map { ($0 - $1) / 2 }
        }
    }

    func testRecoveredHessianHasTheStatedSpectrum() {
        for (spectrum, rotate, d) in [(Spectrum.log, true, 7), (.linear, true, 8), (.log, false, 6), (.linear, true, 2)] {
            let task = quadratic(d, spectrum, condition: 40, scale: 2.5, rotate: rotate, seed: 5)
            let h = recoveredHessian(task)
            for i in 0..<d { for j in 0..<d { XCTAssertEqual(h[i][j], h[j][i], accuracy: 1e-12) } }
            let eigen = jacobiEigenvalues(h).sorted()
            let expected = QuadraticTask.spectrum(dimension: d, condition: 40, spacing: spectrum).map { 2.5 * $0 }
            for (a, b) in zip(eigen, expected) { XCTAssertEqual(a, b, accuracy: 1e-9, "\(spectrum) rotate \(rotate)") }
            XCTAssertEqual(eigen.first! / 2.5, 1.0 / 40, accuracy: 1e-12)
            XCTAssertEqual(eigen.last! / 2.5, 1, accuracy: 1e-12)
            let offDiagonal = (0..<d).flatMap { i in (0..<d).filter { $0 != i }.map { abs(h[i][$0]) } }.max()!
            if rotate {
                XCTAssertGreaterThan(offDiagonal, 0.05, "a rotated Hessian is dense")
            } else {
                XCTAssertEqual(offDiagonal, 0, "an unrotated Hessian is diagonal")
            }
        }
    }

    func testLossAlongEigendirectionsMatchesEigenvalues() {
        // Rows of Q are the eigenvectors: L(p* + t·q_k) = scale·½·λ_k·t².
        let task = quadratic(50, .log, condition: 1000, scale: 4, seed: 2)
        let rotation = task.rotation!
        for k in [0, 1, 17, 49] {
            var e = [Double](repeating: 0, count: 50)
            e[k] = 1
            let q = rotation.applied(to: e, transpose: true)  // Qᵀ e_k = k-th row of Q
            let t = 2.0
            let p = (0..<50).map { Double(task.target[$0]) + t * q[$0] }
            XCTAssertEqual(task.referenceLossAndGradient(p).loss, 4 * 0.5 * task.eigenvalues[k] * t * t, accuracy: 1e-10)
        }
    }

    func testRotationIsOrthogonalAndSpreadsEigenvectorsOverAllCoordinates() {
        for d in [2, 3, 255, 256, 1000] {
            let rotation = RandomRotation(dimension: d, key: RandomKey(seed: 4))
            var rng = RandomKey(seed: 6).generator()
            let x = (0..<d).map { _ in rng.normal() }
            let qx = rotation.applied(to: x)
            XCTAssertEqual(qx.map { $0 * $0 }.reduce(0, +), x.map { $0 * $0 }.reduce(0, +), accuracy: 1e-9 * Double(d))
            let back = rotation.applied(to: qx, transpose: true)
            for (a, b) in zip(back, x) { XCTAssertEqual(a, b, accuracy: 1e-12) }
            guard d > 16 else { continue }
            // Participation ratio 1/Σ q_i⁴ of each row: d for a flat vector, ≈ d/3 for a Haar-random one,
            // 1 for an axis vector. Require every row ≥ d/8 and the mean ≥ 0.28·d (rows sampled at d = 1000).
            var ratios: [Double] = []
            for k in stride(from: 0, to: d, by: d / 200 + 1) {
                var e = [Double](repeating: 0, count: d)
                e[k] = 1
                let row = rotation.applied(to: e, transpose: true)
                ratios.append(1 / row.map { $0 * $0 * $0 * $0 }.reduce(0, +))
            }
            XCTAssertGreaterThan(ratios.min()!, Double(d) / 8, "d \(d)")
            // (Measured: mean ≈ 0.315·d, min ≈ 0.19·d at d = 255, 256 and 1000.)
            XCTAssertGreaterThan(ratios.reduce(0, +) / Double(ratios.count), 0.28 * Double(d), "d \(d)")
        }
    }

    func testQuadraticMinimumIsTheTarget() {
        for task in [quadratic(9), quadratic(30, .linear, condition: 1e4, scale: 1e3, rotate: false), quadratic(1)] {
            let (loss, g) = task.lossAndGradient(task.target, key: RandomKey(seed: 0))
            XCTAssertEqual(loss, 0)
            XCTAssertEqual(g, [Float](repeating: 0, count: task.dimension))
            XCTAssertEqual(task.normalizer(loss), 0)
            var p = task.target
            p[0] += 0.1
            XCTAssertGreaterThan(task.loss(p), 0)
        }
    }

    func testQuadraticNoiseHasTheStatedStandardDeviation() {
        let d = 2000
        let clean = quadratic(d, noise: 0, scale: 30)
        let noisy = quadratic(d, noise: 0.7, scale: 30)
        let p = clean.initialParameters(key: RandomKey(seed: 1))
        let (l0, g0) = clean.lossAndGradient(p, key: RandomKey(seed: 0))
        let key = RandomKey(seed: 12)
        let (l, g) = noisy.lossAndGradient(p, key: key)
        XCTAssertEqual(l, l0)
        XCTAssertEqual(noisy.batchLoss(p, split: .validation, key: key), l0)
        let rms = (g0.map { Double($0 * $0) }.reduce(0, +) / Double(d)).squareRoot()
        let deviations = zip(g, g0).map { Double($0 - $1) }
        let mean = deviations.reduce(0, +) / Double(d)
        let std = (deviations.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)).squareRoot()
        // 2000 draws: standard error of the sample std ≈ 1.6%; allow 6%.
        XCTAssertEqual(std, 0.7 * rms, accuracy: 0.06 * 0.7 * rms)
        XCTAssertEqual(mean, 0, accuracy: 0.1 * rms)
        XCTAssertEqual(noisy.lossAndGradient(p, key: key).gradient, g, "same key, same noise")
        XCTAssertNotEqual(noisy.lossAndGradient(p, key: key.fold(1)).gradient, g)
        XCTAssertEqual(clean.lossAndGradient(p, key: key).gradient, clean.lossAndGradient(p, key: key.fold(1)).gradient)
    }

    func testQuadraticScaleMultipliesLossAndGradient() {
        let a = quadratic(25, .linear, condition: 100, scale: 1, seed: 3)
        let b = quadratic(25, .linear, condition: 100, scale: 1e3, seed: 3)
        let p = a.initialParameters(key: RandomKey(seed: 8))
        let (la, ga) = a.lossAndGradient(p, key: RandomKey(seed: 0))
        let (lb, gb) = b.lossAndGradient(p, key: RandomKey(seed: 0))
        assertClose(lb, 1e3 * la, rtol: 1e-5)
        let gmax = ga.map(abs).max()!
        assertClose(gb, ga.map { 1e3 * $0 }, rtol: 1e-5, atol: 1e-3 * gmax)
        guard case .relative(let ia, 0) = a.normalizer, case .relative(let ib, 0) = b.normalizer else {
            return XCTFail("expected relative normalizers with minimum 0")
        }
        assertClose(ib, 1e3 * ia, rtol: 1e-6)
        // Σλ for linear spacing from 0.01 to 1 over 25 values is 25·(0.01 + 1)/2; L(0) = ½ p*ᵀHp*.
        let origin = a.referenceLossAndGradient([Double](repeating: 0, count: 25)).loss
        assertClose(ia, Float(0.5 * 25 * 1.01 / 2 + origin), rtol: 1e-6)
    }

    func testQuadraticNormalizerIsTheExpectedInitialLoss() {
        let task = quadratic(20, .log, condition: 100, scale: 5, seed: 9)
        guard case .relative(let initial, _) = task.normalizer else { return XCTFail() }
        var sum = 0.0
        let n = 400
        for i in 0..<n { sum += Double(task.loss(task.initialParameters(key: RandomKey(seed: 1).fold(UInt64(i))))) }
        // L(p0) is a non-central weighted χ² with mean scale·½(Σλ + p*ᵀHp*); 400 draws put the sample
        // mean within ~5% (1 s.e.) of it.
        XCTAssertEqual(sum / Double(n), Double(initial), accuracy: 0.2 * Double(initial))
    }

    func testQuadraticIsDeterministicFromItsConfig() throws {
        let config = QuadraticConfig(dimension: 12, spectrum: .linear, condition: 30, noise: 0.1, scale: 2, seed: 42)
        let json = try JSONEncoder().encode(TaskConfig.quadratic(config))
        let decoded = try JSONDecoder().decode(TaskConfig.self, from: json)
        let a = try QuadraticTask(config: config)
        let b = try XCTUnwrap(try decoded.makeTask() as? QuadraticTask)
        XCTAssertEqual(b.config, a.config)
        let p = a.initialParameters(key: RandomKey(seed: 5))
        XCTAssertEqual(p, b.initialParameters(key: RandomKey(seed: 5)))
        XCTAssertEqual(a.target, b.target)
        let ra = a.lossAndGradient(p, key: RandomKey(seed: 6)), rb = b.lossAndGradient(p, key: RandomKey(seed: 6))
        XCTAssertEqual(ra.loss, rb.loss)
        XCTAssertEqual(ra.gradient, rb.gradient)
        XCTAssertEqual(a.normalizer, b.normalizer)
        var other = config
        other.seed = 43
        let c = try QuadraticTask(config: other)
        XCTAssertNotEqual(c.target, a.target)
        XCTAssertNotEqual(c.lossAndGradient(p, key: RandomKey(seed: 6)).loss, ra.loss)
        XCTAssertEqual(a.layout.tensors.map(\.name), ["x"])
        XCTAssertEqual(a.layout["x"]?.shape, [12])

        let f = try XCTUnwrap(try JSONDecoder().decode(
            TaskConfig.self, from: Data(#"{"family": "function2d", "function": "styblinski_tang", "scale": 2}"#.utf8))
            .makeTask() as? Function2DTask)
        XCTAssertEqual(f.function, .styblinskiTang)
        XCTAssertEqual(f.scale, 2)
    }

    func testGradientDescentConvergesOnQuadratics() {
        // Step 1/(scale·λ_max) contracts the error along λ_k by 1 − λ_k, so by ≤ 1 − 1/κ per step.
        let cases = [
            quadratic(50, .linear, condition: 10, scale: 1), quadratic(20, .log, condition: 100, scale: 1e-2),
            quadratic(31, .log, condition: 30, scale: 1e3, rotate: false), quadratic(1, scale: 7),
        ]
        for task in cases {
            let step = Float(1 / task.scale)
            var p = task.initialParameters(key: RandomKey(seed: 3))
            var g = [Float](repeating: 0, count: task.dimension)
            for t in 0..<1500 {
                _ = task.lossAndGradient(p, gradient: &g, key: RandomKey(seed: UInt64(t)))
                for i in p.indices { p[i] -= step * g[i] }
            }
            XCTAssertLessThan(task.normalizer(task.loss(p)), 1e-6, "\(task.config)")
            assertClose(p, task.target, rtol: 0, atol: 1e-3)
        }
    }

    func testQuadraticRejectsBadConfigs() {
        XCTAssertThrowsError(try QuadraticTask(config: QuadraticConfig(dimension: 0)))
        XCTAssertThrowsError(try QuadraticTask(config: QuadraticConfig(condition: 0.5)))
        XCTAssertThrowsError(try QuadraticTask(config: QuadraticConfig(scale: -1)))
    }

    func testAFiniteDifferenceCheckCatchesAWrongGradient() {
        // The FD check used above can fail: a gradient missing the cross term of Matyas does not pass.
        let f = TestFunction2D.matyas
        let p = [1.3, -0.4]
        let wrong = 0.52 * p[0]  // true ∂x = 0.52x − 0.48y
        let fd = finiteDifferenceGradient(p, h: 1e-5) { f.value($0[0], $0[1]) }
        XCTAssertGreaterThan(abs(fd[0] - wrong), 1e-3)
        XCTAssertEqual(fd[0], f.valueAndGradient(p[0], p[1]).dx, accuracy: 1e-8)
    }
}

/// Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan §8.5), in Double.
private func jacobiEigenvalues(_ matrix: [[Double]]) -> [Double] {
    var a = matrix
    let n = a.count
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
        if off < 1e-26 { break }
        for p in 0..<n {
            for q in (p + 1)..<n where a[p][q] != 0 {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let akp = a[k][p], akq = a[k][q]
                    a[k][p] = c * akp - s * akq
                    a[k][q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = a[p][k], aqk = a[q][k]
                    a[p][k] = c * apk - s * aqk
                    a[q][k] = s * apk + c * aqk
                }
            }
        }
    }
    return (0..<n).map { a[$0][$0] }
}
