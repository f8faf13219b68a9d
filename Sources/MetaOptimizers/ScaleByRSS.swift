// Adagrad's rescaling as a block (optax's scale_by_rss), vectorized in mt_opt_rss.

import CKernels
import MetaCore

/// Adagrad's sum of squared gradients.
public struct ScaleByRSSState: Codable, Sendable, Equatable {
    public var sumOfSquares: [Float]
}

/// Rescales by the root of the summed squared gradients: Adagrad (Duchi, Hazan & Singer 2011,
/// JMLR 12), optax's `scale_by_rss` with ε inside the square root:
///
///     s ← s + g²,   s₀ = `initialAccumulatorValue`
///     u = scale · g / √(s + ε)   where s > 0, else 0
///
/// `scale` (−lr for `adagrad`) fuses the learning rate.
public struct ScaleByRSS: Optimizer {
    public typealias State = ScaleByRSSState

    public var initialAccumulatorValue: Float
    public var epsilon: Float
    public var scale: Float

    public init(initialAccumulatorValue: Float = 0.1, epsilon: Float = 1e-7, scale: Float = 1) {
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
        self.scale = scale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(sumOfSquares: [Float](repeating: initialAccumulatorValue, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.sumOfSquares.count, "ScaleByRSS: \(updates.count) updates for a state of \(state.sumOfSquares.count)")
        guard !updates.isEmpty else { return }
        let n = updates.count
        updates.withUnsafeMutableBufferPointer { u in
            state.sumOfSquares.withUnsafeMutableBufferPointer { s in
                mt_opt_rss(n, u.baseAddress!, s.baseAddress!, epsilon, scale)
            }
        }
    }
}
