// The inner problem: what every task in the zoo offers to optimizers and meta-training.
// (Named `TrainingTask`, not `Task`, so as not to shadow Swift concurrency's `Task`.)

import MetaCore

/// Which part of a task's data a loss is measured on.
public enum DataSplit: String, Codable, CaseIterable, Sendable {
    case train, validation, test
}

/// Loss over a whole split (or a fixed, documented cap of its examples), with accuracy for classifiers.
public struct TaskEvaluation: Codable, Hashable, Sendable {
    public var loss: Float
    public var accuracy: Float?

    public init(loss: Float, accuracy: Float? = nil) {
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// One inner problem built from a `TaskConfig`. An instance owns scratch memory, so it is not
/// thread-safe: build one instance per worker thread (`TaskConfig.makeTask()` is cheap after the
/// first call because datasets are cached and shared).
public protocol TrainingTask: AnyObject {
    /// The config this task was built from; rebuilding from it gives an identical task.
    var config: TaskConfig { get }
    /// Named tensors of the flat parameter vector.
    var layout: ParameterLayout { get }
    /// Maps a raw loss to a scale shared by all tasks (docs/architecture.md §3).
    var normalizer: LossNormalizer { get }

    /// Initial parameters; the key picks one draw of the task's initializer.
    func initialParameters(key: RandomKey) -> [Float]

    /// Loss on the training minibatch named by `key` (or the noisy objective for synthetic tasks),
    /// with its gradient written into `gradient` (`layout.count` elements, overwritten).
    func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float

    /// Loss on a minibatch of `split` named by `key`, without gradient (meta-losses use this on
    /// validation batches). Synthetic tasks return their noise-free objective.
    func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float

    /// Loss (and accuracy) over a split.
    func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation
}

extension TrainingTask {
    /// Convenience for tests and tools: loss and a fresh gradient array.
    public func lossAndGradient(_ parameters: [Float], key: RandomKey) -> (loss: Float, gradient: [Float]) {
        var g = [Float](repeating: 0, count: layout.count)
        let l = lossAndGradient(parameters, gradient: &g, key: key)
        return (l, g)
    }
}

/// Maps a task's raw loss to a shared scale so that tasks of different scale weigh alike (docs/architecture.md §3).
public enum LossNormalizer: Codable, Hashable, Sendable {
    /// Softmax cross-entropy over `classes` classes: `(clip(L, 0, log 2C) − log(C/5)) · 10 / log C`,
    /// following the learned_optimization task normalizers.
    case classification(classes: Int)
    /// `(L − minimum) / (initial − minimum)`, clipped to [0, 100]: 1 at the start, 0 at the optimum.
    case relative(initial: Float, minimum: Float)

    public func callAsFunction(_ loss: Float) -> Float {
        guard loss.isFinite else { return cap }
        switch self {
        case .classification(let classes):
            let c = Float(classes)
            let clipped = min(max(loss, 0), log(2 * c))
            return (clipped - log(c / 5)) * 10 / log(c)
        case .relative(let initial, let minimum):
            let span = max(initial - minimum, 1e-12)
            return min(max((loss - minimum) / span, 0), 100)
        }
    }

    /// What a NaN or infinite loss maps to.
    public var cap: Float {
        switch self {
        case .classification(let classes):
            let c = Float(classes)
            return (log(2 * c) - log(c / 5)) * 10 / log(c)
        case .relative: return 100
        }
    }
}

import Foundation
