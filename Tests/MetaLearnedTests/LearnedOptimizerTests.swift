// Tests of the learned optimizers: derived sizes, the fused kernels against plain Swift references,
// robustness to extreme gradients, determinism, state round trips, and learnable Adam against Adam.

import Foundation
import XCTest
import MetaCore
import MetaOptimizers
import TestSupport
@testable import MetaLearned

/// Runs `steps` updates with losses 1/(t+1) and returns every update and the final parameters.
func runSteps<O: Optimizer>(_ optimizer: O, state: inout O.State, parameters: inout [Float], layout: ParameterLayout,
                            steps: Int, firstStep: Int = 0, gradient: (Int, [Float]) -> [Float]) -> [[Float]] {
    var all = [[Float]]()
    for s in firstStep..<(firstStep + steps) {
        var updates = gradient(s, parameters)
        optimizer.update(&updates, state: &state, parameters: parameters,
                         context: StepContext(step: s, loss: 1 / Float(s + 1), layout: layout))
        all.append(updates)
        for i in parameters.indices { parameters[i] += updates[i] }
    }
    return all
}

func runFresh<O: Optimizer>(_ optimizer: O, parameters: [Float], layout: ParameterLayout, steps: Int,
                            gradient: (Int, [Float]) -> [Float]) -> (updates: [[Float]], parameters: [Float]) {
    var state = optimizer.initialState(parameters: parameters, layout: layout)
    var p = parameters
    let u = runSteps(optimizer, state: &state, parameters: &p, layout: layout, steps: steps, gradient: gradient)
    return (u, p)
}

/// y = W3ᵀ relu(W2ᵀ relu(W1ᵀ x + b1) + b2) + b3 for one row, in Double.
func referenceMLP(_ x: [Double], _ w: [[Float]], _ b: [[Float]], widths: [Int]) -> [Double] {
    var a = x
    for layer in 0..<3 {
        let (fanIn, fanOut) = (widths[layer], widths[layer + 1])
        var y = (0..<fanOut).map { Double(b[layer][$0]) }
        for k in 0..<fanIn { for j in 0..<fanOut { y[j] += Double(w[layer][k * fanOut + j]) * a[k] } }
        a = layer < 2 ? y.map { max($0, 0) } : y
    }
    return a
}

final class LearnedOptimizerTests: XCTestCase {
    let mixedLayout = ParameterLayout([("w", [5, 7]), ("scalar", []), ("single", [1]), ("conv", [2, 3, 2, 2]), ("b", [5])])

    func testDerivedFeatureCounts() {
        let c = LSTMFFConfig()
        XCTAssertEqual(PerParameterFeatures.normalized(decays: c.decays.count).width, 23)
        XCTAssertEqual(c.mlpFeatures.width, 54)
        XCTAssertEqual(c.mlpOutputs.width, 18)
        XCTAssertEqual(c.lstmFeatures.width, 52)
        XCTAssertEqual(c.mlpFeatures.width(of: "time"), 11)
        XCTAssertEqual(c.lstmFeatures.range(of: "global_message"), 0..<18)
        XCTAssertEqual(PerParameterMLPConfig().mlpFeatures.width, 34)
        // The spec's order is the fused kernel's order.
        XCTAssertEqual(Array(c.mlpFeatures.groups.prefix(7).map(\.name)), PerParameterFeatures.normalizedGroupNames)
    }

    func testMetaParameterCounts() {
        // LSTM: input and recurrent weights and a bias for 4 gates of 64; heads 64→17 and 64→18;
        // MLP 54→32→32→18 with biases.
        let lstm = (52 + 64 + 1) * 4 * 64
        let heads = (64 + 1) * 17 + (64 + 1) * 18
        let mlp = (54 + 1) * 32 + (32 + 1) * 32 + (32 + 1) * 18
        let lstmFF = LSTMFFOptimizer()
        XCTAssertEqual(lstmFF.metaLayout.count, lstm + heads + mlp)
        XCTAssertEqual(lstmFF.metaLayout.count, 35_637)
        XCTAssertEqual(lstmFF.initialMetaParameters(key: RandomKey(seed: 1)).count, 35_637)
        XCTAssertEqual(PerParameterMLPOptimizer().metaLayout.count, (34 + 1) * 32 + (32 + 1) * 32 + (32 + 1) * 2)
        XCTAssertEqual(LearnableAdam().metaLayout.count, 4)
        var small = LSTMFFConfig()
        small.lstmHidden = 16
        small.mlpHidden = [8, 8]
        XCTAssertEqual(LSTMFFOptimizer(config: small).metaLayout.count,
                       (52 + 16 + 1) * 64 + 17 * 17 + 17 * 18 + 55 * 8 + 9 * 8 + 9 * 18)
    }

