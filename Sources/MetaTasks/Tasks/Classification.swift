// Pieces shared by the classifier tasks (MLP, CNN): minibatch sampling, gathering rows, softmax
// cross-entropy, and activations over buffers.

import CKernels
import Foundation
import MetaCore

enum Classification {
    /// The minibatch named by `key`: `batchSize` example indices drawn uniformly (with replacement)
    /// from `count` examples. The same key gives the same batch (ES's shared randomness needs that).
    static func batchIndices(key: RandomKey, count: Int, batchSize: Int) -> [Int] {
        var indices = [Int]()
        indices.reserveCapacity(batchSize)
        forEachBatchIndex(key: key, count: count, batchSize: batchSize) { _, i in indices.append(i) }
        return indices
    }

    /// The same minibatch as `batchIndices`, handed out as `(row, index)` without allocating.
    @inline(__always)
    static func forEachBatchIndex(key: RandomKey, count: Int, batchSize: Int, _ body: (Int, Int) -> Void) {
        var rng = key.generator()
        for r in 0..<batchSize { body(r, rng.int(below: count)) }
    }

    /// Copies the rows `indices` of `data` into `inputs` (indices.count × featureCount) and `labels`.
    static func gather(
        _ data: LabeledData, indices: [Int], inputs: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>
    ) {
        let f = data.featureCount
        data.inputs.withUnsafeBufferPointer { src in
            for (r, i) in indices.enumerated() {
                (inputs + r * f).update(from: src.baseAddress! + i * f, count: f)
                labels[r] = data.labels[i]
            }
        }
    }

    /// Softmax cross-entropy summed over `batch` rows of `classes` logits (numerically stable:
    /// max subtracted, log-sum-exp in Double; vectorized C kernel `mt_softmax_cross_entropy`). If
    /// `dLogits` is given it receives `gradientScale · (softmax − onehot)` per row. Returns the summed
    /// loss and the number of rows whose (first) argmax equals the label. Labels must lie in 0..<classes.
    static func softmaxCrossEntropy(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
        dLogits: UnsafeMutablePointer<Float>?, gradientScale: Float
    ) -> (loss: Double, correct: Int) {
        var correct = 0
        let loss = mt_softmax_cross_entropy(batch, classes, logits, labels, dLogits, gradientScale, &correct)
        return (loss, correct)
    }
}

extension Activation {
    /// The activation's code in the C kernels (`MT_ACT_*`).
    var kernelCode: Int32 {
        switch self {
        case .relu: return Int32(MT_ACT_RELU)
        case .tanh: return Int32(MT_ACT_TANH)
        case .gelu: return Int32(MT_ACT_GELU)
        case .silu: return Int32(MT_ACT_SILU)
        case .sigmoid: return Int32(MT_ACT_SIGMOID)
        case .leakyRelu: return Int32(MT_ACT_LEAKY_RELU)
        case .sin: return Int32(MT_ACT_SIN)
        }
    }

    /// y = f(x) elementwise over `count` values (y may alias x exactly; no partial overlap).
    /// Vectorized C kernel; agrees with `apply` to a few ulp (sin: ~1e-7 absolute for |x| ≤ 1e6).
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        mt_activation_forward(kernelCode, count, x, y)
    }

    /// dx = dy · f′(x) elementwise, x being the pre-activation (dx may alias dy exactly).
    public func backward(pre x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        mt_activation_backward(kernelCode, count, x, dy, dx)
    }
}
