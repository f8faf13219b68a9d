// Mechanic around any optimizer: a learned scale on the sum of the inner optimizer's updates, tuned
// online by a parameter-free one-dimensional learner.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's, the starting point x₀ and the tuner's per-β accumulators.
public struct MechanicState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// Updates applied so far (x₀ is taken from the parameters of the first).
    public var count: Int
    /// x₀, the parameters at the first update (empty before it).
    public var start: [Float]
    /// One entry per β: wealth r, maximum |h| m, second moment v, and the scale s.
    public var r: [Double]
    public var m: [Double]
    public var v: [Double]
    public var s: [Double]

    /// The scale applied to the summed inner updates, Σ s.
    public var scale: Double { s.reduce(0, +) }
}

/// Mechanic (Cutkosky, Defazio & Mehta 2023, "Mechanic: A Learning Rate Tuner", arXiv 2306.00144),
/// optax's `contrib.mechanize`: the parameters are x_t = x₀ − S_t·Δ_t, where Δ_t is the sum of the
/// inner optimizer's descent steps (the negated updates it returns) and S_t = Σ_β s_β is learned by
/// one scale-free online learner per β ∈ {1 − 10⁻¹, …, 1 − 10^−numBetas}. Each step, with the
/// gradient g and Δ_{t−1} = (x₀ − x_t)/(S + ε):
///
///     g̃ = g + λ·S·‖g‖/(‖x‖ + ε)·x                       (Mechanic's own weight decay, on g only)
///     h = ⟨g̃, Δ_{t−1}⟩,   Δ_t = Δ_{t−1} − inner(g)
///     m ← max(β·m, |h| + ε),   v ← β²·v + h²,   r ← β·r + clamp(h, −m_old, m_old)·s
///     s ← (s_init/numBetas·m + max(r, 0)) / (√v + ε)
///     x_{t+1} = x₀ − Σ s · Δ_t
///
/// S starts at numBetas·s_init and grows (roughly like exp(2√t)) while the gradient keeps agreeing with
/// the accumulated steps; it shrinks when they overshoot. The inner optimizer sees the raw gradient.
/// Scalars are kept in double precision (optax: float32), so trajectories agree to float32 rounding.
public struct Mechanic<Inner: Optimizer>: Optimizer {
    public typealias State = MechanicState<Inner.State>

    public var inner: Inner
    /// λ, Mechanic's weight decay on the gradient it feeds its tuner (not on the inner optimizer's).
    public var weightDecay: Double
    public var epsilon: Double
    /// s_init, the starting scale of each β's learner.
    public var initialScale: Double
    public var betaCount: Int

    public init(_ inner: Inner, weightDecay: Double = 1e-2, epsilon: Double = 1e-8, initialScale: Double = 1e-6, betaCount: Int = 6) {
        precondition(weightDecay >= 0 && epsilon >= 0 && initialScale > 0 && betaCount >= 1, "Mechanic: bad settings")
        self.inner = inner
        self.weightDecay = weightDecay
        self.epsilon = epsilon
        self.initialScale = initialScale
        self.betaCount = betaCount
    }

    /// β_i = 1 − 10^−i, i = 1…betaCount.
    public var betas: [Double] { (1...betaCount).map { 1 - Foundation.pow(0.1, Double($0)) } }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), count: 0, start: [],
              r: Array(repeating: 0, count: betaCount), m: Array(repeating: 0, count: betaCount),
              v: Array(repeating: 0, count: betaCount), s: Array(repeating: initialScale, count: betaCount))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let n = updates.count
        precondition(parameters.count == n, "Mechanic: \(n) updates for \(parameters.count) parameters")
        if state.count == 0 || state.start.count != n { state.start = parameters }
        let total = state.scale
        let divisor = total + epsilon

        // h = ⟨g + c·x, Δ_{t−1}⟩ with c = λ·S·‖g‖/(‖x‖ + ε), Δ_{t−1} = (x₀ − x)/(S + ε), from the raw gradient.
        var gg = 0.0, xx = 0.0, gd = 0.0, xd = 0.0
        updates.withUnsafeBufferPointer { g in
            parameters.withUnsafeBufferPointer { x in
                state.start.withUnsafeBufferPointer { x0 in
                    for i in 0..<n {
                        let gi = Double(g[i]), xi = Double(x[i])
                        let d = (Double(x0[i]) - xi) / divisor
                        gg += gi * gi; xx += xi * xi; gd += gi * d; xd += xi * d
                    }
                }
            }
        }
        let c = weightDecay * total * gg.squareRoot() / (xx.squareRoot() + epsilon)
        let h = gd + c * xd

        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)

        let betas = self.betas
        for k in 0..<betaCount {
            let b = betas[k]
            let clipped = min(max(h, -state.m[k]), state.m[k])
            state.m[k] = max(b * state.m[k], abs(h) + epsilon)
            state.v[k] = b * b * state.v[k] + h * h
            state.r[k] = b * state.r[k] + clipped * state.s[k]
            let wealth = initialScale / Double(betaCount) * state.m[k] + max(state.r[k], 0)
            state.s[k] = wealth / (state.v[k].squareRoot() + epsilon)
        }
        let newTotal = state.scale

        // x_{t+1} = x₀ − S'·(Δ_{t−1} − u); the update the protocol adds is x_{t+1} − x_t.
        updates.withUnsafeMutableBufferPointer { u in
            parameters.withUnsafeBufferPointer { x in
                state.start.withUnsafeBufferPointer { x0 in
                    for i in 0..<n {
                        let start = Double(x0[i]), xi = Double(x[i])
                        let delta = (start - xi) / divisor - Double(u[i])
                        u[i] = Float(start - newTotal * delta - xi)
                    }
                }
            }
        }
        state.count += 1
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.evaluationParameters(parameters, state: state.inner)
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.monitoredParameters(parameters, state: state.inner)
    }

    public var usesValidationLoss: Bool { inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func mechanize(_ inner: any Optimizer, weightDecay: Double, epsilon: Double, initialScale: Double, betaCount: Int) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer {
        Mechanic(i, weightDecay: weightDecay, epsilon: epsilon, initialScale: initialScale, betaCount: betaCount)
    }
    return make(inner)
}
