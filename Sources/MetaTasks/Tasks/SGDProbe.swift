// A quick check that a task trains: plain SGD for a few steps, at a given learning rate or the best
// of a small sweep. Used by `zoo validate` and by tests.

import MetaCore

public enum SGDProbe {
    public struct Result: Codable, Sendable {
        public var learningRate: Float
        public var steps: Int
        public var initialTrain: TaskEvaluation
        public var initialValidation: TaskEvaluation
        public var finalTrain: TaskEvaluation
        public var finalValidation: TaskEvaluation
        /// Minibatch losses along the way.
        public var losses: [Float]
        /// A loss became NaN or infinite (the probe stopped there): a result, not an error.
        public var diverged: Bool
    }

    /// The learning rates tried when none is given.
    public static let sweep: [Float] = [100, 30, 10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4]

    /// Trains `steps` steps of p ← p − lr·g from the initialization of `key`.
    public static func run(_ task: TrainingTask, learningRate: Float, steps: Int, key: RandomKey) -> Result {
        var p = task.initialParameters(key: key.fold("init"))
        let initialTrain = task.evaluate(p, split: .train)
        let initialValidation = task.evaluate(p, split: .validation)
        var g = [Float](repeating: 0, count: p.count)
        var losses: [Float] = []
        losses.reserveCapacity(steps)
        let batches = key.fold("batches")
        for t in 0..<steps {
            let loss = task.lossAndGradient(p, gradient: &g, key: batches.fold(UInt64(t)))
            losses.append(loss)
            if !loss.isFinite { break }
            Kernels.axpy(-learningRate, g, &p)
        }
        let finalTrain = task.evaluate(p, split: .train), finalValidation = task.evaluate(p, split: .validation)
        return Result(
            learningRate: learningRate, steps: steps, initialTrain: initialTrain,
            initialValidation: initialValidation, finalTrain: finalTrain, finalValidation: finalValidation, losses: losses,
            diverged: !losses.allSatisfy(\.isFinite) || !finalTrain.loss.isFinite || !finalValidation.loss.isFinite)
    }

    /// The run with the lowest final training loss over `sweep` (a non-finite loss never wins).
    public static func best(_ task: TrainingTask, steps: Int, key: RandomKey) -> Result {
        var best: Result?
        for lr in sweep {
            let r = run(task, learningRate: lr, steps: steps, key: key)
            guard r.finalTrain.loss.isFinite else { continue }
            if best == nil || r.finalTrain.loss < best!.finalTrain.loss { best = r }
        }
        return best ?? run(task, learningRate: sweep.last!, steps: steps, key: key)
    }
}
