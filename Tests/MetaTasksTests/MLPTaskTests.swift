// MLP task, activations, initializers and softmax cross-entropy, checked against outside references:
// Double-precision formulas written here, central finite differences in Double, hand-computed values.

import XCTest
import MetaCore
import MetaTasks
import TestSupport

// MARK: - Double references

/// The activations in Double, written from their definitions (gelu: the tanh approximation, as
/// x·sigmoid(2u) = 0.5·x·(1 + tanh u), which does not cancel for negative x).
private func reference(_ a: Activation, _ x: Double) -> Double {
    switch a {
    case .relu: return max(x, 0)
    case .tanh: return Foundation.tanh(x)
    case .gelu: return x / (1 + Foundation.exp(-2 * geluArgument(x)))
    case .silu: return x / (1 + Foundation.exp(-x))
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .leakyRelu: return x >= 0 ? x : 0.01 * x
    case .sin: return Foundation.sin(x)
    }
}

private func geluArgument(_ x: Double) -> Double { (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x) }

/// Derivatives in Double, in forms without cancellation: σ(1−σ) = e/(1+e)² with e = exp(−y).
private func referenceDerivative(_ a: Activation, _ x: Double) -> Double {
    func sigmoidSlope(_ y: Double) -> Double {
        let e = Foundation.exp(-abs(y))
        return e / ((1 + e) * (1 + e))
    }
    switch a {
    case .relu: return x > 0 ? 1 : 0
    case .tanh: return 4 * sigmoidSlope(2 * x)
    case .gelu:
        let u = geluArgument(x)
        let du = (2 / Double.pi).squareRoot() * (1 + 3 * 0.044715 * x * x)
        return 1 / (1 + Foundation.exp(-2 * u)) + 2 * x * sigmoidSlope(2 * u) * du
    case .silu: return 1 / (1 + Foundation.exp(-x)) + x * sigmoidSlope(x)
    case .sigmoid: return sigmoidSlope(x)
    case .leakyRelu: return x >= 0 ? 1 : 0.01
    case .sin: return Foundation.cos(x)
    }
}

/// Mean softmax cross-entropy of `rows` rows in Double (log-sum-exp with the max subtracted).
private func referenceCrossEntropy(_ logits: [Double], labels: [Int], classes: Int) -> Double {
    var total = 0.0
    for r in 0..<labels.count {
        let row = logits[(r * classes)..<((r + 1) * classes)]
        let m = row.max()!
        total += m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }) - row[row.startIndex + labels[r]]
    }
    return total / Double(labels.count)
}

/// The MLP's mean loss in Double: widths[0] → … → widths.last, layout `layer{l}/w`, `layer{l}/b`.
private func referenceMLPLoss(
    _ p: [Double], widths: [Int], activation: Activation, inputs: [Float], labels: [Int]
) -> Double {
    var x = inputs.map(Double.init)
    let rows = labels.count
    var offset = 0
    for l in 0..<(widths.count - 1) {
        let (fi, fo) = (widths[l], widths[l + 1])
        let w = offset, b = offset + fi * fo
        offset = b + fo
        var z = [Double](repeating: 0, count: rows * fo)
        for r in 0..<rows {
            for j in 0..<fo {
                var s = p[b + j]
                for i in 0..<fi { s += x[r * fi + i] * p[w + j * fi + i] }
                z[r * fo + j] = l == widths.count - 2 ? s : reference(activation, s)
            }
        }
        x = z
    }
    return referenceCrossEntropy(x, labels: labels, classes: widths.last!)
}

/// Worst |a − b| / (atol + rtol·|b|) over the elements; ≤ 1 means close.
private func worstExcess(_ a: [Double], _ b: [Double], rtol: Double, atol: Double) -> Double {
    zip(a, b).map { abs($0 - $1) / (atol + rtol * abs($1)) }.max() ?? 0
}

// MARK: - Data

