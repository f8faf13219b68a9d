// CNN task: convolution and pooling against naive Double references, the whole network's gradient
// against central differences of a Double reference network, determinism across thread counts, and
// a few Adam steps on a separable image set.

import XCTest
import MetaCore
import MetaTasks
import TestSupport

final class CNNTaskTests: XCTestCase {
    // MARK: References (Double, straight from the definitions)

    /// z[n][oy][ox][o] = b[o] + Σ_{ky,kx,c} x[n][oy·s+ky−1][ox·s+kx−1][c] · w[ky][kx][c][o], zero padding.
    static func referenceConv(_ g: Conv3x3Geometry, batch: Int, _ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
        let (h, wd, ci, co, s) = (g.height, g.width, g.inChannels, g.outChannels, g.stride)
        var z = [Double](repeating: 0, count: batch * g.outputCount)
        for n in 0..<batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for o in 0..<co {
                        var acc = b[o]
                        for ky in 0..<3 {
                            let iy = oy * s + ky - 1
                            guard iy >= 0 && iy < h else { continue }
                            for kx in 0..<3 {
                                let ix = ox * s + kx - 1
                                guard ix >= 0 && ix < wd else { continue }
                                for c in 0..<ci {
                                    acc += x[((n * h + iy) * wd + ix) * ci + c] * w[((ky * 3 + kx) * ci + c) * co + o]
                                }
                            }
                        }
                        z[((n * g.outHeight + oy) * g.outWidth + ox) * co + o] = acc
                    }
                }
            }
        }
        return z
    }

    static func referenceActivation(_ a: Activation) -> (Double) -> Double {
        switch a {
        case .relu: return { max($0, 0) }
        case .leakyRelu: return { $0 >= 0 ? $0 : Double(Activation.leakySlope) * $0 }
        case .tanh: return { Foundation.tanh($0) }
        default: fatalError("no reference for \(a)")
        }
    }

    /// Mean softmax cross-entropy of the CNN over `rows` examples, all in Double.
    static func referenceLoss(
        _ task: CNNTask, parameters p: [Double], inputs: [Double], labels: [Int32], rows: Int
    ) -> Double {
        let c = task.cnnConfig
        let shape = task.data.featureShape
        var (h, w, ch) = (shape[0], shape[1], shape[2])
        var x = inputs
        let f = referenceActivation(c.activation)
        func tensor(_ name: String) -> [Double] { Array(p[task.layout[name]!.range]) }
        for (i, (cout, s)) in zip(c.channels, c.strides).enumerated() {
            let g = Conv3x3Geometry(height: h, width: w, inChannels: ch, outChannels: cout, stride: s)
            x = referenceConv(g, batch: rows, x, tensor("conv\(i)/w"), tensor("conv\(i)/b")).map(f)
            (h, w, ch) = (g.outHeight, g.outWidth, cout)
        }
        let classes = task.data.classes
        let hw = tensor("head/w"), hb = tensor("head/b")
        var total = 0.0
        for n in 0..<rows {
            var pooled = [Double](repeating: 0, count: ch)
            for q in 0..<(h * w) { for k in 0..<ch { pooled[k] += x[(n * h * w + q) * ch + k] / Double(h * w) } }
            var logits = hb
            for k in 0..<ch { for j in 0..<classes { logits[j] += pooled[k] * hw[k * classes + j] } }
            let m = logits.max()!
            let logZ = m + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += logZ - logits[Int(labels[n])]
        }
        return total / Double(rows)
    }

    // MARK: Data

    static func randomImages(count: Int, shape: [Int], classes: Int, seed: UInt64) -> LabeledData {
        var rng = RandomKey(seed: seed).generator()
        let f = shape.reduce(1, *)
        return LabeledData(
            inputs: rng.normals(count * f), labels: (0..<count).map { _ in Int32(rng.int(below: classes)) }, featureShape: shape)
    }

    static func randomSplits(shape: [Int], classes: Int, train: Int = 24, seed: UInt64 = 1) -> DatasetSplits {
        DatasetSplits(
            train: randomImages(count: train, shape: shape, classes: classes, seed: seed),
            validation: randomImages(count: 10, shape: shape, classes: classes, seed: seed + 1),
            test: randomImages(count: 300, shape: shape, classes: classes, seed: seed + 2), classes: classes)
    }

    /// Class 0: the left half is bright; class 1: the right half; plus N(0, 0.3) noise.
    static func halvesSplit(count: Int, size: Int, seed: UInt64) -> LabeledData {
        var rng = RandomKey(seed: seed).generator()
        var inputs = [Float](), labels = [Int32]()
        for _ in 0..<count {
            let label = rng.int(below: 2)
            for _ in 0..<size {
                for x in 0..<size {
                    let bright = (x < size / 2) == (label == 0)
                    inputs.append((bright ? 1 : -1) + 0.3 * rng.normalFloat())
                }
            }
            labels.append(Int32(label))
        }
        return LabeledData(inputs: inputs, labels: labels, featureShape: [size, size, 1])
    }

    static func config(_ channels: [Int], _ strides: [Int], _ activation: Activation = .relu, batch: Int = 5) -> CNNConfig {
        CNNConfig(channels: channels, strides: strides, activation: activation, batchSize: batch, dataset: .glyphs(GlyphsConfig()))
    }

    // MARK: Layers

    func testConvolutionMatchesNaiveReference() {
        // (H, W, Cin, Cout, stride): odd and even sizes, the direct one-channel path and im2col + gemm.
        // Cout 16 / 20 / 33 with Cin = 1 cover the direct kernel's 16-channel × 4-pixel blocks and tails.
        let cases = [
            (5, 5, 1, 3, 1), (6, 7, 1, 4, 2), (7, 6, 3, 5, 1), (8, 8, 2, 4, 2), (5, 4, 16, 8, 2), (3, 3, 4, 2, 1),
            (5, 9, 1, 16, 1), (6, 7, 1, 20, 2), (7, 7, 1, 33, 2), (9, 6, 3, 17, 2),
        ]
        var rng = RandomKey(seed: 7).generator()
        for (h, w, ci, co, s) in cases {
            let g = Conv3x3Geometry(height: h, width: w, inChannels: ci, outChannels: co, stride: s)
            XCTAssertEqual(g.outHeight, (h + 2 - 3) / s + 1)
            let batch = 3
            let x = rng.normals(batch * g.inputCount), wt = rng.normals(g.weightCount), b = rng.normals(co)
            let z = Conv3x3.forward(g, batch: batch, input: x, weights: wt, bias: b)
            let ref = Self.referenceConv(g, batch: batch, x.map(Double.init), wt.map(Double.init), b.map(Double.init))
            assertClose(z, ref.map { Float($0) }, rtol: 1e-5, atol: 1e-5, "\(g)")
        }
    }

    func testConvolutionBackwardMatchesAdjointOfReference() {
        // For a linear map z = Conv(x, w), Σ dz·z is linear in x and in w, so its exact gradients are
        // the naive convolution applied to unit vectors; compare on every coordinate.
        var rng = RandomKey(seed: 8).generator()
        for (h, w, ci, co, s) in [(5, 6, 2, 3, 2), (4, 4, 1, 2, 1), (5, 5, 3, 2, 1), (5, 6, 1, 20, 2), (4, 5, 2, 17, 1)] {
            let g = Conv3x3Geometry(height: h, width: w, inChannels: ci, outChannels: co, stride: s)
            let batch = 2
            let x = rng.normals(batch * g.inputCount), wt = rng.normals(g.weightCount), dz = rng.normals(batch * g.outputCount)
            let (dx, dw, db) = Conv3x3.backward(g, batch: batch, input: x, weights: wt, outputGradient: dz)
            let xd = x.map(Double.init), wd = wt.map(Double.init), dzd = dz.map(Double.init), zero = [Double](repeating: 0, count: co)
            func dot(_ z: [Double]) -> Double { zip(z, dzd).reduce(0) { $0 + $1.0 * $1.1 } }
            let refDx = (0..<xd.count).map { i -> Double in
                var e = [Double](repeating: 0, count: xd.count); e[i] = 1
                return dot(Self.referenceConv(g, batch: batch, e, wd, zero))
            }
            let refDw = (0..<wd.count).map { i -> Double in
                var e = [Double](repeating: 0, count: wd.count); e[i] = 1
                return dot(Self.referenceConv(g, batch: batch, xd, e, zero))
            }
            let refDb = (0..<co).map { o in stride(from: o, to: dzd.count, by: co).reduce(0.0) { $0 + dzd[$1] } }
            assertClose(dx, refDx.map { Float($0) }, rtol: 1e-4, atol: 1e-5, "dx \(g)")
            assertClose(dw, refDw.map { Float($0) }, rtol: 1e-4, atol: 1e-4, "dw \(g)")
            assertClose(db, refDb.map { Float($0) }, rtol: 1e-5, atol: 1e-5, "db \(g)")
        }
    }

    func testMeanPoolAndItsGradient() {
        var rng = RandomKey(seed: 9).generator()
        let (batch, pixels, channels) = (3, 10, 4)
        let x = rng.normals(batch * pixels * channels)
        let pooled = MeanPool.forward(x, batch: batch, pixels: pixels, channels: channels)
        var ref = [Float](repeating: 0, count: batch * channels)
        for n in 0..<batch { for c in 0..<channels {
            ref[n * channels + c] = Float((0..<pixels).reduce(0.0) { $0 + Double(x[(n * pixels + $1) * channels + c]) } / Double(pixels))
        } }
        assertClose(pooled, ref, rtol: 1e-5, atol: 1e-6)
        // Gradient of Σ g·pool(x) by central differences in Double of the (linear) reference.
        let g = rng.normals(batch * channels)
        let dx = MeanPool.backward(g, batch: batch, pixels: pixels, channels: channels)
        let fd = finiteDifferenceGradient(x.map(Double.init)) { xs in
            var s = 0.0
            for n in 0..<batch { for c in 0..<channels { for q in 0..<pixels {
                s += Double(g[n * channels + c]) * xs[(n * pixels + q) * channels + c] / Double(pixels)
            } } }
            return s
        }
        assertClose(dx, fd.map { Float($0) }, rtol: 1e-4, atol: 1e-6)
    }

    // MARK: The task

    func testLayoutNamesShapesAndInitialization() {
        let task = CNNTask(config: Self.config([4, 6], [2, 1], .relu), data: Self.randomSplits(shape: [7, 6, 3], classes: 5))
        XCTAssertEqual(task.layout.tensors.map(\.name), ["conv0/w", "conv0/b", "conv1/w", "conv1/b", "head/w", "head/b"])
        XCTAssertEqual(task.layout.tensors.map(\.shape), [[3, 3, 3, 4], [4], [3, 3, 4, 6], [6], [6, 5], [5]])
        XCTAssertEqual(task.normalizer, .classification(classes: 5))
        let p = task.initialParameters(key: RandomKey(seed: 3))
        XCTAssertEqual(p, task.initialParameters(key: RandomKey(seed: 3)))
        XCTAssertNotEqual(p, task.initialParameters(key: RandomKey(seed: 4)))
        for name in ["conv0/b", "conv1/b", "head/b"] { XCTAssertTrue(p[task.layout[name]!.range].allSatisfy { $0 == 0 }, name) }
        // He: std sqrt(2 / fanIn) with fanIn = 9·Cin = 36 for conv1/w (216 draws: within 20%).
        let w = p[task.layout["conv1/w"]!.range]
        let std = (w.reduce(0) { $0 + $1 * $1 } / Float(w.count)).squareRoot()
        XCTAssertEqual(std, (2 / 36 as Float).squareRoot(), accuracy: 0.2 * (2 / 36 as Float).squareRoot())
    }

    /// The analytic gradient (and loss) against central differences of the Double reference network
    /// on the same minibatch. Tolerance: Float forward/backward vs Double, rtol 2e-3 + atol 1e-4·RMS.
    func checkAgainstReference(_ task: CNNTask, key: RandomKey, coordinates: Int = 60, file: StaticString = #filePath, line: UInt = #line) {
        let p = task.initialParameters(key: key.fold("init"))
        let (loss, grad) = task.lossAndGradient(p, key: key)
        let idx = task.batchIndices(.train, key: key)
        let f = task.data.train.featureCount
        let inputs = idx.flatMap { i in task.data.train.inputs[(i * f)..<((i + 1) * f)].map(Double.init) }
        let labels = idx.map { task.data.train.labels[$0] }
        let pd = p.map(Double.init)
        let refLoss = Self.referenceLoss(task, parameters: pd, inputs: inputs, labels: labels, rows: idx.count)
        assertClose(loss, Float(refLoss), rtol: 1e-5, atol: 1e-5, "loss", file: file, line: line)
        var rng = key.fold("coordinates").generator()
        let picks = p.count <= coordinates ? Array(0..<p.count) : (0..<coordinates).map { _ in rng.int(below: p.count) }
        let rms = (grad.reduce(0) { $0 + $1 * $1 } / Float(grad.count)).squareRoot()
        let h = 1e-5
        for i in picks {
            var q = pd
            q[i] = pd[i] + h
            let fp = Self.referenceLoss(task, parameters: q, inputs: inputs, labels: labels, rows: idx.count)
            q[i] = pd[i] - h
            let fm = Self.referenceLoss(task, parameters: q, inputs: inputs, labels: labels, rows: idx.count)
            let fd = Float((fp - fm) / (2 * h))
            assertClose(grad[i], fd, rtol: 2e-3, atol: 1e-4 * max(rms, 1e-3), "coordinate \(i) (\(task.cnnConfig.channels))", file: file, line: line)
        }
    }

    func testGradientMatchesReferenceAcrossDepthsStridesActivations() {
        checkAgainstReference(
            CNNTask(config: Self.config([3], [1], .relu), data: Self.randomSplits(shape: [5, 5, 1], classes: 3)),
            key: RandomKey(seed: 11))
        checkAgainstReference(
            CNNTask(config: Self.config([4, 3], [2, 1], .tanh), data: Self.randomSplits(shape: [6, 7, 2], classes: 4)),
            key: RandomKey(seed: 12))
        checkAgainstReference(
            CNNTask(config: Self.config([3, 4, 2], [1, 2, 2], .leakyRelu), data: Self.randomSplits(shape: [7, 6, 1], classes: 3)),
            key: RandomKey(seed: 13))
        checkAgainstReference(
            CNNTask(config: Self.config([2, 3], [2, 2], .relu, batch: 3), data: Self.randomSplits(shape: [8, 8, 3], classes: 2)),
            key: RandomKey(seed: 14))
    }

    func testGradientMatchesFloatFiniteDifferences() {
        let task = CNNTask(config: Self.config([3, 4], [2, 1], .tanh), data: Self.randomSplits(shape: [6, 6, 1], classes: 3))
        checkTaskGradient(task, parameters: task.initialParameters(key: RandomKey(seed: 5)), key: RandomKey(seed: 6))
    }

    func testDeterministicAndIndependentOfThreads() {
        // 8×8 images: many per chunk; batch 150 spans several chunks, so workers really split it.
        let task = CNNTask(config: Self.config([4, 8], [1, 2], .relu, batch: 150), data: Self.randomSplits(shape: [8, 8, 1], classes: 3, train: 200))
        let p = task.initialParameters(key: RandomKey(seed: 1))
        let key = RandomKey(seed: 2)
        let a = task.lossAndGradient(p, key: key)
        let b = task.lossAndGradient(p, key: key)
        XCTAssertEqual(a.loss, b.loss)
        XCTAssertEqual(a.gradient, b.gradient)
        XCTAssertEqual(task.batchLoss(p, split: .train, key: key), a.loss)
        XCTAssertNotEqual(task.lossAndGradient(p, key: RandomKey(seed: 3)).loss, a.loss)
        for threads in [2, 3] {
            task.threads = threads
            let c = task.lossAndGradient(p, key: key)
            XCTAssertEqual(c.loss, a.loss, "threads \(threads)")
            XCTAssertEqual(c.gradient, a.gradient, "threads \(threads)")
        }
        task.threads = 1
        // The whole-split evaluation agrees with the Double reference.
        let d = task.data.test
        let ev = task.evaluate(p, split: .test)
        let ref = Self.referenceLoss(task, parameters: p.map(Double.init), inputs: d.inputs.map(Double.init), labels: d.labels, rows: d.count)
        assertClose(ev.loss, Float(ref), rtol: 1e-5, atol: 1e-5)
        XCTAssertNotNil(ev.accuracy)
        XCTAssertTrue(ev.loss.isFinite)
    }

    func testAdamStepsLearnSeparableImages() {
        let data = DatasetSplits(
            train: Self.halvesSplit(count: 64, size: 8, seed: 1), validation: Self.halvesSplit(count: 32, size: 8, seed: 2),
            test: Self.halvesSplit(count: 64, size: 8, seed: 3), classes: 2)
        let task = CNNTask(config: Self.config([4, 8], [2, 2], .relu, batch: 16), data: data)
        var p = task.initialParameters(key: RandomKey(seed: 0))
        let before = task.evaluate(p, split: .test)
        var g = [Float](repeating: 0, count: p.count), m = g, v = g
        for step in 1...40 {
            let loss = task.lossAndGradient(p, gradient: &g, key: RandomKey(seed: 100).fold(UInt64(step)))
            XCTAssertTrue(loss.isFinite)
            // Adam (lr 3e-2), written out: this target does not depend on the optimizers.
            let c1 = 1 - Float(pow(0.9, Double(step))), c2 = 1 - Float(pow(0.999, Double(step)))
            for i in p.indices {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                p[i] -= 3e-2 * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
            }
        }
        let after = task.evaluate(p, split: .test)
        XCTAssertLessThan(after.loss, 0.25 * before.loss, "test loss \(before.loss) → \(after.loss)")
        XCTAssertGreaterThanOrEqual(after.accuracy ?? 0, 0.95)
    }

    func testInvalidSpecsThrowNamingTheKey() {
        let good = Self.config([4], [1])
        func location(_ body: () throws -> Void) -> String? {
            do { try body() } catch let e as SpecError { return e.location } catch { return "other: \(error)" }
            return nil
        }
        XCTAssertNil(location { try CNNTask.validate(good, featureShape: [8, 8, 1], classes: 2, trainCount: 4) })
        XCTAssertEqual(location { try CNNTask.validate(good, featureShape: [64], classes: 2, trainCount: 4) }, "dataset")
        XCTAssertEqual(location { try CNNTask.validate(good, featureShape: [8, 8], classes: 2, trainCount: 4) }, "dataset")
        XCTAssertEqual(location { try CNNTask.validate(good, featureShape: [8, 8, 1], classes: 1, trainCount: 4) }, "dataset")
        XCTAssertEqual(location { try CNNTask.validate(Self.config([4, 4], [1]), featureShape: [8, 8, 1], classes: 2, trainCount: 4) }, "strides")
        XCTAssertEqual(location { try CNNTask.validate(Self.config([4], [3]), featureShape: [8, 8, 1], classes: 2, trainCount: 4) }, "strides")
        // Loading goes through the dataset config: a missing file surfaces as an error.
        var missing = good
        missing.dataset = .idx(IDXConfig(images: "/nonexistent/images-idx3-ubyte", labels: "/nonexistent/labels-idx1-ubyte"))
        XCTAssertThrowsError(try CNNTask(config: missing))
    }
}
