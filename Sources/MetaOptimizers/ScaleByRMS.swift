// RMSProp's rescaling as a block (optax's scale_by_rms), vectorized in mt_opt_rms.

import CKernels
import MetaCore

/// RMSProp's running mean of squared gradients.
public struct ScaleByRMSState: Codable, Sendable, Equatable {
    public var nu: [Float]
}

/// Rescales by a running root mean square of the gradient (Tieleman & Hinton 2012, Lecture 6.5 of
/// "Neural Networks for Machine Learning"; optax's `scale_by_rms`, not centred, no bias correction):
///
///     v ← ρ·v + (1−ρ)·g²,   v₀ = `initialScale`
///     u = scale · g / (√v + ε)        (epsInSqrt = false: PyTorch's and the reference file's form)
///     u = scale · g / √(v + ε)        (epsInSqrt = true: optax's default)
///
/// with ρ = `decay`, ε = `epsilon`; `scale` (−lr for `rmsprop`) fuses the learning rate.
public struct ScaleByRMS: Optimizer {
    public typealias State = ScaleByRMSState

    public var decay: Float
    public var epsilon: Float
    public var epsInSqrt: Bool
    public var initialScale: Float
    public var scale: Float

    public init(decay: Float = 0.9, epsilon: Float = 1e-8, epsInSqrt: Bool = false, initialScale: Float = 0, scale: Float = 1) {
        self.decay = decay
        self.epsilon = epsilon
        self.epsInSqrt = epsInSqrt
        self.initialScale = initialScale
        self.scale = scale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(nu: [Float](repeating: initialScale, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.nu.count, "ScaleByRMS: \(updates.count) updates for a state of \(state.nu.count)")
        guard !updates.isEmpty else { return }
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.nu.withUnsafeMutableBufferPointer { v in
                mt_opt_rms(n, u.baseAddress!, v.baseAddress!, decay, epsilon, epsInSqrt ? 1 : 0, scale)
            }
        }
    }
}
