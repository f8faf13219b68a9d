// ReduceLROnPlateau around any optimizer: the update is multiplied by a factor that shrinks whenever a
// smoothed loss stops improving.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's and the plateau bookkeeping.
public struct PlateauState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// Un-corrected exponential moving average of the monitored loss, and the losses folded in.
    public var average: Double
    public var count: Int
    /// The best bias-corrected average so far (meaningless while `count` is 0).
    public var best: Double
    /// Steps since the average last improved on `best` by more than the threshold.
    public var badSteps: Int
    /// The multiplier on the inner update (starts at 1).
    public var scale: Float
    /// Reductions so far.
    public var reductions: Int
}

/// Which loss `Plateau` watches.
public enum PlateauMonitor: String, Codable, Sendable, CaseIterable { case training = "train", validation }

/// PyTorch's `ReduceLROnPlateau` (mode "min", relative threshold) applied per step to a smoothed loss,
/// optax's `contrib.reduce_on_plateau` in spirit: each step folds the monitored loss (the validation-batch
/// loss `StepContext.validationLoss` with `monitor = .validation`, else the training loss) into an
/// exponential moving average with decay `smoothing` (bias-corrected). When the average has not gone below
/// `best − threshold·|best|` for more than `patience` steps, scale ← max(scale·factor, minimumScale) and the
/// count restarts. With `rise` > 0 only a rise counts: a step whose average exceeds `best + rise·|best|`
/// (a flat stretch, e.g. before a network breaks symmetry, then never reduces the scale). The update is scale·inner(g). A non-finite loss is skipped.
public struct Plateau<Inner: Optimizer>: Optimizer {
    public typealias State = PlateauState<Inner.State>

    public var inner: Inner
    public var monitor: PlateauMonitor
    public var factor: Float
    public var patience: Int
    public var threshold: Double
    public var smoothing: Double
    /// 0: PyTorch's rule (a step without improvement counts). > 0: only a step whose average is more than
    /// `rise` (relative) above the best counts, so a flat stretch never reduces the scale, a rise does.
    public var rise: Double
    public var minimumScale: Float

    public init(_ inner: Inner, monitor: PlateauMonitor = .validation, factor: Float = 0.5, patience: Int = 20, threshold: Double = 1e-3,
                smoothing: Double = 0.9, rise: Double = 0, minimumScale: Float = 1e-3) {
        precondition(factor > 0 && factor < 1 && patience >= 0 && threshold >= 0 && smoothing >= 0 && smoothing < 1
                     && rise >= 0 && minimumScale > 0 && minimumScale <= 1, "Plateau: bad settings")
        self.inner = inner
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.smoothing = smoothing
        self.rise = rise
        self.minimumScale = minimumScale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), average: 0, count: 0, best: 0,
              badSteps: 0, scale: 1, reductions: 0)
    }

    /// Folds one loss into the state and reduces the scale when the plateau has lasted long enough.
    public func observe(_ loss: Double, state: inout State) {
        guard loss.isFinite else { return }
        state.count += 1
        state.average = smoothing * state.average + (1 - smoothing) * loss
        let corrected = state.average / (1 - Foundation.pow(smoothing, Double(state.count)))
        if state.count == 1 || corrected < state.best - (rise > 0 ? 0 : threshold) * abs(state.best) {
            state.best = corrected
            state.badSteps = 0
        } else if rise == 0 || corrected > state.best + rise * abs(state.best) {
            state.badSteps += 1
            if state.badSteps > patience {
                state.scale = max(state.scale * factor, minimumScale)
                state.reductions += 1
                state.badSteps = 0
            }
        }
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let monitored = monitor == .validation ? context.validationLoss : context.loss
        if let loss = monitored { observe(Double(loss), state: &state) }
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
        if state.scale != 1 {
            let s = state.scale
            updates.withUnsafeMutableBufferPointer { u in for i in 0..<u.count { u[i] *= s } }
        }
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.evaluationParameters(parameters, state: state.inner)
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.monitoredParameters(parameters, state: state.inner)
    }

    public var usesValidationLoss: Bool { monitor == .validation || inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func plateau(_ inner: any Optimizer, monitor: PlateauMonitor, factor: Float, patience: Int, threshold: Double,
                    smoothing: Double, rise: Double, minimumScale: Float) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer {
        Plateau(i, monitor: monitor, factor: factor, patience: patience,
                threshold: threshold, smoothing: smoothing, rise: rise, minimumScale: minimumScale)
    }
    return make(inner)
}
