// The step-size wrappers `hypergrad` (hypergradient descent on a multiplier) and `plateau`
// (ReduceLROnPlateau), against trajectories worked out by hand.

import Foundation
import MetaCore
import MetaOptimizers
import TestSupport
import XCTest

final class StepSizeAdaptationTests: XCTestCase {
    /// Runs `spec` on the given gradients (and losses), returning each step's update.
    func updates(_ spec: String, layout: ParameterLayout, gradients: [[Float]], losses: [Float?] = [],
                 validationLosses: [Float?] = []) throws -> [[Float]] {
        let o = try OptimizerCatalogue.handDesigned.make(spec)
        func run<O: Optimizer>(_ o: O) -> [[Float]] {
            let x = [Float](repeating: 0, count: layout.count)
            var state = o.initialState(parameters: x, layout: layout)
            var result = [[Float]]()
            for (t, g) in gradients.enumerated() {
                var u = g
                let context = StepContext(step: t, loss: t < losses.count ? losses[t] : nil,
                                          validationLoss: t < validationLosses.count ? validationLosses[t] : nil, layout: layout)
                o.update(&u, state: &state, parameters: x, context: context)
                result.append(u)
            }
            return result
        }
        return run(o)
    }

    /// With SGD (lr 1) inside and one multiplier: u₁ = −g₁; then log s ← log s − β·cos(g_t, u_{t−1}).
    func testHypergradientGlobalTrajectoryByHand() throws {
        let layout = ParameterLayout([("w", [2])])
        let g: [[Float]] = [[1, 0], [2, 0], [0, 3], [-1, 1]]
        let u = try updates("hypergrad:beta=0.1,per=global,inner=[sgd:lr=1]", layout: layout, gradients: g)
        var logS = 0.0
        var previous: [Double] = []
        for t in 0..<g.count {
            let gt = g[t].map(Double.init)
            if !previous.isEmpty {
                let dot = zip(gt, previous).map(*).reduce(0, +)
                let norms = (gt.map { $0 * $0 }.reduce(0, +) * previous.map { $0 * $0 }.reduce(0, +)).squareRoot()
                logS -= 0.1 * dot / norms
            }
            let expected = gt.map { -Foundation.exp(logS) * $0 }
            assertClose(u[t], expected.map(Float.init), rtol: 1e-6, atol: 1e-7, "step \(t)")
            previous = expected
        }
        // Step 2 agreed with step 1 (cos −1): the multiplier grew to e^0.1.
        XCTAssertEqual(u[1][0], -2 * Float(Foundation.exp(0.1)), accuracy: 1e-6)
    }

    /// Per tensor: a tensor whose gradients keep their sign speeds up, one whose gradient flips slows down.
    func testHypergradientAdaptsEachTensorOnItsOwn() throws {
        let layout = ParameterLayout([("steady", [1]), ("flipping", [1])])
        let g: [[Float]] = (0..<20).map { t in [1, t % 2 == 0 ? 1 : -1] }
        let u = try updates("hypergrad:beta=0.05,inner=[sgd:lr=0.1]", layout: layout, gradients: g)
        // 19 agreeing steps: s = e^(0.05·19); 19 reversals: s = e^(−0.05·19).
        XCTAssertEqual(u[19][0], -0.1 * Float(Foundation.exp(0.95)), accuracy: 1e-5)
        XCTAssertEqual(abs(u[19][1]), 0.1 * Float(Foundation.exp(-0.95)), accuracy: 1e-5)
    }

