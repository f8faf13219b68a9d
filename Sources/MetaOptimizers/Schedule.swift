// Learning-rate schedules: a factor in [0, 1]-ish that multiplies the learning rate at each step.

import Foundation

/// A multiplier of the learning rate as a function of the step (`context.step`, updates already
/// applied, so the first update sees t = 0).
///
///     constant:        1
///     warmup(W):       min(1, (t+1)/W)                      linear warm-up, then constant
///     cosine(D, f):    f + (1−f)·½(1 + cos(π·min(t, D)/D))  from 1 at t = 0 to f at t ≥ D
///     warmupCosine(W, D, f): warm-up as above for t < W, then the cosine over the D − W steps after it
///
/// D (`decaySteps`) defaults to the run's `totalSteps`; with neither known the cosine stays at 1.
/// The warm-up reaches full rate on its W-th update ((t+1)/W, unlike optax's t/W, which makes the
/// first update zero).
public enum Schedule: Codable, Sendable, Hashable, CustomStringConvertible {
    case constant
    case warmup(steps: Int)
    case cosine(decaySteps: Int?, finalScale: Float)
    case warmupCosine(warmupSteps: Int, decaySteps: Int?, finalScale: Float)
    /// `warmupCosine` whose warm-up is a fraction of the run: W = max(1, round(fraction·totalSteps)) (1
    /// when the run length is unknown).
    case warmupFractionCosine(warmupFraction: Double, decaySteps: Int?, finalScale: Float)

    /// The factor for the update after `step` updates, in a run of `totalSteps` when known.
    public func factor(step: Int, totalSteps: Int?) -> Float {
        switch self {
        case .constant:
            return 1
        case .warmup(let w):
            return w <= 0 ? 1 : min(1, Float(step + 1) / Float(w))
        case .cosine(let d, let f):
            return Schedule.cosine(step: step, over: d ?? totalSteps, final: f)
        case .warmupCosine(let w, let d, let f):
            if step < w { return Float(step + 1) / Float(w) }
            return Schedule.cosine(step: step - w, over: (d ?? totalSteps).map { $0 - w }, final: f)
        case .warmupFractionCosine(let fraction, let d, let f):
            let w = max(1, Int((fraction * Double(totalSteps ?? 0)).rounded()))
            return Schedule.warmupCosine(warmupSteps: w, decaySteps: d, finalScale: f).factor(step: step, totalSteps: totalSteps)
        }
    }

    static func cosine(step: Int, over steps: Int?, final: Float) -> Float {
        guard let steps, steps > 0 else { return 1 }
        let progress = Double(min(step, steps)) / Double(steps)
        return Float(Double(final) + (1 - Double(final)) * 0.5 * (1 + Foundation.cos(Double.pi * progress)))
    }

    public var description: String {
        switch self {
        case .constant: return "constant"
        case .warmup(let w): return "warmup(\(w))"
        case .cosine(let d, let f): return "cosine(decay_steps: \(d.map(String.init) ?? "total"), final_scale: \(f))"
        case .warmupCosine(let w, let d, let f):
            return "warmup_cosine(warmup: \(w), decay_steps: \(d.map(String.init) ?? "total"), final_scale: \(f))"
        case .warmupFractionCosine(let w, let d, let f):
            return "warmup_cosine(warmup_fraction: \(w), decay_steps: \(d.map(String.init) ?? "total"), final_scale: \(f))"
        }
    }
}
