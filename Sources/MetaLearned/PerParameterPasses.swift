// The two passes over all parameters shared by the per-parameter learned optimizers (LSTM_FF and FF):
// accumulate (clip, update momenta, per-tensor sums) and the fused MLP step. Work is cut into fixed
// chunks inside each tensor and partial sums are added in chunk order, so results do not depend on
// the thread count.

import CKernels
import Foundation
import MetaCore

/// Public entry to the fused per-parameter MLP kernel (for benchmarks and tests).
public enum PerParameterMLP {
    /// `y = W3ᵀ relu(W2ᵀ relu(W1ᵀ x + b1) + b2) + b3` for `rows` rows. `x` is feature-major
    /// (`x[k*rows + i]`, k < `inputs`), and so is the result (`y[j*rows + i]`). Weights are row-major
    /// [fan-in][fan-out]. Rows are split over `threads` threads in blocks (results do not depend on it).
    public static func forward(rows: Int, inputs: Int, x: [Float], hidden1: Int, hidden2: Int, outputs: Int,
                               w1: [Float], b1: [Float], w2: [Float], b2: [Float], w3: [Float], b3: [Float],
                               threads: Int = 1) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputs)
        forward(rows: rows, inputs: inputs, x: x, hidden1: hidden1, hidden2: hidden2, outputs: outputs,
                w1: w1, b1: b1, w2: w2, b2: b2, w3: w3, b3: b3, into: &y, threads: threads)
        return y
    }

    /// As `forward`, writing into `y` (rows·outputs floats, feature-major).
    public static func forward(rows: Int, inputs: Int, x: [Float], hidden1: Int, hidden2: Int, outputs: Int,
                               w1: [Float], b1: [Float], w2: [Float], b2: [Float], w3: [Float], b3: [Float],
                               into y: inout [Float], threads: Int = 1) {
        let maxWidth = Int(MT_LO_MAX_WIDTH)
        precondition([inputs, hidden1, hidden2, outputs].allSatisfy { $0 > 0 && $0 <= maxWidth }, "widths must be in 1...\(maxWidth)")
        precondition(x.count == rows * inputs && y.count == rows * outputs, "buffer sizes do not match \(rows) rows")
        precondition(w1.count == inputs * hidden1 && b1.count == hidden1 && w2.count == hidden1 * hidden2 && b2.count == hidden2
                     && w3.count == hidden2 * outputs && b3.count == outputs, "weight sizes do not match the widths")
        guard rows > 0 else { return }
        // Blocks of 4096 rows (a multiple of the kernel's 32-row block).
        let block = 4096
        let blocks = (rows + block - 1) / block
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                let xb = xp.baseAddress!, yb = yp.baseAddress!
                w1.withUnsafeBufferPointer { w1p in b1.withUnsafeBufferPointer { b1p in
                w2.withUnsafeBufferPointer { w2p in b2.withUnsafeBufferPointer { b2p in
                w3.withUnsafeBufferPointer { w3p in b3.withUnsafeBufferPointer { b3p in
                    Parallel.forEach(blocks, threads: threads) { b in
                        let start = b * block
                        let count = min(block, rows - start)
                        mt_mlp3_forward(count, Int32(inputs), xb + start, rows, Int32(hidden1), Int32(hidden2), Int32(outputs),
                                        w1p.baseAddress!, b1p.baseAddress!, w2p.baseAddress!, b2p.baseAddress!,
                                        w3p.baseAddress!, b3p.baseAddress!, yb + start, rows)
                    }
                }}}}}}
            }
        }
    }
}

/// The weights of a 3-layer per-parameter MLP, sliced out of θ.
struct MLPWeights {
    var w1: [Float], b1: [Float], w2: [Float], b2: [Float], w3: [Float], b3: [Float]
    var inputs: Int, hidden1: Int, hidden2: Int, outputs: Int

    init(metaParameters θ: [Float], layout: ParameterLayout, prefix: String) {
        func t(_ name: String) -> TensorSpec { layout["\(prefix)/\(name)"]! }
        w1 = Array(θ[t("w1").range]); b1 = Array(θ[t("b1").range])
        w2 = Array(θ[t("w2").range]); b2 = Array(θ[t("b2").range])
        w3 = Array(θ[t("w3").range]); b3 = Array(θ[t("b3").range])
        inputs = t("w1").shape[0]; hidden1 = t("w1").shape[1]; hidden2 = t("w2").shape[1]; outputs = t("w3").shape[1]
    }

    /// Appends the MLP's tensors to a meta-layout.
    static func append(to layout: inout ParameterLayout, prefix: String, inputs: Int, hidden: [Int], outputs: Int) {
        precondition(hidden.count == 2, "the fused per-parameter MLP has exactly two hidden layers, got \(hidden)")
        let maxWidth = Int(MT_LO_MAX_WIDTH)
        precondition(([inputs, outputs] + hidden).allSatisfy { $0 > 0 && $0 <= maxWidth }, "MLP widths must be in 1...\(maxWidth)")
        layout.append("\(prefix)/w1", shape: [inputs, hidden[0]])
        layout.append("\(prefix)/b1", shape: [hidden[0]])
        layout.append("\(prefix)/w2", shape: [hidden[0], hidden[1]])
        layout.append("\(prefix)/b2", shape: [hidden[1]])
        layout.append("\(prefix)/w3", shape: [hidden[1], outputs])
        layout.append("\(prefix)/b3", shape: [outputs])
    }

