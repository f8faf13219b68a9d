// Pieces shared by the classifier tasks (MLP, CNN): minibatch sampling, gathering rows, softmax
// cross-entropy, and activations over buffers.

import Foundation
import MetaCore

enum Classification {
    /// The minibatch named by `key`: `batchSize` example indices drawn uniformly (with replacement)
    /// from `count` examples. The same key gives the same batch (ES's shared randomness needs that).
    static func batchIndices(key: RandomKey, count: Int, batchSize: Int) -> [Int] {
        var rng = key.generator()
        return (0..<batchSize).map { _ in rng.int(below: count) }
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
    /// max subtracted, log-sum-exp in Double). If `dLogits` is given it receives
    /// `gradientScale · (softmax − onehot)` per row. Returns the summed loss and the number of rows
    /// whose argmax equals the label.
    static func softmaxCrossEntropy(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
        dLogits: UnsafeMutablePointer<Float>?, gradientScale: Float
    ) -> (loss: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        for r in 0..<batch {
            let row = logits + r * classes
            var m = row[0]
            var arg = 0
            for c in 1..<classes where row[c] > m {
                m = row[c]
                arg = c
            }
            var s: Float = 0
            for c in 0..<classes { s += Foundation.exp(row[c] - m) }
            let label = Int(labels[r])
            let logZ = Double(m) + Foundation.log(Double(s))
            total += logZ - Double(row[label])
            if arg == label { correct += 1 }
            if let d = dLogits {
                let out = d + r * classes
                let inv = gradientScale / s
                for c in 0..<classes { out[c] = Foundation.exp(row[c] - m) * inv }
                out[label] -= gradientScale
            }
        }
        return (total, correct)
    }
}

extension Activation {
    /// y = f(x) elementwise over `count` values (y may alias x).
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            for i in 0..<count { y[i] = max(x[i], 0) }
        default:
            for i in 0..<count { y[i] = apply(x[i]) }
        }
    }

    /// dx = dy · f′(x) elementwise, x being the pre-activation (dx may alias dy).
    public func backward(pre x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            for i in 0..<count { dx[i] = x[i] > 0 ? dy[i] : 0 }
        default:
            for i in 0..<count { dx[i] = dy[i] * derivative(x[i]) }
        }
    }
}
