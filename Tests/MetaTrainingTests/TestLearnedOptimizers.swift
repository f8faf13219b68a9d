// Tiny learned optimizers for meta-training tests: SGD (with optional fixed heavy-ball momentum) whose
// log learning rate is the only meta-parameter, so meta-gradients have closed forms.

import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining

/// `v ← μ v + g; p ← p − exp(θ[0]) · v` (μ fixed, not learned). θ = [log learning rate].
struct LearnableSGD: LearnedOptimizer {
    var initialLogLearningRate: Float = -3
    var momentum: Float = 0
    /// Multiplies updates by NaN when the learning rate exceeds this (a deliberately diverging rule).
    var nanAboveLearningRate: Float? = nil
    /// Reads validation losses: the step is divided by 1 + the last validation loss.
    var readsValidation = false

    var architecture: LearnedOptimizerArchitecture { .learnableAdam }  // metadata only
    var metaLayout: ParameterLayout { ParameterLayout([("log_lr", [1])]) }
    func initialMetaParameters(key: RandomKey) -> [Float] { [initialLogLearningRate] }
    func optimizer(metaParameters: [Float]) -> any Optimizer {
        let lr = Float.exp(metaParameters[0])
        let poison = nanAboveLearningRate.map { lr > $0 } ?? false
        return MomentumSGD(learningRate: lr, momentum: momentum, poison: poison, readsValidation: readsValidation)
    }
}

struct MomentumSGD: Optimizer {
    struct State: Codable, Sendable, Equatable { var velocity: [Float]; var count: Int }
    var learningRate: Float
    var momentum: Float
    var poison: Bool
    var readsValidation = false
    var usesValidationLoss: Bool { readsValidation }

    func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(velocity: [Float](repeating: 0, count: parameters.count), count: 0)
    }

    func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let lr = readsValidation ? learningRate / (1 + (context.validationLoss ?? 0)) : learningRate
        for i in updates.indices {
            state.velocity[i] = momentum * state.velocity[i] + updates[i]
            updates[i] = -lr * state.velocity[i] * (poison ? .nan : 1)
        }
        state.count += 1
    }
}

extension Float {
    static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(x))) }
}

import Foundation

/// `‖p − p*‖²` in 10 dimensions (docs/architecture.md §3's sanity quadratic), target drawn from `seed`.
func sanityQuadratic(seed: UInt64 = 0, dimension: Int = 10) -> TaskConfig {
    .quadratic(QuadraticConfig(dimension: dimension, spectrum: .linear, condition: 1, noise: 0, scale: 2, rotate: false, seed: seed))
}

/// A small, fast config for tests.
func testConfig(estimator: GradientEstimatorKind, slots: Int = 4, truncation: Int = 5, horizon: ClosedRange<Int> = 10...30) -> MetaTrainingConfig {
    var c = MetaTrainingConfig()
    c.estimator = estimator
    c.tasks = .explicit([sanityQuadratic(seed: 0), sanityQuadratic(seed: 1)])
    c.tasksPerStep = slots
    c.truncationLength = truncation
    c.horizon = horizon
    c.outerSteps = 100
    c.threads = 1
    return c
}