    /// The fused kernel against a Double reference. Tolerance: float sums of ≤ 54 products of O(1)
    /// terms, so rtol 1e-4 and atol 1e-4 leave a wide margin over rounding.
    func testFusedMLPMatchesReference() {
        var rng = RandomKey(seed: 7).generator()
        let rows = 1000  // not a multiple of the 32-row block
        let widths = [54, 32, 32, 18]
        let x = rng.normals(rows * widths[0])
        let w = (0..<3).map { rng.normals(widths[$0] * widths[$0 + 1], std: 1 / Float(widths[$0]).squareRoot()) }
        let b = (0..<3).map { rng.normals(widths[$0 + 1], std: 0.1) }
        let y = PerParameterMLP.forward(rows: rows, inputs: 54, x: x, hidden1: 32, hidden2: 32, outputs: 18,
                                        w1: w[0], b1: b[0], w2: w[1], b2: b[1], w3: w[2], b3: b[2])
        var expected = [Float](repeating: 0, count: rows * 18)
        for i in 0..<rows {
            let out = referenceMLP((0..<54).map { Double(x[$0 * rows + i]) }, w, b, widths: widths)
            for j in 0..<18 { expected[j * rows + i] = Float(out[j]) }
        }
        assertClose(y, expected, rtol: 1e-4, atol: 1e-4)
        // Many blocks over two threads: bit-identical to one thread.
        let big = 9000
        let xb = rng.normals(big * 54)
        let one = PerParameterMLP.forward(rows: big, inputs: 54, x: xb, hidden1: 32, hidden2: 32, outputs: 18,
                                          w1: w[0], b1: b[0], w2: w[1], b2: b[1], w3: w[2], b3: b[2], threads: 1)
        let two = PerParameterMLP.forward(rows: big, inputs: 54, x: xb, hidden1: 32, hidden2: 32, outputs: 18,
                                          w1: w[0], b1: b[0], w2: w[1], b2: b[1], w3: w[2], b3: b[2], threads: 2)
        XCTAssertEqual(one, two)
        // Odd widths exercise the kernel's remainder paths.
        let sw = [Array(w[0].prefix(55)), Array(w[1].prefix(33)), Array(w[2].prefix(3))]
        let sb = [Array(b[0].prefix(11)), Array(b[1].prefix(3)), [Float(0.5)]]
        let xs = Array(x.prefix(37 * 5))
        let y2 = PerParameterMLP.forward(rows: 37, inputs: 5, x: xs, hidden1: 11, hidden2: 3, outputs: 1,
                                         w1: sw[0], b1: sb[0], w2: sw[1], b2: sb[1], w3: sw[2], b3: sb[2])
        let ref2 = (0..<37).map { i in
            Float(referenceMLP((0..<5).map { Double(xs[$0 * 37 + i]) }, sw, sb, widths: [5, 11, 3, 1])[0])
        }
        assertClose(y2, ref2, rtol: 1e-4, atol: 1e-4)
    }