/// Gaussian clusters in `dimension` dimensions, one per class, centers ~ N(0, 3²·I).
private func blobs(classes: Int, dimension: Int, count: Int, spread: Float, seed: UInt64) -> DatasetSplits {
    var rng = RandomKey(seed: seed).generator()
    let centers = rng.normals(classes * dimension, std: 3)
    func split(_ n: Int) -> LabeledData {
        var inputs = [Float]()
        var labels = [Int32]()
        for _ in 0..<n {
            let c = rng.int(below: classes)
            labels.append(Int32(c))
            for d in 0..<dimension { inputs.append(centers[c * dimension + d] + spread * rng.normalFloat()) }
        }
        return LabeledData(inputs: inputs, labels: labels, featureShape: [dimension])
    }
    return DatasetSplits(train: split(count), validation: split(count / 2), test: split(count / 2), classes: classes)
}

private func makeTask(
    hidden: [Int], activation: Activation = .relu, initializer: Initializer = .he, scale: Float = 1,
    batchSize: Int = 8, data: DatasetSplits
) -> MLPTask {
    let config = MLPConfig(
        hidden: hidden, activation: activation, initializer: initializer, initScale: scale,
        batchSize: batchSize, dataset: .blobs(BlobsConfig()))
    return MLPTask(config: config, data: data)
}

/// The task's minibatch for `key`: `batchSize` indices drawn with `int(below:)` from the key's generator.
private func batch(_ key: RandomKey, count: Int, batchSize: Int) -> [Int] {
    var rng = key.generator()
    return (0..<batchSize).map { _ in rng.int(below: count) }
}

final class MLPTaskTests: XCTestCase {
    /// Inputs over the range activations see, plus tiny and large magnitudes.
    private let probeInputs: [Float] = {
        var xs = stride(from: Float(-12), through: 12, by: 0.0371).map { $0 }
        for m: Float in [1e-7, 1e-5, 1e-3, 0.1, 0.5, 0.624, 0.626, 15, 20, 30, 50, 87, 88, 89, 100, 1e3, 1e4] {
            xs += [m, -m]
        }
        return xs + [0]
    }()

    // MARK: activations

    func testScalarDerivativesMatchFiniteDifferences() {
        for a in Activation.allCases {
            for x in stride(from: -6.0, through: 6.0, by: 0.173) where abs(x) > 1e-3 {
                let h = 1e-5
                let fd = (reference(a, x + h) - reference(a, x - h)) / (2 * h)
                let d = Double(a.derivative(Float(x)))
                XCTAssertEqual(d, fd, accuracy: 2e-6 + 1e-5 * abs(fd), "\(a) derivative at \(x)")
                let v = Double(a.apply(Float(x)))
                XCTAssertEqual(v, reference(a, Double(Float(x))), accuracy: 1e-6 + 1e-6 * abs(v), "\(a) value at \(x)")
            }
        }
        // conventions at the kinks
        XCTAssertEqual(Activation.relu.derivative(0), 0)
        XCTAssertEqual(Activation.leakyRelu.derivative(0), 1)
        XCTAssertEqual(Activation.leakyRelu.derivative(-1), Activation.leakySlope)
    }

