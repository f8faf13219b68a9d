// AdaX's rescaling as a block (docs/architecture.md §6), vectorized in mt_opt_adax.

import CKernels
import Foundation
import MetaCore

/// AdaX's moments.
public struct ScaleByAdaXState: Codable, Sendable, Equatable {
    public var mu: [Float]
    public var nu: [Float]
}

/// AdaX (Li et al. 2020, "AdaX: Adaptive Gradient Descent with Exponential Long Term Memory",
/// arXiv 2004.09740): the second moment *grows* instead of forgetting, so it keeps a long memory.
///
///     m ← β₁·m + (1−β₁)·g                    (no bias correction)
///     v ← (1+β₂)·v + β₂·g²                   t = context.step + 1
///     u = scale · √((1+β₂)ᵗ − 1) · m / (√v + ε)
///
/// with β₁ = `beta1` (0.9), β₂ = `beta2` (1e-4), ε = `epsilon`; `adax` uses `scale = −lr`.
/// The paper writes v̂ = v / ((1+β₂)ᵗ − 1) and steps lr·m/(√v̂ + ε); that differs from the form
/// above only in where ε sits (ε·√((1+β₂)ᵗ−1) there), negligible unless v is ~0. We follow docs/architecture.md §6.
/// (1+β₂)ᵗ − 1 is computed as expm1(t·log1p(β₂)) in Double: with β₂ = 1e-4 the Float difference
/// would lose most of its digits.
public struct ScaleByAdaX: Optimizer {
    public typealias State = ScaleByAdaXState

    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var scale: Float

    public init(beta1: Float = 0.9, beta2: Float = 1e-4, epsilon: Float = 1e-8, scale: Float = 1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.scale = scale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(mu: [Float](repeating: 0, count: parameters.count), nu: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.mu.count, "ScaleByAdaX: \(updates.count) updates for a state of \(state.mu.count)")
        guard !updates.isEmpty else { return }
        let t = Double(context.step + 1)
        let growth = Foundation.expm1(t * Foundation.log1p(Double(beta2)))
        let factor = Float(Double(scale) * growth.squareRoot())
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.mu.withUnsafeMutableBufferPointer { m in
                state.nu.withUnsafeMutableBufferPointer { v in
                    mt_opt_adax(n, u.baseAddress!, m.baseAddress!, v.baseAddress!, beta1, beta2, epsilon, factor)
                }
            }
        }
    }
}
