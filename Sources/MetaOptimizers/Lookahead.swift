// Lookahead around any optimizer: fast weights explore, slow weights follow them every k steps.

import MetaCore

/// Lookahead's state: the inner optimizer's, the slow weights, and the steps since the last sync.
public struct LookaheadState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// φ, the slow weights (what the optimizer reports for evaluation).
    public var slow: [Float]
    public var stepsSinceSync: Int
}

/// Lookahead (Zhang, Lucas, Hinton & Ba 2019, arXiv 1907.08610), optax's `lookahead` without state
/// reset. The caller's parameters are the *fast* weights θ (gradients are taken there); the slow
/// weights φ live in the state, starting equal to the initial parameters:
///
///     θ' = θ + inner(g)                                  every step
///     every k-th step (stepsSinceSync = k−1):  φ ← φ + α·(θ' − φ);  θ' ← φ
///     u = θ' − θ                                         (the update the protocol adds)
///
/// with k = `syncPeriod`, α = `slowStepSize`. optax's user holds both (`LookaheadParams(fast,
/// slow)`); here the user holds θ and `evaluationParameters` returns φ, the weights to evaluate and
/// the ones optax's trajectory stores. After a sync step θ = φ. The inner optimizer sees the global
/// step count (optax's inner count also advances every step).
public struct Lookahead<Inner: Optimizer>: Optimizer {
    public typealias State = LookaheadState<Inner.State>

    public var inner: Inner
    public var syncPeriod: Int
    public var slowStepSize: Float

    public init(_ inner: Inner, syncPeriod: Int = 5, slowStepSize: Float = 0.5) {
        precondition(syncPeriod >= 1, "Lookahead: syncPeriod must be at least 1")
        self.inner = inner
        self.syncPeriod = syncPeriod
        self.slowStepSize = slowStepSize
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(inner: inner.initialState(parameters: parameters, layout: layout), slow: parameters, stepsSinceSync: 0)
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.slow.count, "Lookahead: \(updates.count) updates for a state of \(state.slow.count)")
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
        if state.stepsSinceSync == syncPeriod - 1 {
            let alpha = slowStepSize
            updates.withUnsafeMutableBufferPointer { u in
                state.slow.withUnsafeMutableBufferPointer { s in
                    parameters.withUnsafeBufferPointer { p in
                        for i in 0..<u.count {
                            let difference = p[i] + u[i] - s[i]   // θ' − φ
                            s[i] += alpha * difference
                            u[i] -= (1 - alpha) * difference      // θ + u = φ_new
                        }
                    }
                }
            }
        }
        state.stepsSinceSync = (state.stepsSinceSync + 1) % syncPeriod
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] { state.slow }

    public var usesValidationLoss: Bool { inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func lookahead(_ inner: any Optimizer, syncPeriod: Int, slowStepSize: Float) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer { Lookahead(i, syncPeriod: syncPeriod, slowStepSize: slowStepSize) }
    return make(inner)
}
