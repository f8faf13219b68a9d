// Heavy-ball and Nesterov momentum as a block (optax's trace), vectorized in mt_opt_trace.

import CKernels
import MetaCore

/// The momentum buffer.
public struct TraceState: Codable, Sendable, Equatable {
    public var trace: [Float]
}

/// Momentum without dampening (Polyak 1964; Nesterov form as in Sutskever et al. 2013, ICML),
/// optax's `trace` (PyTorch's SGD momentum):
///
///     τ ← g + μ·τ,   τ₀ = 0
///     u = scale · τ               (heavy ball)
///     u = scale · (g + μ·τ)       (nesterov)
///
/// with μ = `decay`; `scale` (−lr for `momentum`/`nesterov`) fuses the learning rate.
public struct Trace: Optimizer {
    public typealias State = TraceState

    public var decay: Float
    public var nesterov: Bool
    public var scale: Float

    public init(decay: Float = 0.9, nesterov: Bool = false, scale: Float = 1) {
        self.decay = decay
        self.nesterov = nesterov
        self.scale = scale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(trace: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.trace.count, "Trace: \(updates.count) updates for a state of \(state.trace.count)")
        guard !updates.isEmpty else { return }
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.trace.withUnsafeMutableBufferPointer { t in
                mt_opt_trace(n, u.baseAddress!, t.baseAddress!, decay, nesterov ? 1 : 0, scale)
            }
        }
    }
}
