// Muon's parts on their own: the Newton–Schulz iteration's contract and which tensors Muon takes from
// the layout. Its trajectories against optax are in ReplayTests.

import MetaCore
import MetaOptimizers
import TestSupport
import XCTest

final class MuonTests: XCTestCase {
    /// Singular values of a 2×n matrix: square roots of the eigenvalues of the 2×2 matrix X·Xᵀ.
    func singularValues(_ x: [Float], cols n: Int) -> [Float] {
        var (p, q, r) = (0.0, 0.0, 0.0)
        for j in 0..<n {
            let (a, b) = (Double(x[j]), Double(x[n + j]))
            p += a * a; q += a * b; r += b * b
        }
        let mean = (p + r) / 2, spread = (((p - r) / 2) * ((p - r) / 2) + q * q).squareRoot()
        return [Float((mean + spread).squareRoot()), Float(max(0, mean - spread).squareRoot())]
    }

    /// Five iterations bring singular values of 0.995 and 0.094 (after the Frobenius normalization) to
    /// about 0.70 and 0.68 — inside (0.5, 1.5), the band the coefficients are chosen for, not exactly 1
    /// (optax computes 0.7014 and 0.6826 for this matrix in float32). A tall matrix is iterated as its
    /// transpose, and the result is the transpose of the wide one's, bit for bit.
    func testNewtonSchulzOrthogonalizesIntoItsBand() {
        let g: [Float] = [1, 2, 0, -1, 3, 1, 0.1, -0.2, 0.3, 0.1, 0, -0.1]
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let before = singularValues(g.map { $0 / norm }, cols: 6)
        XCTAssertLessThan(before[1], 0.1)
        var wide = g
        NewtonSchulz.orthogonalize(&wide, rows: 2, cols: 6)
        let after = singularValues(wide, cols: 6)
        assertClose(after, [0.7014202, 0.68263], rtol: 1e-4, atol: 0)
        var tall = (0..<12).map { g[($0 % 2) * 6 + $0 / 2] }  // gᵀ, 6×2
        NewtonSchulz.orthogonalize(&tall, rows: 6, cols: 2)
        XCTAssertEqual((0..<12).map { tall[($0 % 6) * 2 + $0 / 6] }, wide)
        // Zero steps only normalize: the small singular value stays small.
        var none = g
        NewtonSchulz.orthogonalize(&none, rows: 2, cols: 6, steps: 0)
        XCTAssertLessThan(singularValues(none, cols: 6)[1], 0.1)
    }

    /// Rank-2 tensors are Muon's, the rest NAdamW's at adam_lr; with kernelsToMuon a rank-4 kernel is
    /// the (∏ leading axes) × last matrix; a layout that does not cover the parameters leaves all to Adam.
    func testMatricesGoToNewtonSchulzAndTheRestToAdam() {
        let layout = ParameterLayout([("w", [2, 3]), ("b", [3]), ("k", [1, 1, 2, 2])])
        var rng = RandomKey(seed: 3).generator()
        let parameters = rng.normals(layout.count), gradient = rng.normals(layout.count)
        let w = layout["w"]!.range, b = layout["b"]!.range, k = layout["k"]!.range
        func firstUpdate<O: Optimizer>(_ o: O, layout: ParameterLayout) -> [Float] {
            var state = o.initialState(parameters: parameters, layout: layout)
            var u = gradient
            o.update(&u, state: &state, parameters: parameters, context: StepContext(step: 0, layout: layout))
            return u
        }
        let muon = Muon(learningRate: 0.1, adamLearningRate: 0.01)
        let adam = firstUpdate(ScaleByAdam(scale: -0.01, nesterov: true), layout: layout)
        let u = firstUpdate(muon, layout: layout)
        // On the matrix: −lr·√max(1, 3/2)·NS(m̂), and m̂ ∝ g on the first step (NS is scale-free).
        var orthogonalized = Array(gradient[w])
        NewtonSchulz.orthogonalize(&orthogonalized, rows: 2, cols: 3)
        assertClose(Array(u[w]), orthogonalized.map { -0.1 * Float(1.5).squareRoot() * $0 }, rtol: 1e-5, atol: 1e-7)
        XCTAssertEqual(Array(u[b]), Array(adam[b]))
        XCTAssertEqual(Array(u[k]), Array(adam[k]))

        var kernels = muon
        kernels.kernelsToMuon = true
        let uk = firstUpdate(kernels, layout: layout)
        var kernel = Array(gradient[k])
        NewtonSchulz.orthogonalize(&kernel, rows: 2, cols: 2)
        assertClose(Array(uk[k]), kernel.map { -0.1 * $0 }, rtol: 1e-5, atol: 1e-7)
        XCTAssertEqual(Array(uk[b]), Array(adam[b]))

        let flat = ParameterLayout([("all", [layout.count - 1])])
        let allAdam = firstUpdate(muon, layout: flat)
        XCTAssertEqual(allAdam, firstUpdate(ScaleByAdam(scale: -0.01, nesterov: true), layout: flat))
    }
}
