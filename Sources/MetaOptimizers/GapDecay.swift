// Weight decay gated by the generalization gap, around any optimizer: decay only while the run overfits.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's and the two smoothed losses.
public struct GapDecayState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// Un-corrected exponential moving averages of the training and validation losses, and the pairs folded in.
    public var train: Double
    public var validation: Double
    public var count: Int
    /// The gate of the last step, in [0, 1] (the fraction of `weightDecay` applied).
    public var gate: Float
}

/// Decoupled weight decay whose strength follows the generalization gap, so that it regularizes a run that
/// overfits (a small dataset memorized) and leaves alone one that underfits (where any decay costs loss).
/// Each step folds the training loss `StepContext.loss` (the minibatch's) and the validation-batch loss
/// `StepContext.validationLoss` into exponential moving averages T and V with decay `smoothing`
/// (bias-corrected), and measures the relative gap r = (V − T)/|V|. Then
///
///     gate = clamp(r / fullGap, 0, 1)
///     u ← inner(g) − weightDecay · gate · p        (on the tensors the mask picks)
///
/// With both losses equal (underfitting, or a task without data such as a quadratic) the gate is 0 and the
/// wrapper is the inner optimizer; at a gap of `fullGap` (relative) or more the decay is AdamW's decoupled
/// one at `weightDecay` per step. Steps without both losses, or with a non-finite one, leave the averages
/// and the gate as they were. The mask is `AddDecayedWeights`'s: every tensor, rank ≥ 2, or rank 2 only.
public struct GapDecay<Inner: Optimizer>: Optimizer {
    public typealias State = GapDecayState<Inner.State>

    public var inner: Inner
    public var weightDecay: Float
    /// The relative gap at which the full decay applies.
    public var fullGap: Double
    public var smoothing: Double
    public var mask: AddDecayedWeights

    /// `mask` is one of `AddDecayedWeights.maskNames`.
    public init(_ inner: Inner, weightDecay: Float, fullGap: Double = 0.2, smoothing: Double = 0.95, mask: String = "matrices") {
        precondition(weightDecay >= 0 && fullGap > 0 && smoothing >= 0 && smoothing < 1, "GapDecay: bad settings")
        self.inner = inner
        self.weightDecay = weightDecay
        self.fullGap = fullGap
        self.smoothing = smoothing
        self.mask = AddDecayedWeights(0, mask: mask)
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), train: 0, validation: 0, count: 0, gate: 0)
    }

    /// Folds one (training, validation) pair into the averages and sets the gate.
    public func observe(train loss: Double, validation: Double, state: inout State) {
        guard loss.isFinite, validation.isFinite else { return }
        state.count += 1
        state.train = smoothing * state.train + (1 - smoothing) * loss
        state.validation = smoothing * state.validation + (1 - smoothing) * validation
        let correction = 1 - Foundation.pow(smoothing, Double(state.count))
        let t = state.train / correction, v = state.validation / correction
        let gap = abs(v) > 0 ? (v - t) / abs(v) : 0
        state.gate = Float(min(max(gap / fullGap, 0), 1))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        if let t = context.loss, let v = context.validationLoss {
            observe(train: Double(t), validation: Double(v), state: &state)
        }
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
        let decay = weightDecay * state.gate
        guard decay > 0 else { return }
        var m = mask
        m.weightDecay = -decay
        var empty = EmptyState()
        m.update(&updates, state: &empty, parameters: parameters, context: context)
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.evaluationParameters(parameters, state: state.inner)
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.monitoredParameters(parameters, state: state.inner)
    }

    public var usesValidationLoss: Bool { true }
}

/// Wraps an optimizer known only as an existential.
public func gapDecay(_ inner: any Optimizer, weightDecay: Float, fullGap: Double, smoothing: Double, mask: String) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer { GapDecay(i, weightDecay: weightDecay, fullGap: fullGap, smoothing: smoothing, mask: mask) }
    return make(inner)
}
