// Lion's sign update as a block (optax's scale_by_lion, with its decoupled weight decay fused),
// vectorized in mt_opt_lion.

import CKernels
import MetaCore

/// Lion's single moment.
public struct ScaleByLionState: Codable, Sendable, Equatable {
    public var mu: [Float]
}

/// The sign of an interpolated momentum: Lion (Chen et al. 2023, "Symbolic Discovery of
/// Optimization Algorithms", arXiv 2302.06675), optax's `scale_by_lion` + `add_decayed_weights`:
///
///     c = β₁·m + (1−β₁)·g
///     u = scale · (sign(c) + λ·p)
///     m ← β₂·m + (1−β₂)·g
///
/// with β₁ = `beta1`, β₂ = `beta2`, λ = `weightDecay`; `lion` uses `scale = −lr`.
public struct ScaleByLion: Optimizer {
    public typealias State = ScaleByLionState

    public var beta1: Float
    public var beta2: Float
    public var weightDecay: Float
    public var scale: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.99, weightDecay: Float = 0, scale: Float = 1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.weightDecay = weightDecay
        self.scale = scale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(mu: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.mu.count, "ScaleByLion: \(updates.count) updates for a state of \(state.mu.count)")
        guard !updates.isEmpty else { return }
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.mu.withUnsafeMutableBufferPointer { m in
                parameters.withUnsafeBufferPointer { p in
                    mt_opt_lion(n, u.baseAddress!, weightDecay == 0 ? nil : p.baseAddress!, m.baseAddress!, beta1, beta2, weightDecay, scale)
                }
            }
        }
    }
}
