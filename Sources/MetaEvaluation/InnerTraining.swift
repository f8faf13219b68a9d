// Training one task with one optimizer: the loop `optimize`, `compare` and meta-training evaluations
// share. Initialization and minibatches depend only on the seed, so every optimizer sees the same
// starting point and the same batches (common random numbers make comparisons fair).

import Foundation
import MetaCore
import MetaOptimizers
import MetaTasks

/// One point of a training curve.
public struct CurvePoint: Codable, Hashable, Sendable {
    /// Steps taken before this point (0 = at initialization).
    public var step: Int
    /// Minibatch training loss at this point (before the step's update); NaN at the final point.
    public var trainLoss: Float
    /// Whole-split losses, at evaluation points only.
    public var validationLoss: Float?
    public var testLoss: Float?

    public init(step: Int, trainLoss: Float, validationLoss: Float? = nil, testLoss: Float? = nil) {
        self.step = step
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.testLoss = testLoss
    }
}

/// The outcome of one (task, optimizer, seed) run.
public struct RunResult: Codable, Sendable {
    public var task: String
    public var family: String
    public var optimizer: String
    public var seed: UInt64
    public var steps: Int
    /// Every step's minibatch loss, with validation/test losses at evaluation points.
    public var curve: [CurvePoint]
    public var finalTrain: TaskEvaluation
    public var finalValidation: TaskEvaluation
    public var finalTest: TaskEvaluation
    /// The task's normalizer applied to the final test loss (the cap when it is not finite).
    public var normalizedTestLoss: Float
    public var normalizedValidationLoss: Float
    /// The training loss became NaN or infinite; the run stopped there (and scores its normalizer's cap).
    public var diverged: Bool
    /// Why the run is flagged, if it is: the loss became non-finite (`diverged`), or its final validation
    /// loss ended far above where it started (`DivergenceRule`; scored as measured). Nil for a healthy run.
    public var divergence: String?
    public var seconds: Double

    public init(
        task: String, family: String, optimizer: String, seed: UInt64, steps: Int, curve: [CurvePoint],
        finalTrain: TaskEvaluation, finalValidation: TaskEvaluation, finalTest: TaskEvaluation,
        normalizedTestLoss: Float, normalizedValidationLoss: Float, diverged: Bool, seconds: Double
    ) {
        self.task = task
        self.family = family
        self.optimizer = optimizer
        self.seed = seed
        self.steps = steps
        self.curve = curve
        self.finalTrain = finalTrain
        self.finalValidation = finalValidation
        self.finalTest = finalTest
        self.normalizedTestLoss = normalizedTestLoss
        self.normalizedValidationLoss = normalizedValidationLoss
        self.diverged = diverged
        self.seconds = seconds
    }
}

/// When a run that stayed finite is still flagged as diverged: its final validation loss is more than
/// `factor` times its initial one above it (`final − initial > (factor − 1)·max(|initial|, floor)`).
public enum DivergenceRule {
    public static let factor: Float = 10
    public static let floor: Float = 1e-3

    /// The reason to flag a finite run, or nil.
    public static func rose(initial: Float, final: Float) -> String? {
        guard initial.isFinite, final.isFinite else { return nil }
        let scale = max(abs(initial), floor)
        guard final - initial > (factor - 1) * scale else { return nil }
        return String(format: "the validation loss ended %.3g× above its start (%.4g → %.4g)", abs(final / max(abs(initial), floor)), initial, final)
    }
}

public enum InnerTraining {
    /// Keys of a run: the initialization and the batch of step t.
    public static func initKey(seed: UInt64) -> RandomKey { RandomKey(seed: seed).fold("init") }
    public static func batchKey(seed: UInt64, step: Int) -> RandomKey { RandomKey(seed: seed).fold("batches").fold(UInt64(step)) }
    /// The validation batch measured after step t for optimizers that read validation losses.
    public static func validationBatchKey(seed: UInt64, step: Int) -> RandomKey {
        RandomKey(seed: seed).fold("validation-batches").fold(UInt64(step))
    }

    /// Trains `task` for `steps` steps with `optimizer`, evaluating validation and test losses every
    /// `evaluateEvery` steps and at the end. `onStep` is called after each step with the step count.
    /// (An `any Optimizer` argument is opened implicitly.)
    public static func run<O: Optimizer>(
        _ optimizer: O, task: TrainingTask, taskName: String, optimizerName: String,
        steps: Int, seed: UInt64, evaluateEvery: Int? = nil, onStep: ((Int) -> Void)? = nil
    ) -> RunResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let every = max(1, evaluateEvery ?? max(1, steps / 20))
        // The same stepping a library user gets from `OptimizerRun`: context, validation feed, evaluation parameters.
        var run = OptimizerRun(optimizer, parameters: task.initialParameters(key: initKey(seed: seed)), layout: task.layout, totalSteps: steps)
        var gradient = [Float](repeating: 0, count: task.layout.count)
        var curve: [CurvePoint] = []
        curve.reserveCapacity(steps + 1)
        var diverged = false
        for t in 0..<steps {
            let loss = task.lossAndGradient(run.parameters, gradient: &gradient, key: batchKey(seed: seed, step: t))
            var point = CurvePoint(step: t, trainLoss: loss)
            if t % every == 0 {
                // What the optimizer would hand back now (Lookahead: its slow weights).
                let shown = run.evaluationParameters
                point.validationLoss = task.evaluate(shown, split: .validation).loss
                point.testLoss = task.evaluate(shown, split: .test).loss
            }
            curve.append(point)
            if !loss.isFinite || !gradient.allSatisfy(\.isFinite) {
                diverged = true
                break
            }
            run.step(gradient: &gradient, loss: loss)
            if run.usesValidationLoss {
                // What the next step reads: a validation-batch loss at the parameters just reached (those the
                // optimizer monitors: its evaluation parameters, or KeepBest's iterate).
                run.validationLoss = task.batchLoss(run.monitoredParameters, split: .validation, key: validationBatchKey(seed: seed, step: t))
            }
            onStep?(t + 1)
        }
        let final = run.evaluationParameters
        let train = task.evaluate(final, split: .train)
        let validation = task.evaluate(final, split: .validation)
        let test = task.evaluate(final, split: .test)
        if !diverged && !(train.loss.isFinite && validation.loss.isFinite && test.loss.isFinite) { diverged = true }
        let taken = diverged ? (curve.last?.step ?? 0) : steps
        let divergence = diverged
            ? "the loss became NaN or infinite at step \(taken)"
            : DivergenceRule.rose(initial: curve.first?.validationLoss ?? .nan, final: validation.loss)
        curve.append(CurvePoint(step: taken, trainLoss: .nan, validationLoss: validation.loss, testLoss: test.loss))
        var result = RunResult(
            task: taskName, family: task.config.family.rawValue, optimizer: optimizerName, seed: seed,
            steps: steps, curve: curve, finalTrain: train, finalValidation: validation, finalTest: test,
            normalizedTestLoss: task.normalizer(test.loss), normalizedValidationLoss: task.normalizer(validation.loss),
            diverged: diverged, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        result.divergence = divergence
        return result
    }
}
