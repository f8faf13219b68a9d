// Schedule-Free AdamW (optax.contrib.schedule_free_adamw): the caller steps y, where gradients are
// taken; the state keeps z; the weights to evaluate, x, follow from the two.

import Foundation
import MetaCore

/// Schedule-Free AdamW's state: the base sequence `z`, the RMS of the gradients `nu`, and the
/// averaging weights' running sum and the largest learning rate seen (optax's `weight_sum`, `max_lr`).
public struct ScheduleFreeAdamWState: Codable, Sendable, Equatable {
    public var z: [Float]
    public var nu: [Float]
    public var weightSum: Float
    public var maxLearningRate: Float
}

/// Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled", arXiv 2405.15682), as
/// optax.contrib's `schedule_free_adamw` computes it. The caller's parameters are y (where gradients
/// are taken); x, the weights to evaluate, is `evaluationParameters`. With t = `context.step` (updates
/// already applied), β₁ = `beta1`, β₂ = `beta2`, ε = `epsilon`, λ = `weightDecay`, r = `weightLRPower`:
///
///     γ(c) = lr·w(c)·S(c),  w(c) = min(c, W)/W       linear warm-up over W = `warmupSteps` (1 if W = 0);
///                                                    S the `schedule` (the common keys), at c updates
///     v ← β₂·v + (1−β₂)·g²,   v̂ = v/(1−β₂ᵗ⁺¹)
///     z′ = z − γ(t)·(g/(√v̂ + ε) + λ·y)              AdamW without momentum, decay at y
///     γ_max ← max(γ_max, γ(t+1));  ω = γ_maxʳ;  Σω ← Σω + ω;  c_k = ω/Σω   (0 when 0/0)
///     x  = (y − (1−β₁)·z)/β₁                         the previous average, recomputed from y and z
///     x′ = (1−c_k)·x + c_k·z′
///     y′ = β₁·x′ + (1−β₁)·z′,   z ← z′
///
/// The update is y′ − y, and `evaluationParameters` returns x = (y − (1−β₁)·z)/β₁ (optax's
/// `schedule_free_eval_params`). As in optax, the base step's rate is the schedule at the update count t,
/// the averaging weight's at optax's `step_count` t+1, so the first update has weight γ(1) while its step is
/// γ(0) = 0 under a warm-up. β₁ must be positive.
public struct ScheduleFreeAdamW: Optimizer {
    public typealias State = ScheduleFreeAdamWState

    public var learningRate: Float
    public var warmupSteps: Int
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var weightLRPower: Float
    public var schedule: Schedule

    public init(learningRate: Float = 0.0025, warmupSteps: Int = 0, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, weightLRPower: Float = 2, schedule: Schedule = .constant) {
        precondition(beta1 > 0, "ScheduleFreeAdamW: beta1 must be positive")
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightLRPower = weightLRPower
        self.schedule = schedule
    }

    /// γ(c): the rate after `count` updates (optax's warmup_constant_schedule, then the schedule).
    public func learningRate(count: Int, totalSteps: Int?) -> Float {
        var rate = learningRate
        if warmupSteps > 0 {
            // optax's linear_schedule(0, lr, W): (0 − lr)·(1 − c/W) + lr, c clipped to [0, W].
            let fraction = 1 - Float(min(max(count, 0), warmupSteps)) / Float(warmupSteps)
            rate = -learningRate * fraction + learningRate
        }
        return schedule == .constant ? rate : rate * schedule.factor(step: count, totalSteps: totalSteps)
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(z: parameters, nu: [Float](repeating: 0, count: parameters.count), weightSum: 0, maxLearningRate: 0)
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.z.count && parameters.count == updates.count,
                     "ScheduleFreeAdamW: \(updates.count) updates for a state of \(state.z.count)")
        let t = context.step
        let baseRate = learningRate(count: t, totalSteps: context.totalSteps)
        let maxRate = max(state.maxLearningRate, learningRate(count: t + 1, totalSteps: context.totalSteps))
        let weight = Foundation.pow(maxRate, weightLRPower)
        let weightSum = state.weightSum + weight
        var ck = weight / weightSum
        if ck.isNaN && !weight.isNaN && !weightSum.isNaN { ck = 0 }
        state.maxLearningRate = maxRate
        state.weightSum = weightSum
        guard !updates.isEmpty else { return }
        let c2 = Float(1 - Foundation.pow(Double(beta2), Double(t + 1)))
        let (b1, b2) = (beta1, beta2)
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.z.withUnsafeMutableBufferPointer { z in
                state.nu.withUnsafeMutableBufferPointer { v in
                    parameters.withUnsafeBufferPointer { y in
                        for i in 0..<n {
                            let g = u[i]
                            let vi = (1 - b2) * (g * g) + b2 * v[i]
                            v[i] = vi
                            let rescaled = (1 / ((vi / c2).squareRoot() + epsilon)) * g
                            let base = -baseRate * (weightDecay == 0 ? rescaled : rescaled + weightDecay * y[i])
                            let zNext = z[i] + base
                            let x = (y[i] - (1 - b1) * z[i]) / b1
                            let xNext = (1 - ck) * x + ck * zNext
                            u[i] = (b1 * xNext + (1 - b1) * zNext) - y[i]
                            z[i] = zNext
                        }
                    }
                }
            }
        }
    }

    /// x = (y − (1−β₁)·z)/β₁: the average of the z sequence, the weights to evaluate.
    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        precondition(parameters.count == state.z.count, "ScheduleFreeAdamW: \(parameters.count) parameters for a state of \(state.z.count)")
        return zip(parameters, state.z).map { y, z in (y - (1 - beta1) * z) / beta1 }
    }
}
