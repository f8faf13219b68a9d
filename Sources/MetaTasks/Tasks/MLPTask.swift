// The MLP classifier family (docs/architecture.md §5): dense layers over flattened inputs, one activation, softmax
// cross-entropy. The arithmetic lives in `MLPNetwork`; this file samples batches and splits evaluation
// into chunks. It does not normalize or augment inputs: datasets arrive ready to use.

import MetaCore

/// A multilayer perceptron classifier on a labeled dataset.
///
/// Parameters: for each layer l (hidden layers, then the output layer with one unit per class)
/// `layer{l}/w` of shape fanOut × fanIn (row-major, row = output unit, as PyTorch's `Linear.weight`)
/// and `layer{l}/b` of shape fanOut.
/// The loss is the mean softmax cross-entropy of a minibatch of `batchSize` training examples drawn
/// with replacement (the key names the batch). Inputs are flattened: fanIn of layer 0 is the product
/// of the dataset's feature shape.
///
/// An instance owns scratch memory for one batch and is not thread-safe.
public final class MLPTask: TrainingTask {
    public let config: TaskConfig
    public let mlpConfig: MLPConfig
    public let data: DatasetSplits
    public let layout: ParameterLayout
    public let normalizer: LossNormalizer

    /// Rows per forward pass in `evaluate`.
    public static let evaluationChunk = 1024

    private let network: MLPNetwork
    /// batchSize × featureCount gathered inputs and their labels.
    private let batchInputs: UnsafeMutablePointer<Float>
    private let batchLabels: UnsafeMutablePointer<Int32>

    /// Builds the task, loading (and caching) its dataset.
    public convenience init(config: MLPConfig) throws {
        self.init(config: config, data: try config.dataset.load())
    }

    /// Builds the task on given data (`config.dataset` is kept only as a description).
    /// Labels must lie in 0..<data.classes (loaders check this).
    public init(config: MLPConfig, data: DatasetSplits) {
        precondition(config.batchSize > 0, "batchSize must be positive")
        precondition(data.classes > 0 && data.train.featureCount > 0, "empty classes or features")
        precondition(data.train.count > 0, "empty training split")
        for split in DataSplit.allCases {
            precondition(data[split].featureCount == data.train.featureCount, "\(split) split has a different feature shape")
            precondition(data[split].labels.allSatisfy { $0 >= 0 && Int($0) < data.classes }, "\(split) split has labels outside 0..<\(data.classes)")
        }
        self.config = .mlp(config)
        mlpConfig = config
        self.data = data
        let widths = [data.train.featureCount] + config.hidden + [data.classes]
        let largestSplit = DataSplit.allCases.map { data[$0].count }.max()!
        network = MLPNetwork(
            widths: widths, activation: config.activation,
            capacity: max(config.batchSize, min(Self.evaluationChunk, largestSplit)))
        layout = network.layout
        normalizer = .classification(classes: data.classes)
        batchInputs = .allocate(capacity: config.batchSize * data.train.featureCount)
        batchInputs.initialize(repeating: 0, count: config.batchSize * data.train.featureCount)
        batchLabels = .allocate(capacity: config.batchSize)
        batchLabels.initialize(repeating: 0, count: config.batchSize)
    }

    deinit {
        batchInputs.deallocate()
        batchLabels.deallocate()
    }

    /// Weights drawn by `config.initializer` (one generator per layer, from `key.fold(layer)`), biases 0.
    public func initialParameters(key: RandomKey) -> [Float] {
        var p = [Float](repeating: 0, count: layout.count)
        for l in 0..<network.layerCount {
            let spec = layout["layer\(l)/w"]!
            var rng = key.fold(UInt64(l)).generator()
            let (fanOut, fanIn) = (spec.shape[0], spec.shape[1])
            let w = mlpConfig.initializer.draw(fanIn: fanIn, fanOut: fanOut, scale: mlpConfig.initScale, rng: &rng)
            // draw gives fanIn × fanOut; store its transpose
            for i in 0..<fanIn {
                for j in 0..<fanOut { p[spec.offset + j * fanIn + i] = w[i * fanOut + j] }
            }
        }
        return p
    }

    public func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float {
        precondition(gradient.count == layout.count, "gradient has \(gradient.count) elements, layout \(layout.count)")
        let rows = gatherBatch(.train, key: key)
        return parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                Float(network.loss(
                    parameters: checked(p), inputs: batchInputs, labels: batchLabels, rows: rows,
                    gradient: g.baseAddress!).lossSum / Double(rows))
            }
        }
    }

    public func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float {
        let rows = gatherBatch(split, key: key)
        guard rows > 0 else { return .nan }
        return parameters.withUnsafeBufferPointer { p in
            Float(network.loss(
                parameters: checked(p), inputs: batchInputs, labels: batchLabels, rows: rows,
                gradient: nil).lossSum / Double(rows))
        }
    }

    /// Mean loss and accuracy over the whole split, in chunks of `evaluationChunk` rows.
    /// An empty split gives a NaN loss and no accuracy.
    public func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation {
        let d = data[split]
        guard d.count > 0 else { return TaskEvaluation(loss: .nan, accuracy: nil) }
        let f = d.featureCount
        var lossSum = 0.0
        var correct = 0
        parameters.withUnsafeBufferPointer { p in
            d.inputs.withUnsafeBufferPointer { x in
                d.labels.withUnsafeBufferPointer { y in
                    var start = 0
                    while start < d.count {
                        let rows = min(Self.evaluationChunk, network.capacity, d.count - start)
                        let r = network.loss(
                            parameters: checked(p), inputs: x.baseAddress! + start * f,
                            labels: y.baseAddress! + start, rows: rows, gradient: nil)
                        lossSum += r.lossSum
                        correct += r.correct
                        start += rows
                    }
                }
            }
        }
        return TaskEvaluation(loss: Float(lossSum / Double(d.count)), accuracy: Float(correct) / Float(d.count))
    }

    private func checked(_ p: UnsafeBufferPointer<Float>) -> UnsafePointer<Float> {
        precondition(p.count == layout.count, "parameters have \(p.count) elements, layout \(layout.count)")
        return p.baseAddress!
    }

    /// Copies the minibatch named by `key` from `split` into the batch buffers; returns its row count
    /// (0 for an empty split).
    private func gatherBatch(_ split: DataSplit, key: RandomKey) -> Int {
        let d = data[split]
        guard d.count > 0 else { return 0 }
        let f = d.featureCount
        let inputs = batchInputs, labels = batchLabels
        d.inputs.withUnsafeBufferPointer { src in
            d.labels.withUnsafeBufferPointer { y in
                Classification.forEachBatchIndex(key: key, count: d.count, batchSize: mlpConfig.batchSize) { r, i in
                    (inputs + r * f).update(from: src.baseAddress! + i * f, count: f)
                    labels[r] = y[i]
                }
            }
        }
        return mlpConfig.batchSize
    }
}