    /// The per-parameter MLP optimizer's first step against a plain Swift reference of the features,
    /// normalization, clipping, MLP and step form (tolerance: float features and the kernels' log/exp
    /// polynomials, ~1e-6 relative, through the MLP: rtol 1e-3).
    func testFirstStepMatchesReference() {
        let config = PerParameterMLPConfig()
        let learned = PerParameterMLPOptimizer(config: config)
        var θ = learned.initialMetaParameters(key: RandomKey(seed: 3))
        let metaLayout = learned.metaLayout
        // A large magnitude output makes exp(0.001·a) matter.
        for i in metaLayout["mlp/b3"]!.range { θ[i] = 400 }
        let layout = ParameterLayout([("a", [70]), ("b", [3, 5])])
        var rng = RandomKey(seed: 4).generator()
        let p = rng.normals(layout.count)
        var g = rng.normals(layout.count, std: 3)
        g[5] = 50  // clipped to the first threshold, 10
        let inner = PerParameterMLPInnerOptimizer(config: config, metaParameters: θ)
        var state = inner.initialState(parameters: p, layout: layout)
        state.step = 7  // non-zero time features, folded into the first bias; the clip is still the first (10)
        var updates = g
        inner.update(&updates, state: &state, parameters: p, context: StepContext(step: 7, layout: layout))

        let w = ["w1", "w2", "w3"].map { Array(θ[metaLayout["mlp/\($0)"]!.range]) }
        let b = ["b1", "b2", "b3"].map { Array(θ[metaLayout["mlp/\($0)"]!.range]) }
        var expected = [Float](repeating: 0, count: layout.count)
        for t in layout.tensors {
            var rows = [[Double]]()
            for i in t.range {
                let gi = Double(min(max(g[i], -10), 10))
                let pi = Double(p[i])
                let m = config.decays.map { (1 - Double($0)) * gi }
                let v = config.decays.map { (1 - Double($0)) * gi * gi }
                let r = v.map { 1 / ($0 + 1e-6).squareRoot() }
                rows.append([gi, pi, Foundation.log(abs(pi) + 1e-8)] + m + v + zip(m, r).map { $0 * $1 } + r)
            }
            let norms = (0..<23).map { k in (1e-5 + rows.map { $0[k] * $0[k] }.reduce(0, +) / Double(rows.count)).squareRoot() }
            for (row, i) in zip(rows, t.range) {
                let features = (0..<23).map { min(max(row[$0] / norms[$0], -5), 5) } + config.timeScales.map { Foundation.sin(7 / ($0 * .pi)) }
                let out = referenceMLP(features, w, b, widths: [34, 32, 32, 2])
                expected[i] = Float(-out[0] * Foundation.exp(0.001 * out[1]) * 0.001)
            }
        }
        assertClose(updates, expected, rtol: 1e-3, atol: 1e-7)
        XCTAssertEqual(state.step, 8)
    }

