// Parameter averaging around any optimizer: the weights it reports for evaluation are an exponential
// moving average of the iterates, while gradients are still taken at the iterates themselves.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's, the un-corrected average of the iterates, and how many
/// iterates it holds.
public struct AveragingState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// Σ (1−d)·d^(t−k)·θ_k over the iterates θ_1…θ_t after each step (empty before the first step).
    public var average: [Float]
    public var count: Int
}

/// Exponential moving average of the parameters ("Polyak–Ruppert averaging" with a finite window; optax's
/// `ema` applied to the parameters, PyTorch's `torch.optim.swa_utils.AveragedModel` with an EMA
/// `multi_avg_fn`, AlgoPerf's evaluation-time parameter swap). After each step, with θ_t = θ + u the new
/// iterate and d = `decay`:
///
///     a_t = d·a_{t−1} + (1−d)·θ_t,   a_0 = 0
///     evaluation weights = a_t / (1 − d^t)        (debiased; the parameters themselves before any step)
///
/// The update itself is the inner optimizer's, unchanged: only `evaluationParameters` differs, so the
/// training trajectory is the inner one's and the reported (validation, test) losses are the average's.
/// With `start` > 0 the first `start` steps are not averaged (the average restarts at step `start`).
public struct Averaging<Inner: Optimizer>: Optimizer {
    public typealias State = AveragingState<Inner.State>

    public var inner: Inner
    public var decay: Float
    public var start: Int

    public init(_ inner: Inner, decay: Float = 0.9, start: Int = 0) {
        precondition(decay >= 0 && decay < 1 && start >= 0, "Averaging: bad settings")
        self.inner = inner
        self.decay = decay
        self.start = start
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), average: [], count: 0)
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
        guard context.step + 1 > start else { return }
        let n = updates.count
        if state.average.count != n { state.average = [Float](repeating: 0, count: n); state.count = 0 }
        let d = decay, e = 1 - decay
        state.average.withUnsafeMutableBufferPointer { a in
            updates.withUnsafeBufferPointer { u in
                parameters.withUnsafeBufferPointer { p in
                    for i in 0..<n { a[i] = d * a[i] + e * (p[i] + u[i]) }
                }
            }
        }
        state.count += 1
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        let own = inner.evaluationParameters(parameters, state: state.inner)
        guard state.count > 0, state.average.count == own.count else { return own }
        let correction = 1 / (1 - Float(Foundation.pow(Double(decay), Double(state.count))))
        return state.average.map { $0 * correction }
    }

    public var usesValidationLoss: Bool { inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func averaging(_ inner: any Optimizer, decay: Float, start: Int) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer { Averaging(i, decay: decay, start: start) }
    return make(inner)
}
