// In-memory classification data: inputs row-major (one example per row; images H×W×C, NHWC),
// integer labels. Immutable and shared between task instances and threads.

/// One split of a classification dataset.
public final class LabeledData: @unchecked Sendable {
    /// `count × featureCount` values, row-major.
    public let inputs: [Float]
    /// `count` labels in 0..<classes.
    public let labels: [Int32]
    /// Shape of one example: `[d]` for vectors, `[height, width, channels]` for images.
    public let featureShape: [Int]

    public var count: Int { labels.count }
    public var featureCount: Int { featureShape.reduce(1, *) }

    public init(inputs: [Float], labels: [Int32], featureShape: [Int]) {
        precondition(inputs.count == labels.count * featureShape.reduce(1, *), "inputs/labels size mismatch")
        self.inputs = inputs
        self.labels = labels
        self.featureShape = featureShape
    }
}

/// Train / validation / test splits of one dataset.
public struct DatasetSplits: @unchecked Sendable {
    public let train: LabeledData
    public let validation: LabeledData
    public let test: LabeledData
    public let classes: Int

    public init(train: LabeledData, validation: LabeledData, test: LabeledData, classes: Int) {
        self.train = train
        self.validation = validation
        self.test = test
        self.classes = classes
    }

    public subscript(split: DataSplit) -> LabeledData {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    public var featureShape: [Int] { train.featureShape }
}