    /// LSTM_FF's first step against an independent Double implementation of docs/architecture.md §2 (LSTM inputs,
    /// LSTM cell, heads, MLP inputs, step, fed-back extras and message). Tolerance: the kernels work
    /// in float with polynomial log/exp (~1e-6 relative) and the constant inputs are folded into the
    /// first bias in another order: rtol 1e-3 on steps of ~1e-3.
    func testLSTMFFFirstStepMatchesReference() {
        let config = LSTMFFConfig()
        let learned = LSTMFFOptimizer(config: config)
        let θ = learned.initialMetaParameters(key: RandomKey(seed: 21))
        let ml = learned.metaLayout
        func t(_ name: String) -> [Float] { Array(θ[ml[name]!.range]) }
        let layout = ParameterLayout([("w", [4, 6]), ("s", []), ("b", [6])])
        var rng = RandomKey(seed: 22).generator()
        let p = rng.normals(layout.count)
        var g = rng.normals(layout.count, std: 4)
        g[3] = .nan
        let inner = LSTMFFInnerOptimizer(config: config, metaParameters: θ)
        var state = inner.initialState(parameters: p, layout: layout)
        var updates = g
        inner.update(&updates, state: &state, parameters: p, context: StepContext(step: 0, loss: 2, layout: layout))

        let decays = config.decays.map(Double.init), nd = decays.count
        let h = config.lstmHidden
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        func logClip(_ x: Double) -> Double { min(max(Foundation.log(x + 1e-8), -20), 20) }
        func moments(_ xs: [Double]) -> [Double] {
            let mean = xs.reduce(0, +) / Double(xs.count)
            let variance = max(0, xs.map { $0 * $0 }.reduce(0, +) / Double(xs.count) - mean * mean)
            return [logClip(abs(mean)), mean > 0 ? 1 : (mean < 0 ? -1 : 0), logClip(variance)]
        }
        var expected = [Float](repeating: 0, count: layout.count)
        var message = [Double](repeating: 0, count: 18)
        var extras = [Float]()
        for tensor in layout.tensors {
            let gs = tensor.range.map { g[$0].isNaN ? 0 : Double(min(max(g[$0], -10), 10)) }
            let ps = tensor.range.map { Double(p[$0]) }
            let ms = gs.map { gi in decays.map { (1 - $0) * gi } }
            let vs = gs.map { gi in decays.map { (1 - $0) * gi * gi } }
            let gNorm = gs.map { $0 * $0 }.reduce(0, +).squareRoot()
            let pNorm = ps.map { $0 * $0 }.reduce(0, +).squareRoot()
            var shape = tensor.shape.map(Double.init)
            shape = [Double](repeating: 1, count: 4 - shape.count) + shape
            let x: [Double] = [Double](repeating: 0, count: 34) + [logClip(gNorm), tensor.shape.isEmpty ? 1 : 0]
                + moments(ms.flatMap { $0 }) + moments(vs.flatMap { $0 }) + moments(ps) + [logClip(pNorm)]
                + shape.map { Foundation.log($0) - 1 } + [0, 0]
            XCTAssertEqual(x.count, 52)
            let (wx, bias) = (t("lstm/w_input"), t("lstm/bias"))
            var z = bias.map(Double.init)
            for k in 0..<52 { for j in 0..<(4 * h) { z[j] += Double(wx[k * 4 * h + j]) * x[k] } }
            let cell = (0..<h).map { sigmoid(z[$0]) * Foundation.tanh(z[2 * h + $0]) }
            let hidden = (0..<h).map { sigmoid(z[3 * h + $0]) * Foundation.tanh(cell[$0]) }
            func head(_ w: [Float], _ b: [Float]) -> [Double] {
                (0..<b.count).map { j in Double(b[j]) + (0..<h).map { Double(w[$0 * b.count + j]) * hidden[$0] }.reduce(0, +) }
            }
            let toMLP = head(t("lstm/to_mlp/w"), t("lstm/to_mlp/b"))
            for (k, value) in head(t("lstm/message/w"), t("lstm/message/b")).enumerated() { message[k] += value / 3 }
            var rows = [[Double]]()
            for i in 0..<tensor.count {
                let r = vs[i].map { 1 / ($0 + 1e-6).squareRoot() }
                rows.append([gs[i], ps[i], Foundation.log(abs(ps[i]) + 1e-8)] + ms[i] + vs[i] + zip(ms[i], r).map { $0 * $1 } + r)
            }
            let norms = (0..<(3 + 4 * nd)).map { k in (1e-5 + rows.map { $0[k] * $0[k] }.reduce(0, +) / Double(rows.count)).squareRoot() }
            let constants = [Double](repeating: 0, count: 11) + [Foundation.log(3) - 1, Foundation.log(pNorm + 1e-8), Foundation.log(Double(tensor.count))] + toMLP
            var extraSums = [Double](repeating: 0, count: 16)
            for (i, row) in rows.enumerated() {
                let features = row.indices.map { min(max(row[$0] / norms[$0], -5), 5) } + constants
                let out = referenceMLP(features, [t("mlp/w1"), t("mlp/w2"), t("mlp/w3")], [t("mlp/b1"), t("mlp/b2"), t("mlp/b3")],
                                       widths: [54, 32, 32, 18])
                expected[tensor.offset + i] = Float(-out[0] * Foundation.exp(0.001 * out[1]) * 0.001)
                for k in 0..<16 { extraSums[k] += out[2 + k] }
            }
            extras += extraSums.map { Float($0 / Double(tensor.count)) }
        }
        assertClose(updates, expected, rtol: 1e-3, atol: 1e-7)
        assertClose(state.globalMessage, message.map(Float.init), rtol: 1e-4, atol: 1e-5)
        assertClose(state.meanExtraOutputs, extras, rtol: 1e-4, atol: 1e-5)
        XCTAssertEqual(state.losses.count, 1)
    }