    /// `fan_in=F`: a weight tensor starts at (F/fan-in)^p, its fan-in read off the bias that follows it
    /// (dense `[out, in]`, kernel `[3, 3, in, out]`, head `[in, out]`); biases and scalars start at 1.
    func testHypergradientFanInInitialScales() throws {
        let layout = ParameterLayout([("dense/w", [8, 32]), ("dense/b", [8]), ("conv/w", [3, 3, 2, 4]), ("conv/b", [4]),
                                      ("head/w", [4, 10]), ("head/b", [10]), ("lonely", [6, 3]), ("s", [])])
        XCTAssertEqual((0..<layout.tensors.count).map { Hypergradient<Trace>.fanIn(layout, tensor: $0) },
                       [32, nil, 18, nil, 4, nil, 6, nil])
        let g = [Float](repeating: 1, count: layout.count)
        let u = try updates("hypergrad:fan_in=16,fan_in_power=0.5,max_scale=1.5,inner=[sgd:lr=1]", layout: layout, gradients: [g])[0]
        let expected: [Float] = [(16 / 32.0).squareRoot(), 1, (16 / 18.0).squareRoot(), 1, 1.5, 1, 1.5, 1].map { Float($0) }
        for (k, t) in layout.tensors.enumerated() {
            XCTAssertEqual(u[t.range.lowerBound], -expected[k], accuracy: 1e-6, t.name)
        }
        XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make("hypergrad:per=global,fan_in=16")) { e in
            XCTAssertTrue("\(e)".contains("'fan_in'"), "\(e)")
        }
    }

    /// `kernel_init_scale=K`: convolution kernels (rank ≥ 3) and the bias after each start at K, every other
    /// tensor at `init_scale`; K is clamped to the range like any multiplier and needs per-tensor scales.
    func testHypergradientKernelInitialScale() throws {
        let layout = ParameterLayout([("conv/w", [3, 3, 2, 4]), ("conv/b", [4]), ("conv2/w", [3, 3, 4, 4]), ("head/w", [4, 10]),
                                      ("head/b", [10]), ("s", [])])
        let g = [Float](repeating: 1, count: layout.count)
        let u = try updates("hypergrad:init_scale=0.25,kernel_init_scale=0.5,inner=[sgd:lr=1]", layout: layout, gradients: [g])[0]
        let expected: [Float] = [0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
        for (k, t) in layout.tensors.enumerated() {
            XCTAssertEqual(u[t.range.lowerBound], -expected[k], accuracy: 1e-6, t.name)
        }
        // Without kernels (an MLP) the key changes nothing.
        let dense = ParameterLayout([("w", [3, 2]), ("b", [3])])
        let d = [Float](repeating: 1, count: dense.count)
        XCTAssertEqual(try updates("hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=2,inner=[sgd:lr=1]", layout: dense, gradients: [d, d, d]),
                       try updates("hypergrad:beta=0.3,init_scale=0.25,inner=[sgd:lr=1]", layout: dense, gradients: [d, d, d]))
        for (spec, needle) in [("hypergrad:per=global,kernel_init_scale=0.5", "needs per=tensor"),
                               ("hypergrad:max_scale=10,kernel_init_scale=20", "'kernel_init_scale'")] {
            XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make(spec), spec) { e in XCTAssertTrue("\(e)".contains(needle), "\(spec): \(e)") }
        }
    }

    /// The multiplier stays within [min_scale, max_scale]; a zero gradient leaves it alone.
    func testHypergradientClampsAndSkipsZeroGradients() throws {
        let layout = ParameterLayout([("w", [1])])
        let u = try updates("hypergrad:beta=1,per=global,max_scale=2,inner=[sgd:lr=1]", layout: layout,
                            gradients: [[1], [1], [1], [0], [1]])
        assertClose(u.map { $0[0] }, [-1, -2, -2, 0, -2], rtol: 1e-6, atol: 0)
        let down = try updates("hypergrad:beta=1,per=global,min_scale=0.5,init_scale=0.8,inner=[sgd:lr=1]", layout: layout,
                               gradients: [[1], [-1], [1]])
        XCTAssertEqual(down[0][0], -0.8, accuracy: 1e-6)
        XCTAssertEqual(down[1][0], 0.5, accuracy: 1e-6)
    }

    /// Mechanic's first step is s_init times the inner step (Δ₀ = 0, so h = 0, r = 0 and each of the
    /// num_betas scales is s_init/num_betas); with gradients that keep their direction the scale then
    /// grows, and it stops growing once they reverse.
    func testMechanicStartsAtSInitAndGrowsWhileGradientsAgree() throws {
        let layout = ParameterLayout([("w", [2])])
        func run<O: Optimizer>(_ o: O) -> [[Float]] {
            var x: [Float] = [1, 1]
            var state = o.initialState(parameters: x, layout: layout)
            return (0..<30).map { t in
                var g: [Float] = [1, -2]
                let before = x
                o.step(&x, gradient: &g, state: &state, context: StepContext(step: t, layout: layout))
                return zip(x, before).map { $0 - $1 }
            }
        }
        let steady = run(try OptimizerCatalogue.handDesigned.make("mechanic:s_init=0.01,inner=[sgd:lr=1]"))
        assertClose(steady[0], [-0.01, 0.02], rtol: 1e-5, atol: 0)
        let sizes = steady.map { abs($0[0]) }
        XCTAssertGreaterThan(sizes[29], 100 * sizes[0])
        for t in 2..<30 { XCTAssertGreaterThan(sizes[t], sizes[t - 1], "step \(t)") }
        // The same direction everywhere: Mechanic only rescales the inner step.
        for u in steady { XCTAssertEqual(u[1] / u[0], -2, accuracy: 1e-3) }
    }

    /// PyTorch's rule with smoothing 0: the scale halves on the (patience+1)-th step without improvement.
    func testPlateauReducesAfterPatience() throws {
        let layout = ParameterLayout([("w", [1])])
        let losses: [Float?] = [1, 0.5, 0.5, 0.6, 0.5, 0.4, 0.4, 0.4, 0.4]
        let u = try updates("plateau:monitor=train,smoothing=0,patience=2,factor=0.5,inner=[sgd:lr=1]", layout: layout,
                            gradients: Array(repeating: [1], count: losses.count), losses: losses)
        // Bad steps: 0.5 (t2) 1, 0.6 (t3) 2, 0.5 (t4) 3 > 2 → 0.5; 0.4 (t5) improves; t6, t7 bad 1, 2; t8 3 → 0.25.
        XCTAssertEqual(u.map { $0[0] }, [-1, -1, -1, -1, -0.5, -0.5, -0.5, -0.5, -0.25])
    }

    /// With `rise`, a flat stretch never reduces the scale; a rise beyond the tolerance does. The default
    /// monitor is the validation loss, which the wrapper asks its caller for.
    func testPlateauRiseModeIgnoresFlatStretches() throws {
        let layout = ParameterLayout([("w", [1])])
        let flat = [Float?](repeating: 2, count: 12)
        let spec = "plateau:smoothing=0,patience=1,rise=0.1,inner=[sgd:lr=1]"
        let u = try updates(spec, layout: layout, gradients: Array(repeating: [1], count: flat.count), validationLosses: flat)
        XCTAssertEqual(Set(u.map { $0[0] }), [-1])
        let rising: [Float?] = [2, 2.1, 2.3, 2.3, 2.3, 1]
        let r = try updates(spec, layout: layout, gradients: Array(repeating: [1], count: rising.count), validationLosses: rising)
        // 2.1 is within 10% of 2; 2.3 counts (1), 2.3 (2 > 1 → 0.5), 2.3 (1), then 1 improves.
        XCTAssertEqual(r.map { $0[0] }, [-1, -1, -1, -0.5, -0.5, -0.5])
        XCTAssertTrue(try OptimizerCatalogue.handDesigned.make(spec).usesValidationLoss)
        XCTAssertFalse(try OptimizerCatalogue.handDesigned.make("plateau:monitor=train").usesValidationLoss)
    }

    /// `average` leaves the trajectory alone and evaluates the debiased EMA of the iterates, worked out by
    /// hand: with SGD (lr 1) on gradients g_t the iterates are θ_t = θ_{t−1} − g_t.
    func testAveragingEvaluatesTheDebiasedMovingAverageOfTheIterates() throws {
        let layout = ParameterLayout([("w", [2])])
        let gradients: [[Float]] = [[1, -2], [0.5, 0], [-3, 1], [2, 2]]
        func run<O: Optimizer>(_ o: O, _ plain: some Optimizer) throws {
            var x: [Float] = [1, 1], y = x
            var state = o.initialState(parameters: x, layout: layout)
            var plainState = plain.initialState(parameters: y, layout: layout)
            XCTAssertEqual(o.evaluationParameters(x, state: state), x, "before any step")
            var average: [Double] = [0, 0]
            for (t, g) in gradients.enumerated() {
                var a = g, b = g
                o.step(&x, gradient: &a, state: &state, context: StepContext(step: t, layout: layout))
                plain.step(&y, gradient: &b, state: &plainState, context: StepContext(step: t, layout: layout))
                XCTAssertEqual(x, y, "the iterates are the inner optimizer's, step \(t)")
                average = zip(average, x).map { 0.8 * $0 + 0.2 * Double($1) }
                let debiased = average.map { Float($0 / (1 - Foundation.pow(0.8, Double(t + 1)))) }
                assertClose(o.evaluationParameters(x, state: state), debiased, rtol: 1e-6, atol: 1e-6, "step \(t)")
            }
            let copy = try JSONDecoder().decode(O.State.self, from: try JSONEncoder().encode(state))
            XCTAssertEqual(o.evaluationParameters(x, state: copy), o.evaluationParameters(x, state: state))
            // decay 0 reports the iterate itself.
            let none = try OptimizerCatalogue.handDesigned.make("average:decay=0,inner=[sgd:lr=1]")
            func last<P: Optimizer>(_ p: P) -> [Float] {
                var z: [Float] = [1, 1]
                var s = p.initialState(parameters: z, layout: layout)
                for (t, g) in gradients.enumerated() {
                    var a = g
                    p.step(&z, gradient: &a, state: &s, context: StepContext(step: t, layout: layout))
                }
                XCTAssertEqual(z, x)
                return p.evaluationParameters(z, state: s)
            }
            XCTAssertEqual(last(none), x)
        }
        try run(try OptimizerCatalogue.handDesigned.make("average:decay=0.8,inner=[sgd:lr=1]"), try OptimizerCatalogue.handDesigned.make("sgd:lr=1"))
    }

    /// `keep_best` leaves the trajectory alone and reports the iterate whose smoothed loss was lowest, worked
    /// out by hand (smoothing 0.5, bias-corrected); while the latest average is the best it reports the
    /// iterate itself, and the loss it asks to be fed is always the iterate's.
    func testKeepBestReportsTheIterateWithTheLowestSmoothedLoss() throws {
        let layout = ParameterLayout([("w", [2])])
        let o = try OptimizerCatalogue.handDesigned.make("keep_best:monitor=train,smoothing=0.5,inner=[sgd:lr=1]")
        XCTAssertFalse(o.usesValidationLoss)
        XCTAssertTrue(try OptimizerCatalogue.handDesigned.make("keep_best:inner=[sgd]").usesValidationLoss)
        let losses: [Float] = [4, 2, 1, 3, 6, 0.2]
        func run<O: Optimizer>(_ o: O) throws {
            var x: [Float] = [0, 0]
            var state = o.initialState(parameters: x, layout: layout)
            XCTAssertEqual(o.evaluationParameters(x, state: state), x)
            var iterates: [[Float]] = []
            var shown: [[Float]] = []
            for (t, loss) in losses.enumerated() {
                iterates.append(x)
                var g: [Float] = [Float(t + 1), -1]
                o.step(&x, gradient: &g, state: &state, context: StepContext(step: t, loss: loss, layout: layout))
                shown.append(o.evaluationParameters(x, state: state))
                XCTAssertEqual(o.monitoredParameters(x, state: state), x, "step \(t)")
            }
            // θ_t = −(1 + … + t) in the first coordinate, t in the second: the trajectory is plain SGD's.
            XCTAssertEqual(x, [-21, 6])
            // Debiased EMAs (d = 0.5): 4, 2.667, 1.714, 2.4, 4.258, 2.197 — lowest at the 3rd, and the 6th
            // is not lower, so from step 4 on the kept iterate θ_2 (whose loss was the 3rd) is reported.
            var average = 0.0
            var expected: [[Float]] = []
            var best = Double.infinity, kept: [Float] = []
            for (t, loss) in losses.enumerated() {
                average = 0.5 * average + 0.5 * Double(loss)
                let corrected = average / (1 - Foundation.pow(0.5, Double(t + 1)))
                let latestIsBest = corrected < best
                if latestIsBest { best = corrected; kept = iterates[t] }
                expected.append(latestIsBest ? (t + 1 < iterates.count ? iterates[t + 1] : x) : kept)
            }
            XCTAssertEqual(shown, expected)
            XCTAssertEqual(shown.last, iterates[2])
            let copy = try JSONDecoder().decode(O.State.self, from: try JSONEncoder().encode(state))
            XCTAssertEqual(o.evaluationParameters(x, state: copy), iterates[2])
        }
        try run(o)
        // With a tolerance the kept copy is reported only while the latest average is that far above the best:
        // the last one, 2.197, is 28% above 1.714.
        for (tolerance, keeps) in [(0.2, true), (0.3, false)] {
            let t = try OptimizerCatalogue.handDesigned.make("keep_best:monitor=train,smoothing=0.5,tolerance=\(tolerance),inner=[sgd:lr=1]")
            func last<O: Optimizer>(_ o: O) -> Bool {
                var x: [Float] = [0, 0], third: [Float] = []
                var state = o.initialState(parameters: x, layout: layout)
                for (k, loss) in losses.enumerated() {
                    if k == 2 { third = x }
                    var g: [Float] = [Float(k + 1), -1]
                    o.step(&x, gradient: &g, state: &state, context: StepContext(step: k, loss: loss, layout: layout))
                }
                return o.evaluationParameters(x, state: state) == third
            }
            XCTAssertEqual(last(t), keeps, "tolerance \(tolerance)")
        }
    }

    /// `gap_decay` decays the weight matrices by λ·clamp(r/gap, 0, 1) with r = (V − T)/|V| of the
    /// debiased moving averages of the validation and training losses, worked out by hand (smoothing 0.5):
    /// nothing while validation is at or below training, the full λ once the gap reaches `gap`, and the
    /// gate held when a step brings no validation loss.
    func testGapDecayFollowsTheGeneralizationGap() throws {
        let layout = ParameterLayout([("w", [2, 2]), ("b", [2]), ("k", [1, 1, 1, 2])])
        let x: [Float] = [1, -2, 3, 4, 5, 6, 7, -8]
        let g: [Float] = [0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1]
        let train: [Float] = [2, 2, 1, 1, 1]
        let validation: [Float?] = [1, 2, 2, nil, 3]
        func gates() -> [Double] {
            var t = 0.0, v = 0.0, n = 0, gate = 0.0, result: [Double] = []
            for (k, value) in validation.enumerated() {
                if let value {
                    n += 1
                    t = 0.5 * t + 0.5 * Double(train[k]); v = 0.5 * v + 0.5 * Double(value)
                    let c = 1 - Foundation.pow(0.5, Double(n))
                    gate = min(max(((v / c) - (t / c)) / abs(v / c) / 0.25, 0), 1)
                }
                result.append(gate)
            }
            return result
        }
        let expected = gates()
        // By hand: the debiased averages (T, V) are (2, 1), (2, 5/3), (10/7, 13/7), held, (6/5, 37/15), so
        // r = −1, −1/5, 3/13 (12/13 of the full decay at gap 0.25), held, 19/37 (full).
        for (a, b) in zip(expected, [0, 0, 12.0 / 13, 12.0 / 13, 1]) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        for (mask, decays) in [("matrices", [true, true, true, true, false, false, true, true]),
                               ("dense", [true, true, true, true, false, false, false, false]),
                               ("all", [Bool](repeating: true, count: 8))] {
            let o = try OptimizerCatalogue.handDesigned.make("gap_decay:weight_decay=0.1,gap=0.25,smoothing=0.5,decay=\(mask),inner=[sgd:lr=1]")
            XCTAssertTrue(o.usesValidationLoss)
            func run<O: Optimizer>(_ o: O) throws {
                var state = o.initialState(parameters: x, layout: layout)
                for (k, gate) in expected.enumerated() {
                    var u = g
                    o.update(&u, state: &state, parameters: x, context: StepContext(step: k, loss: train[k], validationLoss: validation[k], layout: layout))
                    for i in x.indices {
                        let want = -g[i] - (decays[i] ? Float(0.1 * gate) * x[i] : 0)
                        XCTAssertEqual(u[i], want, accuracy: 1e-6, "\(mask), step \(k), element \(i)")
                    }
                }
                var copy = try JSONDecoder().decode(O.State.self, from: try JSONEncoder().encode(state))
                var a = g, b = g
                o.update(&a, state: &state, parameters: x, context: StepContext(step: 5, loss: 1, validationLoss: 1, layout: layout))
                o.update(&b, state: &copy, parameters: x, context: StepContext(step: 5, loss: 1, validationLoss: 1, layout: layout))
                XCTAssertEqual(a, b)
            }
            try run(o)
        }
    }

    /// Bad settings name the optimizer and key; an unknown inner optimizer names the nesting.
    func testBadSettingsAreErrors() {
        for (spec, needle) in [("hypergrad:per=layer", "'per'"), ("hypergrad:init_scale=500", "'init_scale'"),
                               ("plateau:factor=2", "'factor'"), ("plateau:monitor=test", "'monitor'"),
                               ("plateau:inner=[nope]", "key 'inner'"), ("hypergrad:inner=[adam:foo=1]", "key 'inner'"),
                               ("mechanic:num_betas=0", "'num_betas'"), ("mechanic:s_init=0", "'s_init'"),
                               ("mechanic:weight_decay=-1", "'weight_decay'"), ("mechanic:inner=[nope]", "key 'inner'"),
                               ("average:decay=1", "'decay'"), ("keep_best:smoothing=1", "'smoothing'"), ("keep_best:monitor=test", "'monitor'"),
                               ("keep_best:start=-1", "'start'"), ("keep_best:inner=[nope]", "key 'inner'"), ("average:start=-1", "'start'"), ("average:inner=[nope]", "key 'inner'"),
                               ("gap_decay:gap=0", "'gap'"), ("gap_decay:weight_decay=2", "'weight_decay'"), ("gap_decay:decay=rows", "'decay'"),
                               ("gap_decay:smoothing=1", "'smoothing'"), ("gap_decay:inner=[nope]", "key 'inner'")] {
            XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make(spec), spec) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(spec): \(e)")
            }
        }
    }

    /// Both wrap optimizers whose state must survive a JSON round trip (meta-training and checkpoints
    /// encode states), and report the inner optimizer's evaluation parameters (Lookahead's slow weights).
    func testStatesRoundTripAndEvaluationParametersPassThrough() throws {
        let layout = ParameterLayout([("a", [2]), ("b", [1])])
        let o = try OptimizerCatalogue.handDesigned.make("plateau:monitor=train,inner=[hypergrad:inner=[mechanic:s_init=0.1,inner=[lookahead:k=2,inner=[adam:lr=0.1]]]]")
        func run<O: Optimizer>(_ o: O) throws {
            var x: [Float] = [1, -1, 0.5]
            var state = o.initialState(parameters: x, layout: layout)
            for t in 0..<3 {
                var g: [Float] = [0.3, -0.2, Float(t)]
                o.step(&x, gradient: &g, state: &state, context: StepContext(step: t, loss: 1 / Float(t + 1), layout: layout))
            }
            let copy = try JSONDecoder().decode(O.State.self, from: try JSONEncoder().encode(state))
            XCTAssertEqual(o.evaluationParameters(x, state: copy), o.evaluationParameters(x, state: state))
            // After 3 steps with k = 2 the fast weights have moved past the slow ones.
            XCTAssertNotEqual(o.evaluationParameters(x, state: state), x)
        }
        try run(o)
    }
}
