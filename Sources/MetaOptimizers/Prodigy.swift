// Prodigy (optax.contrib.prodigy): AdamW whose step size D is estimated online from the distance
// travelled, so that the learning rate is a schedule around 1 rather than a tuned number.

import Foundation
import MetaCore

/// Prodigy's state: Adam's moments of the D-scaled gradients, the weighted sum of those gradients
/// `gradSum` (s), the initial parameters x₀, the estimate D and the weighted numerator r of its
/// estimator (optax's `estim_lr`, `numerator_weighted`).
public struct ProdigyState: Codable, Sendable, Equatable {
    public var expAvg: [Float]
    public var expAvgSq: [Float]
    public var gradSum: [Float]
    public var initialParameters: [Float]
    public var estimatedLearningRate: Float
    public var numeratorWeighted: Float
}

/// Prodigy (Mishchenko & Defazio 2024, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner",
/// arXiv 2306.06101), a D-Adaptation AdamW, as optax.contrib's `prodigy` computes it. With t =
/// `context.step` + 1, β₁ = `beta1`, β₂ = `beta2`, β₃ = `beta3` (default √β₂), ε = `epsilon`, D₀ =
/// `initialEstimate`, λ = `weightDecay`, and η = lr·S(t−1) (`learningRate` times the `schedule`, the
/// common keys', at the update count):
///
///     d = D·η·√(1−β₂ᵗ)/(1−β₁ᵗ)                       (with the current D)
///     m ← β₁·m + (1−β₁)·D·g          v ← β₂·v + (1−β₂)·(D·g)²
///     s ← β₃·s + (d or D)·D·g/D₀                     (D with `safeguardWarmup`)
///     r ← β₃·r + (D/D₀)·d·⟨g, x₀ − x⟩
///     D ← max(D, `estimateScale`·r/‖s‖₁)            (kept when ‖s‖₁ = 0, where optax gives NaN)
///     u = −λ·d·x − d·m/(√v + D·ε)                    (the new D in ε's place, the old one in d)
///
/// The inner products and ‖s‖₁ run over all tensors, summed in Double.
public struct Prodigy: Optimizer {
    public typealias State = ProdigyState

    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var beta3: Float
    public var epsilon: Float
    public var initialEstimate: Float
    public var estimateScale: Float
    public var weightDecay: Float
    public var safeguardWarmup: Bool
    public var schedule: Schedule

    public init(learningRate: Float = 1, beta1: Float = 0.9, beta2: Float = 0.999, beta3: Float? = nil, epsilon: Float = 1e-8,
                initialEstimate: Float = 1e-6, estimateScale: Float = 1, weightDecay: Float = 0, safeguardWarmup: Bool = false,
                schedule: Schedule = .constant) {
        precondition(initialEstimate > 0, "Prodigy: the initial estimate must be positive")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.beta3 = beta3 ?? Float(Double(beta2).squareRoot())
        self.epsilon = epsilon
        self.initialEstimate = initialEstimate
        self.estimateScale = estimateScale
        self.weightDecay = weightDecay
        self.safeguardWarmup = safeguardWarmup
        self.schedule = schedule
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        let zeros = [Float](repeating: 0, count: parameters.count)
        return State(expAvg: zeros, expAvgSq: zeros, gradSum: zeros, initialParameters: parameters,
                     estimatedLearningRate: initialEstimate, numeratorWeighted: 0)
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.expAvg.count && parameters.count == updates.count,
                     "Prodigy: \(updates.count) updates for a state of \(state.expAvg.count)")
        guard !updates.isEmpty else { return }
        let t = Double(context.step + 1)
        let eta = schedule == .constant ? learningRate : learningRate * schedule.factor(step: context.step, totalSteps: context.totalSteps)
        let correction = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot() / (1 - Foundation.pow(Double(beta1), t)))
        let d = state.estimatedLearningRate
        let dlr = d * eta * correction
        let (b1, b2, b3, d0) = (beta1, beta2, beta3, initialEstimate)
        let sumWeight = safeguardWarmup ? d : dlr
        let n = updates.count
        var numerator = 0.0, denominator = 0.0
        updates.withUnsafeMutableBufferPointer { u in
            state.expAvg.withUnsafeMutableBufferPointer { m in
                state.expAvgSq.withUnsafeMutableBufferPointer { v in
                    state.gradSum.withUnsafeMutableBufferPointer { s in
                        state.initialParameters.withUnsafeBufferPointer { x0 in
                            parameters.withUnsafeBufferPointer { x in
                                for i in 0..<n {
                                    let g = u[i]
                                    numerator += Double(g) * Double(x0[i] - x[i])
                                    let dg = d * g
                                    m[i] = b1 * m[i] + (1 - b1) * dg
                                    v[i] = b2 * v[i] + (1 - b2) * dg * dg
                                    s[i] = b3 * s[i] + sumWeight * dg / d0
                                    denominator += Double(abs(s[i]))
                                }
                            }
                        }
                    }
                }
            }
        }
        let weighted = b3 * state.numeratorWeighted + (d / d0) * dlr * Float(numerator)
        state.numeratorWeighted = weighted
        let estimate = estimateScale * weighted / Float(denominator)
        if denominator > 0, estimate > d { state.estimatedLearningRate = estimate }
        let floor = state.estimatedLearningRate * epsilon
        updates.withUnsafeMutableBufferPointer { u in
            state.expAvg.withUnsafeBufferPointer { m in
                state.expAvgSq.withUnsafeBufferPointer { v in
                    parameters.withUnsafeBufferPointer { x in
                        for i in 0..<n {
                            u[i] = -weightDecay * dlr * x[i] - dlr * m[i] / (v[i].squareRoot() + floor)
                        }
                    }
                }
            }
        }
    }
}
