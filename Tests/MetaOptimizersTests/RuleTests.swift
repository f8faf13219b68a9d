// Rules without an optax reference (AdaX), schedules, clipping, fused blocks against their chains,
// and states that survive a JSON round trip.

import Foundation
import MetaCore
import MetaOptimizers
import TestSupport
import XCTest

final class RuleTests: XCTestCase {
    let layout = ParameterLayout([("w", [3])])
    func context(_ t: Int, total: Int? = nil) -> StepContext { StepContext(step: t, totalSteps: total, layout: layout) }

    /// AdaX by hand in Double: m ← 0.9m + 0.1g; v ← (1+β₂)v + β₂g²; p ← p − lr·√((1+β₂)ᵗ−1)·m/(√v+ε).
    func testAdaXMatchesAHandComputedTrajectory() throws {
        let lr = 0.01, b1 = 0.9, b2 = 1e-4, eps = 1e-8
        let grads: [[Double]] = [[0.1, -0.2, 3], [0.4, 0, -0.5], [-0.3, 0.2, 0.1], [1e-3, 5, -2]]
        var p: [Double] = [0.5, -1, 2], m = [0.0, 0, 0], v = [0.0, 0, 0]
        let optimizer = try OptimizerCatalogue.handDesigned.make("adax:lr=0.01")
        func run<O: Optimizer>(_ o: O) {
            var x = p.map(Float.init)
            var state = o.initialState(parameters: x, layout: layout)
            for (t, g) in grads.enumerated() {
                let c = pow(1 + b2, Double(t + 1)) - 1
                for i in 0..<3 {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = (1 + b2) * v[i] + b2 * g[i] * g[i]
                    p[i] -= lr * c.squareRoot() * m[i] / (v[i].squareRoot() + eps)
                }
                var gf = g.map(Float.init)
                o.step(&x, gradient: &gf, state: &state, context: context(t))
                assertClose(x, p.map(Float.init), rtol: 2e-6, atol: 1e-7, "step \(t + 1)")
                if t == 0 {
                    // First step: √β₂·0.1g / (√β₂|g| + ε) = 0.1·sign(g)/(1 + ε/(0.01|g|)).
                    XCTAssertEqual(Double(x[0]), 0.5 - 0.01 * 0.1 / (1 + 1e-8 / 1e-3), accuracy: 1e-7)
                }
            }
        }
        run(optimizer)
    }

    func testScheduleValues() {
        let warm = Schedule.warmup(steps: 4)
        XCTAssertEqual((0..<6).map { warm.factor(step: $0, totalSteps: nil) }, [0.25, 0.5, 0.75, 1, 1, 1])
        let cosine = Schedule.cosine(decaySteps: 10, finalScale: 0.1)
        XCTAssertEqual(cosine.factor(step: 0, totalSteps: nil), 1)
        XCTAssertEqual(cosine.factor(step: 5, totalSteps: nil), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cosine.factor(step: 10, totalSteps: nil), 0.1, accuracy: 1e-7)
        XCTAssertEqual(cosine.factor(step: 50, totalSteps: nil), 0.1, accuracy: 1e-7)
        let overRun = Schedule.cosine(decaySteps: nil, finalScale: 0)
        XCTAssertEqual(overRun.factor(step: 50, totalSteps: 100), 0.5, accuracy: 1e-6)
        XCTAssertEqual(overRun.factor(step: 50, totalSteps: nil), 1)
        let both = Schedule.warmupCosine(warmupSteps: 2, decaySteps: 10, finalScale: 0)
        assertClose([0, 1, 2, 6, 10].map { both.factor(step: $0, totalSteps: nil) }, [0.5, 1, 1, 0.5, 0], rtol: 1e-6, atol: 1e-6)
    }

    func update(_ spec: String, gradient: [Float], step: Int = 0, total: Int? = nil) throws -> [Float] {
        let o = try OptimizerCatalogue.handDesigned.make(spec)
        func run<O: Optimizer>(_ o: O) -> [Float] {
            let x = [Float](repeating: 0, count: gradient.count)
            let l = ParameterLayout([("w", [gradient.count])])
            var state = o.initialState(parameters: x, layout: l)
            var u = gradient
            for t in 0...step {
                u = gradient
                o.update(&u, state: &state, parameters: x, context: StepContext(step: t, totalSteps: total, layout: l))
            }
            return u
        }
        return run(o)
    }

    func testCommonKeysClipAndSchedule() throws {
        XCTAssertEqual(try update("sgd:lr=1,clip=0.5", gradient: [2, -0.1, -3]), [-0.5, 0.1, 0.5])
        assertClose(try update("sgd:lr=1,clip_norm=1", gradient: [3, 4]), [-0.6, -0.8])
        XCTAssertEqual(try update("sgd:lr=1,clip_norm=1", gradient: [0.3, 0.4]), [-0.3, -0.4])
        // Per element first, then the global norm: [2, 0.5] → [1, 0.5] → norm 1.118 → ×1/1.118.
        assertClose(try update("sgd:lr=1,clip=1,clip_norm=1", gradient: [2, 0.5]), [-1 / 1.25.squareRoot(), -0.5 / 1.25.squareRoot()].map(Float.init))
        XCTAssertEqual(try update("sgd:lr=1,schedule=warmup,warmup=4", gradient: [1], step: 1), [-0.5])
        assertClose(try update("sgd:lr=2,schedule=cosine", gradient: [1], step: 5, total: 10), [-1])
        assertClose(try update("sgd:lr=2,schedule=cosine,decay_steps=20,final_scale=0.5", gradient: [1], step: 10, total: 10), [-1.5])
        // Lookahead applies them to its inner optimizer.
        XCTAssertEqual(try update("lookahead:k=3,clip=0.5,inner=[sgd:lr=1]", gradient: [2], step: 0), [-0.5])
    }