    /// The first-layer bias with constant inputs folded in: `b1 + W1[first...]ᵀ constants`.
    func foldedBias(constants: [Float], first: Int) -> [Float] {
        precondition(first + constants.count == inputs)
        var b = b1
        for (k, c) in constants.enumerated() where c != 0 {
            let row = (first + k) * hidden1
            for j in 0..<hidden1 { b[j] += w1[row + j] * c }
        }
        return b
    }
}

/// Initial θ: weights by `weights` (by default N(0, 1.137²/fan-in), a little wider than LeCun's
/// 1/fan-in; the shipped checkpoints were meta-trained from it), biases by `bias` (0), each tensor
/// drawn from its own folded key.
func initialWeights(layout: ParameterLayout, key: RandomKey, bias: (TensorSpec) -> Float = { _ in 0 },
                    weights: (TensorSpec, inout RandomGenerator) -> [Float] = { t, rng in
                        rng.normals(t.count, std: 1.137 / Float(t.shape[0]).squareRoot())
                    }) -> [Float] {
    var θ = [Float](repeating: 0, count: layout.count)
    for t in layout.tensors {
        if t.shape.count == 2 {
            var rng = key.fold(t.name).generator()
            θ.replaceSubrange(t.range, with: weights(t, &rng))
        } else {
            let b = bias(t)
            for i in t.range { θ[i] = b }
        }
    }
    return θ
}

/// Running mean square of clipped gradients (decay 0.99, bias-corrected) for dynamic clipping.
struct DynamicClip {
    static let decay: Double = 0.99
    static let multiple: Float = 10
    static let firstThreshold: Float = 10

    /// ±threshold for this step: `multiple` × the bias-corrected RMS of past clipped gradients
    /// (`firstThreshold` before any, and while every past gradient was zero).
    static func threshold(meanSquare: Double, updates: Int) -> Float {
        guard updates > 0, meanSquare > 0 else { return firstThreshold }
        let corrected = meanSquare / (1 - Foundation.pow(decay, Double(updates)))
        let t = multiple * Float(corrected.squareRoot())
        return t.isFinite ? t : Float.greatestFiniteMagnitude
    }

    static func update(meanSquare: Double, clippedSquares: Double, count: Int) -> Double {
        guard count > 0 else { return meanSquare }
        return decay * meanSquare + (1 - decay) * clippedSquares / Double(count)
    }
}

/// Per-tensor chunks of the parameter vector.
struct Chunks {
    static let size = 4096
    var ranges: [Range<Int>] = []
    var tensorOfChunk: [Int] = []
    var chunksOfTensor: [Range<Int>] = []

    init(layout: ParameterLayout) {
        for (t, spec) in layout.tensors.enumerated() {
            let first = ranges.count
            var start = spec.offset
            while start < spec.offset + spec.count {
                let end = min(start + Chunks.size, spec.offset + spec.count)
                ranges.append(start..<end)
                tensorOfChunk.append(t)
                start = end
            }
            chunksOfTensor.append(first..<ranges.count)
        }
    }
}

/// Statistics of one tensor after the accumulate pass.
struct TensorStatistics {
    /// The `MT_LO_NSTATS(decays)` sums (see `mt_lo_accumulate`).
    var sums: [Double]
    var count: Int
    var decays: Int

    var featureCount: Int { 3 + 4 * decays }
    /// 1/sqrt(1e-5 + mean square) of each normalized feature.
    var inverseNorms: [Float] { (0..<featureCount).map { Float(1 / (1e-5 + sums[$0] / Double(count)).squareRoot()) } }
    var gradientSquares: Double { sums[0] }
    var gradientNorm: Double { sums[0].squareRoot() }
    var parameterNorm: Double { sums[1].squareRoot() }

    /// Mean and variance of the momenta pooled over decays and elements.
    var momentumMoments: (mean: Double, variance: Double) { pooled(sum: sums[featureCount], squares: (3..<(3 + decays)).reduce(0) { $0 + sums[$1] }, n: decays * count) }
    var secondMomentMoments: (mean: Double, variance: Double) {
        pooled(sum: sums[featureCount + 1], squares: ((3 + decays)..<(3 + 2 * decays)).reduce(0) { $0 + sums[$1] }, n: decays * count)
    }
    var parameterMoments: (mean: Double, variance: Double) { pooled(sum: sums[featureCount + 2], squares: sums[1], n: count) }

    private func pooled(sum: Double, squares: Double, n: Int) -> (mean: Double, variance: Double) {
        let mean = sum / Double(n)
        return (mean, max(0, squares / Double(n) - mean * mean))
    }
}

