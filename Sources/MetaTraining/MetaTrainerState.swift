// Everything that decides the future of a meta-training run, as Codable values: θ, the outer
// optimizer's state, every slot's inner runs, and the key schedule all randomness is drawn from.
// There is no generator state anywhere else, so an encoded and resumed run is bit-identical.

import Foundation
import MetaCore
import MetaTasks

/// The key schedule of a run: every random draw of meta-training comes from one of these keys.
///
/// - θ at initialization: `root.fold("theta")`.
/// - ε of (outer step s, slot i): `root.fold("perturbation").fold(s).fold(i)`, ε = σ·N(0, I).
/// - Episode e of slot i: `root.fold("slot").fold(i).fold("episode").fold(e)`; from it `task` (which task),
///   `horizon` (T), `offset` (first step of episode 0), `init` (inner parameters), `train` then t (the
///   minibatch of inner step t) and `metaLoss` then t (the held-out batch measured after step t).
///   Both antithetic sides use the same keys: shared randomness.
public struct MetaTrainingKeys: Sendable, Hashable {
    public let root: RandomKey

    public init(seed: UInt64) { root = RandomKey(seed: seed).fold("meta-training") }

    public var metaParameters: RandomKey { root.fold("theta") }

    public func perturbation(outerStep: Int, slot: Int) -> RandomKey {
        root.fold("perturbation").fold(UInt64(outerStep)).fold(UInt64(slot))
    }

    public func episode(slot: Int, episode: Int) -> RandomKey {
        root.fold("slot").fold(UInt64(slot)).fold("episode").fold(UInt64(episode))
    }

    public func initialParameters(slot: Int, episode: Int) -> RandomKey { self.episode(slot: slot, episode: episode).fold("init") }

    public func trainBatch(slot: Int, episode: Int, step: Int) -> RandomKey {
        self.episode(slot: slot, episode: episode).fold("train").fold(UInt64(step))
    }

    public func metaLossBatch(slot: Int, episode: Int, step: Int) -> RandomKey {
        self.episode(slot: slot, episode: episode).fold("metaLoss").fold(UInt64(step))
    }

    /// ε for (outer step, slot): `count` draws of N(0, σ²).
    public func perturbation(outerStep: Int, slot: Int, count: Int, sigma: Float) -> [Float] {
        var rng = perturbation(outerStep: outerStep, slot: slot).generator()
        return rng.zigguratNormals(count, std: sigma)
    }
}

/// One side of a slot's inner run: parameters and the learned optimizer's state.
public struct InnerRunState: Codable, Sendable {
    public var parameters: [Float]
    public var optimizerState: OptimizerStateBox
    /// The validation-batch loss measured after the last step, passed with the next one to learned
    /// optimizers that read it (nil for the others and in checkpoints written before it existed).
    public var validationLoss: Float?

    public init(parameters: [Float], optimizerState: OptimizerStateBox, validationLoss: Float? = nil) {
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.validationLoss = validationLoss
    }
}

/// One entry of the outer batch: a task being trained through an episode of T inner steps, one
/// truncation per outer step.
public struct SlotState: Codable, Sendable {
    public var task: TaskConfig
    /// Episodes started in this slot before this one.
    public var episode: Int
    /// Inner steps already taken (t); the episode ends when t reaches `horizon`.
    public var step: Int
    /// T, this episode's total inner steps.
    public var horizon: Int
    /// PES: [θ+ε side, θ−ε side]; ES: one run (it continues from the θ+ε side). Empty before the
    /// episode's first truncation, which initializes them.
    public var inner: [InnerRunState]
    /// PES: the sum of this episode's past perturbations (empty for ES and before the first truncation).
    public var accumulator: [Float]

    public var episodeEnded: Bool { step >= horizon }

    /// Episode `episode` of `slot`: its task, horizon and (for episode 0, when asked) random first step.
    public static func start(
        slot: Int, episode: Int, tasks: [TaskConfig], config: MetaTrainingConfig, keys: MetaTrainingKeys
    ) -> SlotState {
        let key = keys.episode(slot: slot, episode: episode)
        var taskRNG = key.fold("task").generator()
        let task = tasks[taskRNG.int(below: tasks.count)]
        var horizonRNG = key.fold("horizon").generator()
        let horizon = horizonRNG.logUniformInt(config.horizon.lowerBound, config.horizon.upperBound)
        var step = 0
        if episode == 0 && config.randomInitialOffset {
            var offsetRNG = key.fold("offset").generator()
            step = offsetRNG.int(below: horizon)
        }
        return SlotState(task: task, episode: episode, step: step, horizon: horizon, inner: [], accumulator: [])
    }
}

/// The complete state of a meta-training run.
public struct MetaTrainerState: Codable, Sendable {
    /// θ.
    public var metaParameters: [Float]
    public var metaLayout: ParameterLayout
    public var outerOptimizerState: OptimizerStateBox
    /// Outer steps taken.
    public var outerStep: Int
    public var slots: [SlotState]
    /// Inner steps run so far (both antithetic sides counted), for throughput reports.
    public var totalInnerSteps: Int
    /// Copied from the config, checked on resume.
    public var estimator: GradientEstimatorKind
    public var seed: UInt64

    public init(
        metaParameters: [Float], metaLayout: ParameterLayout, outerOptimizerState: OptimizerStateBox, outerStep: Int,
        slots: [SlotState], totalInnerSteps: Int, estimator: GradientEstimatorKind, seed: UInt64
    ) {
        self.metaParameters = metaParameters
        self.metaLayout = metaLayout
        self.outerOptimizerState = outerOptimizerState
        self.outerStep = outerStep
        self.slots = slots
        self.totalInnerSteps = totalInnerSteps
        self.estimator = estimator
        self.seed = seed
    }

    /// JSON (non-finite floats as strings), for checkpoints.
    public func encoded() throws -> Data { try OptimizerStateBox.encoder().encode(self) }

    public static func decode(_ data: Data) throws -> MetaTrainerState {
        try OptimizerStateBox.decoder().decode(MetaTrainerState.self, from: data)
    }
}

/// What one outer step did.
public struct OuterStepMetrics: Codable, Hashable, Sendable {
    /// Index of this outer step (0 for the first).
    public var step: Int
    /// Mean over slots of (L⁺ + L⁻)/2: the capped, normalized meta-loss.
    public var metaLoss: Float
    /// Means over slots of L⁺ and of L⁻.
    public var positiveLoss: Float
    public var negativeLoss: Float
    /// ‖ĝ‖ after NaN entries were zeroed, before clipping.
    public var gradientNorm: Float
    /// Fraction of ĝ's elements the clip changed.
    public var clippedFraction: Float
    /// Root mean square and largest magnitude of the outer update θ_new − θ (nil in metrics written
    /// before these fields existed).
    public var updateRMS: Float?
    public var updateMaxAbs: Float?
    /// Entries of ĝ that were NaN (set to 0).
    public var nanGradientEntries: Int
    /// Slots that began a new episode at this step.
    public var episodesStarted: Int
    /// Inner steps run (both sides).
    public var innerSteps: Int
    public var innerStepsPerSecond: Double
    /// Wall time of the step.
    public var seconds: Double

    /// The metrics with the timing fields zeroed: what must be bit-identical between runs.
    public var withoutTimings: OuterStepMetrics {
        var m = self
        m.innerStepsPerSecond = 0
        m.seconds = 0
        return m
    }
}
