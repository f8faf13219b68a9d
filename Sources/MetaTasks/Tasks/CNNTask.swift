// The small-CNN task family (docs/architecture.md §5): 3×3 convolutions (padding 1, stride 1 or 2) each followed by
// the activation, global mean pooling, a linear head, softmax cross-entropy.
// Layout: activations NHWC (images come as H×W×C rows of `LabeledData`), conv weights HWIO
// (3 × 3 × Cin × Cout), head weights C_last × classes. Tensors: conv0/w, conv0/b, …, head/w, head/b.
// The computation lives in `CNNNetwork` (shared with `CNNBenchmark`); this file adds data, minibatches
// and initialization.

import MetaCore

public final class CNNTask: TrainingTask {
    public let config: TaskConfig
    public let cnnConfig: CNNConfig
    public let layout: ParameterLayout
    public let normalizer: LossNormalizer
    public let data: DatasetSplits

    /// Rows per call when evaluating a whole split.
    static let evaluationChunk = 256

    private let network: CNNNetwork
    /// The gathered minibatch: batchSize × H·W·C inputs and batchSize labels.
    private let batchInputs: CNNBuffer
    private let batchLabels: UnsafeMutablePointer<Int32>

    /// Worker threads for one loss/gradient (default 1: meta-training runs one task per thread).
    /// Results are bit-identical for every value.
    public var threads: Int {
        get { network.threads }
        set { network.threads = newValue }
    }

    /// Loads the config's dataset and builds the task.
    public convenience init(config: CNNConfig) throws {
        let data = try config.dataset.load()
        try CNNTask.validate(config, featureShape: data.featureShape, classes: data.classes, trainCount: data.train.count)
        self.init(config: config, data: data)
    }

    /// Builds the task over given data (images of shape `[H, W, C]`); invalid combinations are
    /// programmer errors here (`init(config:)` reports them as `SpecError`s).
    public init(config: CNNConfig, data: DatasetSplits) {
        do {
            try CNNTask.validate(config, featureShape: data.featureShape, classes: data.classes, trainCount: data.train.count)
        } catch {
            preconditionFailure("\(error)")
        }
        self.config = .cnn(config)
        cnnConfig = config
        self.data = data
        network = CNNNetwork(
            imageShape: data.featureShape, channels: config.channels, strides: config.strides, classes: data.classes,
            activation: config.activation, maxBatch: max(config.batchSize, CNNTask.evaluationChunk),
            maxGradientBatch: config.batchSize)
        layout = network.layout
        normalizer = .classification(classes: data.classes)
        batchInputs = CNNBuffer(config.batchSize * data.train.featureCount)
        batchLabels = .allocate(capacity: config.batchSize)
        batchLabels.initialize(repeating: 0, count: config.batchSize)
    }

    deinit { batchLabels.deallocate() }

    /// Checks that `config` can be built over images of `featureShape` with `classes` classes.
    public static func validate(_ config: CNNConfig, featureShape: [Int], classes: Int, trainCount: Int) throws {
        guard featureShape.count == 3, featureShape.allSatisfy({ $0 > 0 }) else {
            throw SpecError("dataset", "a CNN needs images of shape [height, width, channels], found \(featureShape)")
        }
        guard classes >= 2 else { throw SpecError("dataset", "a classifier needs at least 2 classes, found \(classes)") }
        guard trainCount > 0 else { throw SpecError("dataset", "the training split is empty") }
        guard !config.channels.isEmpty, config.channels.allSatisfy({ $0 > 0 }) else {
            throw SpecError("channels", "needs at least one convolution, each with a positive channel count")
        }
        guard config.strides.count == config.channels.count else {
            throw SpecError("strides", "needs one stride per convolution (\(config.channels.count)), found \(config.strides.count)")
        }
        guard config.strides.allSatisfy({ $0 == 1 || $0 == 2 }) else {
            throw SpecError("strides", "each stride must be 1 or 2, found \(config.strides)")
        }
        guard config.batchSize > 0 else { throw SpecError("batchSize", "must be positive, found \(config.batchSize)") }
    }

    /// Conv weights from `initializer` with fanIn = 9·Cin, fanOut = Cout; the head with fanIn =
    /// C_last, fanOut = classes; biases zero. Each tensor draws from the key folded with its name.
    public func initialParameters(key: RandomKey) -> [Float] {
        var p = [Float](repeating: 0, count: layout.count)
        for t in layout.tensors where t.shape.count > 1 {
            let fanOut = t.shape.last!
            let fanIn = t.count / fanOut
            var rng = key.fold(t.name).generator()
            let w = cnnConfig.initializer.draw(fanIn: fanIn, fanOut: fanOut, scale: cnnConfig.initScale, rng: &rng)
            p.replaceSubrange(t.range, with: w)
        }
        return p
    }

    public func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float {
        precondition(parameters.count == layout.count && gradient.count == layout.count, "parameter count mismatch")
        let n = gatherBatch(.train, key: key)
        let loss = parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                network.run(
                    parameters: p.baseAddress!, inputs: batchInputs.pointer, labels: batchLabels, batch: n,
                    gradient: g.baseAddress!, gradientScale: 1 / Float(n)
                ).loss
            }
        }
        return Float(loss / Double(n))
    }

    public func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float {
        precondition(parameters.count == layout.count, "parameter count mismatch")
        guard data[split].count > 0 else { return .nan }
        let n = gatherBatch(split, key: key)
        let loss = parameters.withUnsafeBufferPointer { p in
            network.run(parameters: p.baseAddress!, inputs: batchInputs.pointer, labels: batchLabels, batch: n, gradient: nil).loss
        }
        return Float(loss / Double(n))
    }

    /// Mean loss and accuracy over every example of `split` (NaN loss for an empty split).
    public func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation {
        precondition(parameters.count == layout.count, "parameter count mismatch")
        let d = data[split]
        guard d.count > 0 else { return TaskEvaluation(loss: .nan, accuracy: nil) }
        var loss = 0.0
        var correct = 0
        parameters.withUnsafeBufferPointer { p in
            d.inputs.withUnsafeBufferPointer { x in
                d.labels.withUnsafeBufferPointer { y in
                    for start in stride(from: 0, to: d.count, by: CNNTask.evaluationChunk) {
                        let n = min(CNNTask.evaluationChunk, d.count - start)
                        let r = network.run(
                            parameters: p.baseAddress!, inputs: x.baseAddress! + start * d.featureCount,
                            labels: y.baseAddress! + start, batch: n, gradient: nil)
                        loss += r.loss
                        correct += r.correct
                    }
                }
            }
        }
        return TaskEvaluation(loss: Float(loss / Double(d.count)), accuracy: Float(correct) / Float(d.count))
    }

    /// The examples of `split` in the minibatch named by `key` (drawn with replacement), in batch order.
    public func batchIndices(_ split: DataSplit, key: RandomKey) -> [Int] {
        Classification.batchIndices(key: key, count: data[split].count, batchSize: cnnConfig.batchSize)
    }

    /// Copies the minibatch named by `key` from `split` into the batch buffers; returns its size.
    private func gatherBatch(_ split: DataSplit, key: RandomKey) -> Int {
        let d = data[split]
        let indices = batchIndices(split, key: key)
        Classification.gather(d, indices: indices, inputs: batchInputs.pointer, labels: batchLabels)
        return indices.count
    }
}