/// The accumulate pass: clips `gradient` in place and updates the accumulators; returns per-tensor sums.
func accumulatePass(gradient: inout [Float], parameters: [Float], momenta: inout [Float], secondMoments: inout [Float],
                    decays: [Float], clip: Float, layout: ParameterLayout, chunks: Chunks, threads: Int) -> [TensorStatistics] {
    let n = gradient.count
    let d = decays.count
    let ns = 3 + 4 * d + 3
    var partial = [Double](repeating: 0, count: chunks.ranges.count * ns)
    gradient.withUnsafeMutableBufferPointer { gp in
    parameters.withUnsafeBufferPointer { pp in
    momenta.withUnsafeMutableBufferPointer { mp in
    secondMoments.withUnsafeMutableBufferPointer { vp in
    decays.withUnsafeBufferPointer { dp in
    partial.withUnsafeMutableBufferPointer { sp in
        let g = gp.baseAddress!, p = pp.baseAddress!, m = mp.baseAddress!, v = vp.baseAddress!, s = sp.baseAddress!, dv = dp.baseAddress!
        Parallel.forEach(chunks.ranges.count, threads: threads) { c in
            let r = chunks.ranges[c]
            mt_lo_accumulate(r.count, g + r.lowerBound, p + r.lowerBound, m + r.lowerBound, v + r.lowerBound, n,
                             Int32(d), dv, clip, s + c * ns)
        }
    }}}}}}
    return layout.tensors.indices.map { t in
        var sums = [Double](repeating: 0, count: ns)
        for c in chunks.chunksOfTensor[t] { for k in 0..<ns { sums[k] += partial[c * ns + k] } }
        return TensorStatistics(sums: sums, count: layout.tensors[t].count, decays: d)
    }
}

/// The fused MLP pass: writes the step into `updates` (which holds the clipped gradient on entry) and
/// returns per-tensor sums of the MLP's extra outputs (outputs 2...).
func mlpStepPass(updates: inout [Float], parameters: [Float], momenta: [Float], secondMoments: [Float], decays: Int,
                 inverseNorms: [[Float]], foldedBias: [[Float]], weights: MLPWeights, featureClip: Float,
                 stepExponent: Float, stepScale: Float, chunks: Chunks, tensorCount: Int, threads: Int) -> [[Double]] {
    let n = updates.count
    let extras = weights.outputs - 2
    var partial = [Double](repeating: 0, count: chunks.ranges.count * max(extras, 1))
    let clipped = updates  // the kernel reads g and writes u: keep them apart
    let invFlat = inverseNorms.flatMap { $0 }, nf = 3 + 4 * decays
    let biasFlat = foldedBias.flatMap { $0 }, h1 = weights.hidden1
    updates.withUnsafeMutableBufferPointer { up in
    clipped.withUnsafeBufferPointer { gp in
    parameters.withUnsafeBufferPointer { pp in
    momenta.withUnsafeBufferPointer { mp in
    secondMoments.withUnsafeBufferPointer { vp in
    invFlat.withUnsafeBufferPointer { ip in
    biasFlat.withUnsafeBufferPointer { bp in
    weights.w1.withUnsafeBufferPointer { w1 in weights.w2.withUnsafeBufferPointer { w2 in weights.b2.withUnsafeBufferPointer { b2 in
    weights.w3.withUnsafeBufferPointer { w3 in weights.b3.withUnsafeBufferPointer { b3 in
    partial.withUnsafeMutableBufferPointer { sp in
        let u = up.baseAddress!, g = gp.baseAddress!, p = pp.baseAddress!, m = mp.baseAddress!, v = vp.baseAddress!
        let inv = ip.baseAddress!, bias = bp.baseAddress!, s = sp.baseAddress!
        Parallel.forEach(chunks.ranges.count, threads: threads) { c in
            let r = chunks.ranges[c], t = chunks.tensorOfChunk[c]
            mt_lo_mlp_step(r.count, g + r.lowerBound, p + r.lowerBound, m + r.lowerBound, v + r.lowerBound, n, Int32(decays),
                           inv + t * nf, featureClip, Int32(weights.hidden1), Int32(weights.hidden2), Int32(weights.outputs),
                           w1.baseAddress!, bias + t * h1, w2.baseAddress!, b2.baseAddress!, w3.baseAddress!, b3.baseAddress!,
                           stepExponent, stepScale, u + r.lowerBound, s + c * max(extras, 1))
        }
    }}}}}}}}}}}}}
    return (0..<tensorCount).map { t in
        var sums = [Double](repeating: 0, count: extras)
        for c in chunks.chunksOfTensor[t] { for k in 0..<extras { sums[k] += partial[c * max(extras, 1) + k] } }
        return sums
    }
}

/// sin(t/(τπ)) for each time scale τ.
func timeFeatures(step: Int, scales: [Double]) -> [Float] {
    scales.map { Float(Foundation.sin(Double(step) / ($0 * Double.pi))) }
}

func clamp(_ x: Float, _ limit: Float) -> Float { x.isNaN ? 0 : min(max(x, -limit), limit) }
