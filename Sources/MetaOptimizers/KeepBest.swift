// Early stopping with the best weights restored, around any optimizer: the run goes on, but the weights
// it reports are those at which a smoothed validation loss was lowest.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's, the smoothed monitored loss, and the best weights so far.
public struct KeepBestState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// Un-corrected exponential moving average of the monitored loss, and the losses folded in.
    public var average: Double
    public var count: Int
    /// The lowest bias-corrected average so far, and the observation (1-based) at which it was reached.
    public var best: Double
    public var bestCount: Int
    /// The latest bias-corrected average.
    public var latest: Double
    /// The iterate whose loss made `best` (empty until one has been kept).
    public var bestParameters: [Float]
}

/// Keras's `EarlyStopping(restore_best_weights=True)` without the stop, applied per step to a smoothed loss:
/// each step folds the monitored loss of the current iterate θ_t (the validation-batch loss
/// `StepContext.validationLoss` with `monitor = .validation`, else the training loss) into an exponential
/// moving average with decay `smoothing` (bias-corrected, as `Plateau` does). When the average is the lowest
/// so far (after the first `start` observations), θ_t is kept. The updates are the inner optimizer's,
/// unchanged; `evaluationParameters` returns the kept weights, or the iterate itself while the latest
/// average is the best or within `tolerance` (relative) of it (so a run that keeps improving reports its
/// last weights). The validation losses the
/// caller feeds are measured at the iterate (`monitoredParameters`), never at the kept copy. A non-finite
/// loss is skipped.
public struct KeepBest<Inner: Optimizer>: Optimizer {
    public typealias State = KeepBestState<Inner.State>

    public var inner: Inner
    public var monitor: PlateauMonitor
    public var smoothing: Double
    public var start: Int
    /// The kept copy is reported only while the latest average is more than `tolerance` (relative) above the
    /// best; within it, the iterate is (a noisy average a hair above its best says nothing).
    public var tolerance: Double

    public init(_ inner: Inner, monitor: PlateauMonitor = .validation, smoothing: Double = 0.9, start: Int = 0, tolerance: Double = 0) {
        precondition(smoothing >= 0 && smoothing < 1 && start >= 0 && tolerance >= 0, "KeepBest: bad settings")
        self.inner = inner
        self.monitor = monitor
        self.smoothing = smoothing
        self.start = start
        self.tolerance = tolerance
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), average: 0, count: 0, best: 0, bestCount: 0,
              latest: 0, bestParameters: [])
    }

    /// Folds the loss of `iterate` into the average; keeps `iterate` when the average is the lowest so far.
    public func observe(_ loss: Double, iterate: [Float], state: inout State) {
        guard loss.isFinite else { return }
        state.count += 1
        state.average = smoothing * state.average + (1 - smoothing) * loss
        let corrected = state.average / (1 - Foundation.pow(smoothing, Double(state.count)))
        state.latest = corrected
        guard state.count > start else { return }
        if state.bestCount == 0 || corrected < state.best {
            state.best = corrected
            state.bestCount = state.count
            state.bestParameters = iterate
        }
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let monitored = monitor == .validation ? context.validationLoss : context.loss
        if let loss = monitored {
            observe(Double(loss), iterate: inner.evaluationParameters(parameters, state: state.inner), state: &state)
        }
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        let own = inner.evaluationParameters(parameters, state: state.inner)
        guard state.bestCount > 0, state.bestCount < state.count, state.bestParameters.count == own.count,
              state.latest > state.best + tolerance * abs(state.best) else { return own }
        return state.bestParameters
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.monitoredParameters(parameters, state: state.inner)
    }

    public var usesValidationLoss: Bool { monitor == .validation || inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func keepBest(_ inner: any Optimizer, monitor: PlateauMonitor, smoothing: Double, start: Int, tolerance: Double = 0) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer { KeepBest(i, monitor: monitor, smoothing: smoothing, start: start, tolerance: tolerance) }
    return make(inner)
}