    func testClipBlocks() {
        var u: [Float] = [3, 4]
        var s = EmptyState()
        ClipByGlobalNorm(2.5).update(&u, state: &s, parameters: [0, 0], context: context(0))
        assertClose(u, [1.5, 2])
        u = [-7, 0.2]
        Clip(1).update(&u, state: &s, parameters: [0, 0], context: context(0))
        XCTAssertEqual(u, [-1, 0.2])
        u = [1, 1]
        AddDecayedWeights(0.5).update(&u, state: &s, parameters: [2, -4], context: context(0))
        XCTAssertEqual(u, [2, -1])
        // Masked to tensors of rank ≥ 2: the 2×2 weight decays, the bias and the scalar do not.
        let mixed = ParameterLayout([("w", [2, 2]), ("b", [2]), ("s", [])])
        u = [1, 1, 1, 1, 1, 1, 1]
        AddDecayedWeights(0.5, matricesOnly: true).update(
            &u, state: &s, parameters: [2, -4, 6, 8, 10, 12, 14], context: StepContext(step: 0, layout: mixed))
        XCTAssertEqual(u, [2, -1, 4, 5, 1, 1, 1])
    }

    /// adamw's fused pass equals optax's chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate).
    func testFusedAdamWEqualsTheChain() throws {
        let fused = ScaleByAdam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1, scale: -0.01)
        let chained = Chain(ScaleByAdam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6), Chain(AddDecayedWeights(0.1), ScaleByLearningRate(0.01)))
        var rng = RandomKey(seed: 7).generator()
        var x1 = rng.normals(5)
        var x2 = x1
        var s1 = fused.initialState(parameters: x1, layout: ParameterLayout([("w", [5])]))
        var s2 = chained.initialState(parameters: x2, layout: ParameterLayout([("w", [5])]))
        for t in 0..<10 {
            let g = rng.normals(5)
            var g1 = g, g2 = g
            let c = StepContext(step: t, layout: ParameterLayout([("w", [5])]))
            fused.step(&x1, gradient: &g1, state: &s1, context: c)
            chained.step(&x2, gradient: &g2, state: &s2, context: c)
        }
        assertClose(x1, x2, rtol: 1e-6, atol: 1e-7)
    }

    /// Every registry optimizer's state survives JSON mid-run: the continued runs agree bit for bit.
    func testStatesAreCodableMidRun() throws {
        let layout = ParameterLayout([("w", [2, 3]), ("b", [])])
        for entry in OptimizerCatalogue.handDesigned.kinds {
            let optimizer = try OptimizerCatalogue.handDesigned.make(entry.name == "adafactor" ? "adafactor:min_dim_size_to_factor=2" : entry.name)
            func run<O: Optimizer>(_ o: O) throws {
                var x: [Float] = [0.5, -1, 2, 0.25, -0.75, 1.5, 0.1]
                var state = o.initialState(parameters: x, layout: layout)
                func grad(_ t: Int) -> [Float] { x.indices.map { Float(sin(Double(3 * t + $0))) } }
                for t in 0..<5 {
                    var g = grad(t)
                    o.step(&x, gradient: &g, state: &state, context: StepContext(step: t, totalSteps: 10, layout: layout))
                }
                let restored = try JSONDecoder().decode(O.State.self, from: JSONEncoder().encode(state))
                var (xa, sa, xb, sb) = (x, state, x, restored)
                for t in 5..<10 {
                    var ga = grad(t), gb = grad(t)
                    let c = StepContext(step: t, totalSteps: 10, layout: layout)
                    o.step(&xa, gradient: &ga, state: &sa, context: c)
                    o.step(&xb, gradient: &gb, state: &sb, context: c)
                }
                XCTAssertEqual(xa, xb, entry.name)
                XCTAssertNotEqual(xa, x, "\(entry.name) did not move")
                XCTAssertEqual(o.evaluationParameters(xa, state: sa), o.evaluationParameters(xb, state: sb), entry.name)
            }
            try run(optimizer)
        }
    }

    func testAdafactorFactorsTheTwoLargestAxes() {
        let a = ScaleByAdafactor(minDimSizeToFactor: 128)
        XCTAssertNil(a.factoredAxes([1000]))
        XCTAssertNil(a.factoredAxes([3, 1000]))
        XCTAssertEqual(a.factoredAxes([128, 200]).map { [$0.row, $0.column] }, [0, 1])
        XCTAssertEqual(a.factoredAxes([300, 4, 200]).map { [$0.row, $0.column] }, [2, 0])
        XCTAssertEqual(a.factoredAxes([128, 128]).map { [$0.row, $0.column] }, [0, 1])
        XCTAssertNil(ScaleByAdafactor(minDimSizeToFactor: 2, factored: false).factoredAxes([5, 5]))
    }
}