    func testKernelsMatchScalarActivations() {
        let xs = probeInputs
        let n = xs.count
        for a in Activation.allCases {
            var y = [Float](repeating: 0, count: n)
            var dx = [Float](repeating: 0, count: n)
            let ones = [Float](repeating: 1, count: n)
            xs.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { a.forward(x.baseAddress!, $0.baseAddress!, count: n) }
                ones.withUnsafeBufferPointer { dy in
                    dx.withUnsafeMutableBufferPointer { a.backward(pre: x.baseAddress!, dy.baseAddress!, $0.baseAddress!, count: n) }
                }
            }
            // against the scalar Float code: a few ulp, plus the scalar code's own rounding where it
            // cancels (1 − tanh², 1 + tanh(u) for negative gelu inputs) near zero
            for i in 0..<n where a != .sin || abs(xs[i]) <= 1e3 {
                let atol: Float = a == .sin ? 2e-6 : a == .gelu ? 1e-6 : 3e-7
                assertClose(y[i], a.apply(xs[i]), rtol: 4e-6, atol: atol, "\(a) forward at \(xs[i])")
                assertClose(dx[i], a.derivative(xs[i]), rtol: 4e-6, atol: atol, "\(a) backward at \(xs[i])")
            }
            // against Double: a few ulp relative (sin: for |x| ≤ 1e4) times the condition number of
            // exp(y) in its float argument y (1 + |y|: rounding y costs |y|·ε relative), except in the
            // far tails where exp is clamped at e^±87 by design and results are below 1e-30
            for i in 0..<n where abs(xs[i]) <= (a == .sin ? 1e4 : 80) {
                let x = Double(xs[i])
                let (r, dr) = (reference(a, x), referenceDerivative(a, x))
                let expArgument: Double
                switch a {
                case .tanh: expArgument = 2 * abs(x)
                case .gelu: expArgument = 2 * abs(geluArgument(x))
                case .silu, .sigmoid: expArgument = abs(x)
                default: expArgument = 0
                }
                let rtol = 1e-6 * (1 + expArgument)
                XCTAssertEqual(Double(y[i]), r, accuracy: 1e-30 + rtol * abs(r), "\(a) at \(xs[i])")
                // silu′ and gelu′ are sums of O(1) terms that cancel near their roots (x ≈ −1.28,
                // x ≈ −0.75): there only an absolute error of a few float ulp of 1 is achievable
                XCTAssertEqual(Double(dx[i]), dr, accuracy: 5e-8 + rtol * abs(dr), "\(a)′ at \(xs[i])")
            }
        }
    }

    func testKernelsWorkInPlaceAndPropagateNaN() {
        for a in Activation.allCases {
            var buf = probeInputs
            let n = buf.count
            var copy = [Float](repeating: 0, count: n)
            probeInputs.withUnsafeBufferPointer { x in
                copy.withUnsafeMutableBufferPointer { a.forward(x.baseAddress!, $0.baseAddress!, count: n) }
            }
            buf.withUnsafeMutableBufferPointer { a.forward($0.baseAddress!, $0.baseAddress!, count: n) }
            XCTAssertEqual(buf, copy, "\(a) in place")

            var dy = (0..<n).map { Float($0 % 7) - 3 }
            var out = [Float](repeating: 0, count: n)
            probeInputs.withUnsafeBufferPointer { x in
                dy.withUnsafeBufferPointer { d in
                    out.withUnsafeMutableBufferPointer { a.backward(pre: x.baseAddress!, d.baseAddress!, $0.baseAddress!, count: n) }
                }
                dy.withUnsafeMutableBufferPointer { a.backward(pre: x.baseAddress!, $0.baseAddress!, $0.baseAddress!, count: n) }
            }
            XCTAssertEqual(dy, out, "\(a) backward in place")

            let nan: [Float] = [.nan]
            var r: [Float] = [0]
            nan.withUnsafeBufferPointer { x in r.withUnsafeMutableBufferPointer { a.forward(x.baseAddress!, $0.baseAddress!, count: 1) } }
            if a != .relu && a != .leakyRelu { XCTAssertTrue(r[0].isNaN, "\(a)(NaN) = \(r[0])") }
        }
    }

    // MARK: softmax cross-entropy

    func testSoftmaxCrossEntropyValueAndGradient() throws {
        // rows: [1, 2, 3] label 2 → log(e + e² + e³) − 3; [0, 0, 0] label 0 → log 3;
        // [1000, 0, −1000] label 1 → 1000 (stability)
        let logits: [Float] = [1, 2, 3, 0, 0, 0, 1000, 0, -1000]
        let labels = [2, 0, 1]
        let expected = (Foundation.log(M_E + M_E * M_E + M_E * M_E * M_E) - 3 + Foundation.log(3.0) + 1000) / 3
        XCTAssertEqual(expected, (0.40760596444 + 1.09861228867 + 1000) / 3, accuracy: 1e-9)

        // through the task: a 0-hidden-layer MLP with identity weights and biases = logits
        // gives exactly these logits when inputs are one-hot rows.
        let inputs: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let train = LabeledData(inputs: inputs, labels: labels.map(Int32.init), featureShape: [3])
        let data = DatasetSplits(train: train, validation: train, test: train, classes: 3)
        let task = makeTask(hidden: [], batchSize: 3, data: data)
        var p = [Float](repeating: 0, count: task.layout.count)
        for i in 0..<3 {  // W is [fanOut, fanIn]: W[c, i] = logit c of row i; biases 0
            for c in 0..<3 { p[c * 3 + i] = logits[i * 3 + c] }
        }
        let eval = task.evaluate(p, split: .train)
        XCTAssertEqual(Double(eval.loss), expected, accuracy: 1e-3)
        XCTAssertEqual(eval.accuracy, 2 / 3)  // row 0 argmax 2 ✓, row 1 argmax 0 ✓ (first), row 2 argmax 0 ✗

        // gradient of the mean loss with respect to the logits, against Double finite differences
        let (loss, g) = task.lossAndGradient(p, key: RandomKey(seed: 1))
        let rows = batch(RandomKey(seed: 1), count: 3, batchSize: 3)
        let picked = rows.flatMap { r in (0..<3).map { Double(logits[r * 3 + $0]) } }
        XCTAssertEqual(Double(loss), referenceCrossEntropy(picked, labels: rows.map { labels[$0] }, classes: 3), accuracy: 1e-3)
        let fd = finiteDifferenceGradient(picked) { referenceCrossEntropy($0, labels: rows.map { labels[$0] }, classes: 3) }
        // dW[c, i] = Σ over batch rows r with input one-hot i of ∂L/∂logit[r, c]
        var expectedW = [Double](repeating: 0, count: 9)
        for (k, r) in rows.enumerated() { for c in 0..<3 { expectedW[c * 3 + r] += fd[k * 3 + c] } }
        XCTAssertLessThan(worstExcess(g[0..<9].map(Double.init), expectedW, rtol: 1e-4, atol: 1e-6), 1)
        // bias gradient = Σ over batch rows of ∂L/∂logits
        for c in 0..<3 { XCTAssertEqual(g[9 + c], Float(rows.indices.map { fd[$0 * 3 + c] }.reduce(0, +)), accuracy: 1e-6) }
    }

    // MARK: task gradient

    func testTaskGradientMatchesDoubleFiniteDifferences() {
        let data = blobs(classes: 3, dimension: 4, count: 40, spread: 1, seed: 3)
        let cases: [([Int], Activation)] = [
            ([5], .relu), ([5], .tanh), ([4, 3], .gelu), ([4, 3], .silu), ([3], .sigmoid),
            ([4, 3, 3], .leakyRelu), ([4, 3], .sin), ([3, 4, 2], .tanh), ([], .relu),
        ]
        for (hidden, activation) in cases {
            let task = makeTask(hidden: hidden, activation: activation, initializer: .glorot, batchSize: 6, data: data)
            let key = RandomKey(seed: 11)
            // biases nonzero so that every term is exercised
            var p = task.initialParameters(key: RandomKey(seed: 5))
            var rng = RandomKey(seed: 6).generator()
            for t in task.layout.tensors where t.name.hasSuffix("/b") {
                for i in t.range { p[i] = 0.3 * rng.normalFloat() }
            }
            let (loss, g) = task.lossAndGradient(p, key: key)
            let rows = batch(key, count: data.train.count, batchSize: 6)
            let inputs = rows.flatMap { r in data.train.inputs[(r * 4)..<((r + 1) * 4)] }
            let labels = rows.map { Int(data.train.labels[$0]) }
            let widths = [4] + hidden + [3]
            let f = { (q: [Double]) in referenceMLPLoss(q, widths: widths, activation: activation, inputs: inputs, labels: labels) }
            let pd = p.map(Double.init)
            XCTAssertEqual(Double(loss), f(pd), accuracy: 1e-5 * max(1, f(pd)), "\(activation) \(hidden) loss")
            let fd = finiteDifferenceGradient(pd, h: 1e-6, f)
            let excess = worstExcess(g.map(Double.init), fd, rtol: 1e-3, atol: 1e-5)
            XCTAssertLessThan(excess, 1, "\(activation) \(hidden) gradient")
            // the same comparison rejects a gradient with one wrong entry
            var broken = g.map(Double.init)
            broken[broken.count - 1] += 1e-2
            XCTAssertGreaterThan(worstExcess(broken, fd, rtol: 1e-3, atol: 1e-5), 1)
        }
    }

    func testSharedGradientCheckerOnTask() {
        let data = blobs(classes: 4, dimension: 6, count: 64, spread: 0.7, seed: 8)
        for activation in [Activation.relu, .tanh, .gelu] {
            let task = makeTask(hidden: [8, 6], activation: activation, batchSize: 16, data: data)
            checkTaskGradient(task, parameters: task.initialParameters(key: RandomKey(seed: 2)), key: RandomKey(seed: 4))
        }
    }

    func testBatchLossAndEvaluateMatchReference() {
        // 2,500 validation rows: three evaluation chunks
        let data = blobs(classes: 3, dimension: 3, count: 5000, spread: 1.2, seed: 9)
        let task = makeTask(hidden: [4], activation: .tanh, batchSize: 10, data: data)
        let p = task.initialParameters(key: RandomKey(seed: 1))
        let pd = p.map(Double.init)
        let widths = [3, 4, 3]
        let v = data.validation
        let eval = task.evaluate(p, split: .validation)
        let ref = referenceMLPLoss(pd, widths: widths, activation: .tanh, inputs: v.inputs, labels: v.labels.map { Int($0) })
        XCTAssertEqual(Double(eval.loss), ref, accuracy: 1e-5 * ref)
        let acc = eval.accuracy ?? -1
        XCTAssertTrue(acc >= 0 && acc <= 1)

        let key = RandomKey(seed: 77)
        let rows = batch(key, count: v.count, batchSize: 10)
        let bl = task.batchLoss(p, split: .validation, key: key)
        let refBatch = referenceMLPLoss(
            pd, widths: widths, activation: .tanh,
            inputs: rows.flatMap { r in v.inputs[(r * 3)..<((r + 1) * 3)] }, labels: rows.map { Int(v.labels[$0]) })
        XCTAssertEqual(Double(bl), refBatch, accuracy: 1e-5 * refBatch)
        XCTAssertEqual(task.normalizer, .classification(classes: 3))
    }

    // MARK: layout, initializers, determinism

    func testLayoutAndInitialParameters() {
        let data = blobs(classes: 5, dimension: 7, count: 20, spread: 1, seed: 1)
        let task = makeTask(hidden: [6, 4], data: data)
        XCTAssertEqual(task.layout.tensors.map(\.name), ["layer0/w", "layer0/b", "layer1/w", "layer1/b", "layer2/w", "layer2/b"])
        XCTAssertEqual(task.layout.tensors.map(\.shape), [[6, 7], [6], [4, 6], [4], [5, 4], [5]])
        XCTAssertEqual(task.layout.count, 7 * 6 + 6 + 6 * 4 + 4 + 4 * 5 + 5)
        let p = task.initialParameters(key: RandomKey(seed: 3))
        for t in task.layout.tensors where t.name.hasSuffix("/b") { XCTAssertTrue(p[t.range].allSatisfy { $0 == 0 }) }
        XCTAssertTrue(p[task.layout["layer0/w"]!.range].allSatisfy { $0 != 0 })
    }

    func testInitializerStatistics() {
        var rng = RandomKey(seed: 21).generator()
        func variance(_ w: [Float]) -> Double {
            let m = w.reduce(0.0) { $0 + Double($1) } / Double(w.count)
            return w.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(w.count)
        }
        let (fi, fo) = (200, 150)  // 30,000 draws: sample variance within ~±2.5% at 3σ
        let he = Initializer.he.draw(fanIn: fi, fanOut: fo, scale: 1, rng: &rng)
        XCTAssertEqual(variance(he), 2.0 / Double(fi), accuracy: 0.03 * 2.0 / Double(fi))

        let bound = (6.0 / Double(fi + fo)).squareRoot()
        let glorot = Initializer.glorot.draw(fanIn: fi, fanOut: fo, scale: 1, rng: &rng)
        XCTAssertTrue(glorot.allSatisfy { abs(Double($0)) <= bound })
        XCTAssertGreaterThan(glorot.map { abs(Double($0)) }.max()!, 0.99 * bound)
        XCTAssertEqual(variance(glorot), bound * bound / 3, accuracy: 0.03 * bound * bound / 3)

        for scale: Float in [0.5, 2] {
            let normal = Initializer.normal.draw(fanIn: fi, fanOut: fo, scale: scale, rng: &rng)
            let expected = Double(scale * scale) / Double(fi)
            XCTAssertEqual(variance(normal), expected, accuracy: 0.03 * expected)
        }

        for (rows, cols) in [(40, 12), (12, 40), (16, 16)] {
            let scale: Float = 1.5
            let q = Initializer.orthogonal.draw(fanIn: rows, fanOut: cols, scale: scale, rng: &rng)
            // Gram matrix of the shorter side: (QᵀQ if tall, QQᵀ if wide) = scale²·I
            let k = min(rows, cols)
            for i in 0..<k {
                for j in 0..<k {
                    var s = 0.0
                    if rows >= cols {
                        for t in 0..<rows { s += Double(q[t * cols + i]) * Double(q[t * cols + j]) }
                    } else {
                        for t in 0..<cols { s += Double(q[i * cols + t]) * Double(q[j * cols + t]) }
                    }
                    XCTAssertEqual(s, i == j ? Double(scale * scale) : 0, accuracy: 1e-5, "\(rows)×\(cols) [\(i),\(j)]")
                }
            }
        }
    }

    func testDeterminism() {
        let data = blobs(classes: 3, dimension: 5, count: 50, spread: 1, seed: 4)
        let a = makeTask(hidden: [7], activation: .silu, initializer: .orthogonal, data: data)
        let b = makeTask(hidden: [7], activation: .silu, initializer: .orthogonal, data: data)
        let pa = a.initialParameters(key: RandomKey(seed: 9))
        XCTAssertEqual(pa, b.initialParameters(key: RandomKey(seed: 9)))
        XCTAssertNotEqual(pa, a.initialParameters(key: RandomKey(seed: 10)))
        let key = RandomKey(seed: 5)
        let (l1, g1) = a.lossAndGradient(pa, key: key)
        let (l2, g2) = b.lossAndGradient(pa, key: key)
        let (l3, g3) = a.lossAndGradient(pa, key: key)
        XCTAssertEqual(l1, l2)
        XCTAssertEqual(l1, l3)
        XCTAssertEqual(g1, g2)
        XCTAssertEqual(g1, g3)
        XCTAssertNotEqual(l1, a.lossAndGradient(pa, key: RandomKey(seed: 6)).loss)
        XCTAssertEqual(a.batchLoss(pa, split: .test, key: key), b.batchLoss(pa, split: .test, key: key))
    }

    // MARK: training

    func testSGDTrainingReducesLoss() {
        let data = blobs(classes: 4, dimension: 8, count: 512, spread: 1, seed: 12)
        let task = makeTask(hidden: [16], activation: .relu, batchSize: 32, data: data)
        var p = task.initialParameters(key: RandomKey(seed: 0))
        let before = task.evaluate(p, split: .train)
        var g = [Float](repeating: 0, count: task.layout.count)
        let root = RandomKey(seed: 1)
        for step in 0..<200 {
            let loss = task.lossAndGradient(p, gradient: &g, key: root.fold(UInt64(step)))
            XCTAssertTrue(loss.isFinite)
            for i in p.indices { p[i] -= 0.05 * g[i] }
        }
        let after = task.evaluate(p, split: .validation)
        XCTAssertLessThan(after.loss, 0.1 * before.loss, "loss \(before.loss) → \(after.loss)")
        XCTAssertGreaterThan(after.accuracy ?? 0, 0.95)
    }
}
