// Adam's rescaling as a block (optax's scale_by_adam), with an optional fused tail so that `adam` and
// `adamw` are one vectorized pass (mt_opt_adam), and optax's Nesterov form (`nadamw`).

import CKernels
import Foundation
import MetaCore

/// Adam's moments: `mu` (first) and `nu` (second), one per parameter.
public struct ScaleByAdamState: Codable, Sendable, Equatable {
    public var mu: [Float]
    public var nu: [Float]
}

/// Rescales by Adam's bias-corrected moments (Kingma & Ba 2015, arXiv 1412.6980), optax's
/// `scale_by_adam` with ε outside the square root:
///
///     m ← β₁·m + (1−β₁)·g          v ← β₂·v + (1−β₂)·g²          t = context.step + 1
///     m̂ = m / (1−β₁ᵗ)              v̂ = v / (1−β₂ᵗ)
///     u = scale · (m̂ / (√v̂ + ε) + λ·p)
///
/// with β₁ = `beta1`, β₂ = `beta2`, ε = `epsilon`. The fused tail (`weightDecay` λ and `scale`)
/// equals `Chain(ScaleByAdam(…), Chain(AddDecayedWeights(λ), Scale(scale)))`: `adam` is
/// `scale = −lr, λ = 0`, AdamW (Loshchilov & Hutter 2019, arXiv 1711.05101) is `scale = −lr, λ > 0`
/// (decoupled decay: p ← p − lr·(adam + λ·p)).
///
/// With `nesterov` (Dozat 2016, "Incorporating Nesterov Momentum into Adam", ICLR workshop; optax's
/// `scale_by_adam(nesterov=True)`), m̂ looks one step ahead:
///
///     m̂ = β₁·m / (1−β₁ᵗ⁺¹) + (1−β₁)·g / (1−β₁ᵗ)
///
/// and the rest is unchanged (v̂ without Dozat's extra β₂ factor, as optax and PyTorch omit it);
/// with λ > 0 that is optax's `nadamw`, AlgoPerf's baseline.
public struct ScaleByAdam: Optimizer {
    public typealias State = ScaleByAdamState

    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var scale: Float
    public var nesterov: Bool

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, scale: Float = 1,
                nesterov: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.scale = scale
        self.nesterov = nesterov
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(mu: [Float](repeating: 0, count: parameters.count), nu: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.mu.count, "ScaleByAdam: \(updates.count) updates for a state of \(state.mu.count)")
        guard !updates.isEmpty else { return }
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.mu.withUnsafeMutableBufferPointer { m in
                state.nu.withUnsafeMutableBufferPointer { v in
                    parameters.withUnsafeBufferPointer { p in
                        Self.update(count: n, u.baseAddress!, parameters: p.baseAddress!, mu: m.baseAddress!, nu: v.baseAddress!,
                                    beta1: beta1, beta2: beta2, epsilon: epsilon, step: context.step, nesterov: nesterov,
                                    weightDecay: weightDecay, scale: scale)
                    }
                }
            }
        }
    }

    /// The rule on `count` elements in place (`u` holds the gradient on entry), at `step` updates
    /// already applied: Muon's Adam branch runs it tensor by tensor.
    static func update(count n: Int, _ u: UnsafeMutablePointer<Float>, parameters p: UnsafePointer<Float>,
                       mu m: UnsafeMutablePointer<Float>, nu v: UnsafeMutablePointer<Float>,
                       beta1: Float, beta2: Float, epsilon: Float, step: Int, nesterov: Bool, weightDecay: Float, scale: Float) {
        let t = Double(step + 1)
        let c1 = Float(1 - Foundation.pow(Double(beta1), t))
        let c2 = Float(1 - Foundation.pow(Double(beta2), t))
        guard nesterov else {
            mt_opt_adam(n, u, weightDecay == 0 ? nil : p, m, v, beta1, beta2, epsilon, c1, c2, weightDecay, scale)
            return
        }
        // optax's order of operations: each term bias-corrected by a division, then combined.
        let next = Float(1 - Foundation.pow(Double(beta1), t + 1))
        for i in 0..<n {
            let g = u[i]
            let mi = (1 - beta1) * g + beta1 * m[i]
            let vi = (1 - beta2) * (g * g) + beta2 * v[i]
            m[i] = mi
            v[i] = vi
            let mHat = beta1 * (mi / next) + (1 - beta1) * (g / c1)
            let adam = mHat / ((vi / c2).squareRoot() + epsilon)
            u[i] = scale * (weightDecay == 0 ? adam : adam + weightDecay * p[i])
        }
    }

    /// One fused pass that updates the moments and the parameters in place (same result as
    /// `update` followed by the add).
    public func step(_ parameters: inout [Float], gradient: inout [Float], state: inout State, context: StepContext) {
        precondition(gradient.count == state.mu.count && parameters.count == gradient.count,
                     "ScaleByAdam: \(gradient.count) gradients for a state of \(state.mu.count)")
        guard !gradient.isEmpty else { return }
        if nesterov {
            update(&gradient, state: &state, parameters: parameters, context: context)
            Kernels.axpy(1, gradient, &parameters)
            return
        }
        let t = Double(context.step + 1)
        let c1 = Float(1 - Foundation.pow(Double(beta1), t))
        let c2 = Float(1 - Foundation.pow(Double(beta2), t))
        let n = gradient.count
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                state.mu.withUnsafeMutableBufferPointer { m in
                    state.nu.withUnsafeMutableBufferPointer { v in
                        mt_opt_adam_apply(n, p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!,
                                          beta1, beta2, epsilon, c1, c2, weightDecay, scale)
                    }
                }
            }
        }
    }
}
