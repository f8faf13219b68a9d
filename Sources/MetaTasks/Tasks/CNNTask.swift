// PLACEHOLDER (replaced by the task work).
import MetaCore

public final class CNNTask: TrainingTask {
    public let config: TaskConfig
    public let layout = ParameterLayout()
    public var normalizer: LossNormalizer { .relative(initial: 1, minimum: 0) }
    public init(config: CNNConfig) throws { throw SpecError("task", "not implemented") }
    public func initialParameters(key: RandomKey) -> [Float] { [] }
    public func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float { 0 }
    public func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float { 0 }
    public func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation { .init(loss: 0) }
}