    func testExtremeGradientsStayFinite() {
        for learned in [LSTMFFOptimizer(), PerParameterMLPOptimizer()] as [any LearnedOptimizer] {
            let optimizer = learned.optimizer(metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 5)))
            var rng = RandomKey(seed: 6).generator()
            let p0 = rng.normals(mixedLayout.count)
            let count = mixedLayout.count
            let specials: [Float] = [0, 1e-20, -1e-20, 1e20, -1e20, .nan, .infinity, -.infinity, 3e38]
            let (updates, p) = runFresh(optimizer, parameters: p0, layout: mixedLayout, steps: 6) { s, _ in
                (0..<count).map { specials[($0 + s) % specials.count] }
            }
            for u in updates { XCTAssertTrue(u.allSatisfy(\.isFinite), "\(learned.architecture.name): non-finite update") }
            XCTAssertTrue(p.allSatisfy(\.isFinite), "\(learned.architecture.name): non-finite parameters")
            // All-zero and all-NaN gradients.
            for fill in [Float(0), .nan] {
                let (u2, p2) = runFresh(optimizer, parameters: p0, layout: mixedLayout, steps: 3) { _, _ in
                    [Float](repeating: fill, count: count)
                }
                XCTAssertTrue(u2.joined().allSatisfy(\.isFinite) && p2.allSatisfy(\.isFinite), "\(learned.architecture.name) with \(fill)")
            }
        }
    }

    func testScalarAndSingleElementTensors() {
        let learned = LSTMFFOptimizer()
        let optimizer = learned.optimizer(metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 8)))
        for layout in [ParameterLayout([("s", [])]), ParameterLayout([("one", [1])]), ParameterLayout([("s", []), ("one", [1, 1])])] {
            let (updates, p) = runFresh(optimizer, parameters: [Float](repeating: 0.5, count: layout.count), layout: layout,
                                        steps: 4) { s, p in p.map { 2 * $0 + Float(s) * 0.1 } }
            XCTAssertTrue(updates.joined().allSatisfy(\.isFinite) && p.allSatisfy(\.isFinite))
            XCTAssertTrue(updates.joined().contains { $0 != 0 }, "the LO should move scalar parameters")
        }
    }

    /// Widths that are not multiples of the kernel's 8-output tiles, and fewer decays.
    func testSmallConfigurationRuns() {
        var config = LSTMFFConfig()
        config.decays = [0.9, 0.99]
        config.lstmHidden = 8
        config.mlpHidden = [12, 5]
        config.extraOutputs = 3
        config.lstmToMLP = 4
        config.globalMessage = 2
        XCTAssertEqual(config.mlpFeatures.width, 11 + 11 + 3 + 4)
        XCTAssertEqual(config.lstmFeatures.width, 2 + 3 + 1 + 1 + 9 + 1 + 4 + 2)
        let learned = LSTMFFOptimizer(config: config)
        let θ = learned.initialMetaParameters(key: RandomKey(seed: 17))
        var rng = RandomKey(seed: 18).generator()
        let p0 = rng.normals(mixedLayout.count)
        let count = mixedLayout.count
        let grads = (0..<4).map { _ in rng.normals(count) }
        let a = runFresh(learned.optimizer(metaParameters: θ), parameters: p0, layout: mixedLayout, steps: 4) { s, _ in grads[s] }
        let b = runFresh(learned.optimizer(metaParameters: θ), parameters: p0, layout: mixedLayout, steps: 4) { s, _ in grads[s] }
        XCTAssertEqual(a.updates, b.updates)
        XCTAssertTrue(a.updates.joined().allSatisfy(\.isFinite) && a.updates.joined().contains { $0 != 0 })
    }

    func testDeterministicAcrossRunsAndThreads() {
        // > 4096 elements in a tensor: several chunks, so two threads really split the work.
        let layout = ParameterLayout([("w", [100, 90]), ("b", [90]), ("s", [])])
        var rng = RandomKey(seed: 9).generator()
        let p0 = rng.normals(layout.count, std: 0.3)
        let gradients = (0..<4).map { _ in rng.normals(layout.count) }
        for threads in [1, 2] {
            let learned = LSTMFFOptimizer(threads: threads)
            let θ = learned.initialMetaParameters(key: RandomKey(seed: 10))
            XCTAssertEqual(θ, learned.initialMetaParameters(key: RandomKey(seed: 10)))
            let a = runFresh(learned.optimizer(metaParameters: θ), parameters: p0, layout: layout, steps: 4) { s, _ in gradients[s] }
            let b = runFresh(LSTMFFOptimizer(threads: 1).optimizer(metaParameters: θ), parameters: p0, layout: layout, steps: 4) { s, _ in gradients[s] }
            XCTAssertEqual(a.updates, b.updates, "threads \(threads)")
        }
    }

    func testGuardedLossBiasCorrection() {
        var stats = LossStatistics()
        let first = stats.features(loss: 3.5, validationLoss: 4, decay: 0.9, validationDecay: 0.95, clip: 5)
        XCTAssertEqual(first.training, 0)
        XCTAssertEqual(first.validation, 0)
        XCTAssertEqual(stats.count, 1)
        let second = stats.features(loss: 2.5, validationLoss: 4, decay: 0.9, validationDecay: 0.95, clip: 5)
        XCTAssertTrue(second.training.isFinite && second.validation.isFinite)
        XCTAssertEqual(second.training, -5, "a drop from a single-sample mean with zero variance saturates the clip")
        XCTAssertEqual(second.validation, 5, "validation above the training mean: overfitting shows as +")
        // Bias-corrected statistics of three losses, by hand.
        _ = stats.features(loss: 3, validationLoss: 3, decay: 0.9, validationDecay: 0.95, clip: 5)
        let (w1, w2, w3) = (0.1 * 0.81, 0.1 * 0.9, 0.1)
        let c = 1 - 0.729
        let mean = (w1 * 3.5 + w2 * 2.5 + w3 * 3) / c
        let variance = (w1 * 3.5 * 3.5 + w2 * 2.5 * 2.5 + w3 * 9) / c - mean * mean
        let fourth = stats.features(loss: 3.2, validationLoss: 3.2, decay: 0.9, validationDecay: 0.95, clip: 5)
        XCTAssertEqual(Double(fourth.training), (3.2 - mean) / (variance + 1e-8).squareRoot(), accuracy: 1e-5)
        // Through the optimizer: the first step with a loss leaves finite LSTM state.
        let learned = LSTMFFOptimizer()
        let layout = ParameterLayout([("w", [3])])
        let inner = LSTMFFInnerOptimizer(config: learned.config, metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 11)))
        var state = inner.initialState(parameters: [1, 2, 3], layout: layout)
        var u: [Float] = [0.1, 0.2, 0.3]
        inner.update(&u, state: &state, parameters: [1, 2, 3],
                     context: StepContext(step: 0, loss: 1e6, validationLoss: 2e6, layout: layout))
        XCTAssertTrue(state.lstmHidden.allSatisfy(\.isFinite) && state.globalMessage.allSatisfy(\.isFinite) && u.allSatisfy(\.isFinite))
        XCTAssertEqual(state.losses.count, 1)
    }

    /// `validationLossInput`: off, the validation feature is the training loss whatever the caller
    /// passes (checkpoints trained before it behave as they did); on, a measured validation loss
    /// changes the update. Encoded only when on.
    func testValidationLossInputIsReadOnlyWhenOn() throws {
        let layout = ParameterLayout([("w", [4, 3]), ("b", [3])])
        var rng = RandomKey(seed: 21).generator()
        let p0 = rng.normals(layout.count, std: 0.5)
        let gradients = (0..<3).map { _ in rng.normals(layout.count) }
        func updates(_ config: LSTMFFConfig, validation: Float?) -> [Float] {
            let inner = LSTMFFInnerOptimizer(config: config, metaParameters: LSTMFFOptimizer(config: config).initialMetaParameters(key: RandomKey(seed: 22)))
            var state = inner.initialState(parameters: p0, layout: layout)
            var p = p0, u: [Float] = []
            for (s, g) in gradients.enumerated() {
                u = g
                let loss = 2 - 0.3 * Float(s)
                inner.update(&u, state: &state, parameters: p, context: StepContext(
                    step: s, loss: loss, validationLoss: s == 0 ? nil : validation.map { $0 * loss }, layout: layout))
                for i in p.indices { p[i] += u[i] }
            }
            return u
        }
        let off = LSTMFFConfig()
        var on = LSTMFFConfig()
        on.validationLossInput = true
        XCTAssertFalse(LSTMFFInnerOptimizer(config: off, metaParameters: LSTMFFOptimizer(config: off).initialMetaParameters(key: RandomKey(seed: 1))).usesValidationLoss)
        XCTAssertTrue(LSTMFFInnerOptimizer(config: on, metaParameters: LSTMFFOptimizer(config: on).initialMetaParameters(key: RandomKey(seed: 1))).usesValidationLoss)
        XCTAssertTrue(chain(LSTMFFOptimizer(config: on).optimizer(metaParameters: LSTMFFOptimizer(config: on).initialMetaParameters(key: RandomKey(seed: 1))), Scale(0.5)).usesValidationLoss)
        // Off: whatever validation loss is passed, the same updates.
        let reference = updates(off, validation: nil)
        XCTAssertEqual(updates(off, validation: 3), reference)
        // On: equal to the training loss it is the fallback; a higher one changes the step.
        XCTAssertEqual(updates(on, validation: 1), reference)
        XCTAssertEqual(updates(on, validation: nil), reference)
        let overfitting = updates(on, validation: 3)
        XCTAssertNotEqual(overfitting, reference)
        XCTAssertTrue(overfitting.allSatisfy(\.isFinite))
        XCTAssertEqual(updates(on, validation: .nan), reference, "a non-finite validation loss falls back to the training loss")

        let encodedOff = String(decoding: try JSONEncoder().encode(off), as: UTF8.self)
        XCTAssertFalse(encodedOff.contains("validationLossInput"), encodedOff)
        let encodedOn = try JSONEncoder().encode(on)
        XCTAssertEqual(try JSONDecoder().decode(LSTMFFConfig.self, from: encodedOn), on)
        XCTAssertEqual(try JSONDecoder().decode(LSTMFFConfig.self, from: try JSONEncoder().encode(off)), off)
    }

    func testUpdateIsSmallAtInitialization() {
        var rng = RandomKey(seed: 12).generator()
        let p0 = rng.normals(mixedLayout.count, std: 0.5)
        let count = mixedLayout.count
        let grads = (0..<5).map { _ in rng.normals(count) }
        for learned in [LSTMFFOptimizer(), PerParameterMLPOptimizer()] as [any LearnedOptimizer] {
            let optimizer = learned.optimizer(metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 13)))
            let (updates, _) = runFresh(optimizer, parameters: p0, layout: mixedLayout, steps: 5) { s, _ in grads[s] }
            let magnitudes = updates.joined().map { abs($0) }
            let mean = magnitudes.reduce(0, +) / Float(magnitudes.count)
            print("\(learned.architecture.name) at init: mean |Δp| \(mean), max \(magnitudes.max()!)")
            XCTAssertLessThan(magnitudes.max()!, 2e-2, learned.architecture.name)
            XCTAssertGreaterThan(mean, 1e-5, learned.architecture.name)
            XCTAssertLessThan(mean, 5e-3, learned.architecture.name)
        }
    }

    func testLearnableAdamReproducesAdam() throws {
        let learned = LearnableAdam(config: LearnableAdamConfig(learningRate: 3e-3))
        let θ = learned.initialMetaParameters(key: RandomKey(seed: 0))
        let h = LearnableAdam.hyperparameters(θ)
        assertClose([h.learningRate, h.beta1, h.beta2, h.epsilon], [3e-3, 0.9, 0.999, 1e-8], rtol: 1e-6, atol: 0)
        var rng = RandomKey(seed: 14).generator()
        let p0 = rng.normals(mixedLayout.count)
        let count = mixedLayout.count
        let grads = (0..<6).map { _ in rng.normals(count) }
        let ours = runFresh(learned.optimizer(metaParameters: θ), parameters: p0, layout: mixedLayout, steps: 6) { s, _ in grads[s] }
        let adam = runFresh(try OptimizerCatalogue.handDesigned.make("adam:lr=0.003"), parameters: p0, layout: mixedLayout, steps: 6) { s, _ in grads[s] }
        // β round-trips through logit/sigmoid to within an ulp: updates agree to ~1e-6 relative.
        for (a, b) in zip(ours.updates, adam.updates) { assertClose(a, b, rtol: 1e-5, atol: 1e-9) }
        // Moving θ changes the optimizer: a broken comparison would fail here.
        var θ2 = θ
        θ2[0] += 1
        let other = runFresh(learned.optimizer(metaParameters: θ2), parameters: p0, layout: mixedLayout, steps: 1) { s, _ in grads[s] }
        XCTAssertNotEqual(other.updates[0], adam.updates[0])
    }

    func testStateRoundTripsThroughJSON() throws {
        let learned = LSTMFFOptimizer()
        let inner = LSTMFFInnerOptimizer(config: learned.config, metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 15)))
        var rng = RandomKey(seed: 16).generator()
        var p = rng.normals(mixedLayout.count)
        let count = mixedLayout.count
        let grads = (0..<6).map { _ in rng.normals(count) }
        var state = inner.initialState(parameters: p, layout: mixedLayout)
        _ = runSteps(inner, state: &state, parameters: &p, layout: mixedLayout, steps: 3) { s, _ in grads[s] }
        let data = try JSONEncoder().encode(state)
        var decoded = try JSONDecoder().decode(LSTMFFState.self, from: data)
        XCTAssertEqual(decoded, state)
        var p2 = p
        let a = runSteps(inner, state: &state, parameters: &p, layout: mixedLayout, steps: 3, firstStep: 3) { s, _ in grads[s] }
        let b = runSteps(inner, state: &decoded, parameters: &p2, layout: mixedLayout, steps: 3, firstStep: 3) { s, _ in grads[s] }
        XCTAssertEqual(a, b)
        XCTAssertEqual(state, decoded)
    }

    func testArchitectureRoundTripsAndBuilds() throws {
        XCTAssertEqual(LearnedOptimizerArchitecture.defaults.map(\.name), ["lstm_ff", "perparam_mlp", "learnable_adam"])
        for architecture in LearnedOptimizerArchitecture.defaults {
            let data = try JSONEncoder().encode(architecture)
            XCTAssertEqual(try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: data), architecture)
            let learned = architecture.make()
            XCTAssertEqual(learned.architecture, architecture)
            XCTAssertEqual(learned.initialMetaParameters(key: RandomKey(seed: 1)).count, learned.metaLayout.count)
            XCTAssertEqual(try LearnedOptimizerArchitecture.named(architecture.name), architecture)
        }
        // A config file names only what it changes.
        let json = #"{"name": "lstm_ff", "config": {"lstmHidden": 16, "mlpHidden": [8, 8]}}"#
        let decoded = try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: Data(json.utf8))
        var expected = LSTMFFConfig()
        expected.lstmHidden = 16
        expected.mlpHidden = [8, 8]
        XCTAssertEqual(decoded, .lstmFF(expected))
        XCTAssertEqual(try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: Data(#"{"name": "learnable_adam"}"#.utf8)),
                       .learnableAdam)
        XCTAssertThrowsError(try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: Data(#"{"name": "lstm"}"#.utf8)))
        XCTAssertThrowsError(try LearnedOptimizerArchitecture.named("adam"))
    }

    /// `weightInit: haiku` draws like haiku's hk.Linear / hk.LSTM (learned_optimization's RNNMLPLOpt):
    /// truncated to ±2/√fan-in, standard deviation ≈ 0.88/√fan-in, the LSTM's fan-in = inputs + hidden.
    /// It is written to a config only when chosen, so earlier configs encode byte for byte as before.
    func testHaikuWeightInit() throws {
        var config = LSTMFFConfig()
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("weightInit"))
        config.weightInit = .haiku
        let data = try JSONEncoder().encode(config)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""weightInit":"haiku""#))
        XCTAssertEqual(try JSONDecoder().decode(LSTMFFConfig.self, from: data), config)
        XCTAssertThrowsError(try JSONDecoder().decode(LSTMFFConfig.self, from: Data(#"{"weightInit": "glorot"}"#.utf8)))

        let learned = LSTMFFOptimizer(config: config)
        let layout = learned.metaLayout
        let θ = learned.initialMetaParameters(key: RandomKey(seed: 7))
        let scaled = LSTMFFOptimizer().initialMetaParameters(key: RandomKey(seed: 7))
        let lstmFanIn = Float(config.lstmFeatures.width + config.lstmHidden)
        for (name, fanIn) in [("lstm/w_input", lstmFanIn), ("lstm/w_hidden", lstmFanIn), ("mlp/w1", Float(config.mlpFeatures.width))] {
            let t = layout[name]!
            let w = Array(θ[t.range]), bound = 2 / fanIn.squareRoot()
            XCTAssertTrue(w.allSatisfy { abs($0) <= bound }, name)
            let std = (w.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot() * fanIn.squareRoot()
            XCTAssertEqual(std, 0.88, accuracy: 0.05, name)
        }
        // Biases as in the default: 0, the forget gate +1.
        let bias = layout["lstm/bias"]!
        XCTAssertEqual(Array(θ[bias.range]), Array(scaled[bias.range]))
    }

    /// With θ set by hand so that d = 100·(normalized gradient feature) and a = 0, the LO is a
    /// normalized-gradient descent: it must lower a quadratic.
    func testHandSetThetaDescendsQuadratic() {
        let learned = PerParameterMLPOptimizer()
        let layout = learned.metaLayout
        var θ = [Float](repeating: 0, count: layout.count)
        // Hidden unit 0 = relu(g̃), unit 1 = relu(−g̃); layer 2 copies them; d = 100·(h0 − h1).
        let w1 = layout["mlp/w1"]!, w2 = layout["mlp/w2"]!, w3 = layout["mlp/w3"]!
        θ[w1.offset + 0] = 1; θ[w1.offset + 1] = -1
        θ[w2.offset + 0] = 1; θ[w2.offset + 32 + 1] = 1
        θ[w3.offset + 0] = 100; θ[w3.offset + 2] = -100
        let quadratic = ParameterLayout([("x", [10])])
        let scales: [Float] = (0..<10).map { Float($0 + 1) }
        func loss(_ p: [Float]) -> Float { zip(scales, p).map { 0.5 * $0 * $1 * $1 }.reduce(0, +) }
        let p0 = [Float](repeating: 1, count: 10)
        let (_, p) = runFresh(learned.optimizer(metaParameters: θ), parameters: p0, layout: quadratic, steps: 50) { _, p in
            zip(scales, p).map { $0 * $1 }
        }
        XCTAssertLessThan(loss(p), 0.5 * loss(p0))
    }
}
