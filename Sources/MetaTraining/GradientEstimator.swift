// Gradient estimators for truncated unrolls (docs/architecture.md §3): how one slot's antithetic pair of
// truncations (θ+ε and θ−ε from the same inner state, with the same batches) becomes the slot's term of
// ĝ, and what inner state the slot keeps for its next truncation. `MetaTrainer` runs the truncations
// and reduces the terms in slot order; the estimator owns the per-slot state between them.

import MetaCore

/// One side of a slot's truncation: the mean capped, normalized meta-loss over its inner steps and the
/// inner run where it ended.
public struct Truncation: Sendable {
    public var loss: Float
    public var inner: InnerRunState
    /// Inner steps taken.
    public var steps: Int

    public init(loss: Float, inner: InnerRunState, steps: Int) {
        self.loss = loss
        self.inner = inner
        self.steps = steps
    }
}

/// Turns antithetic truncations into an estimate of the meta-gradient.
///
/// For slot i with perturbation ε_i the term is (L⁺_i − L⁻_i)/(2σ²) · d_i, where `absorb` returns d_i;
/// `MetaTrainer` averages the terms over slots.
public protocol GradientEstimator: Sendable {
    /// The config's name for it.
    var kind: GradientEstimatorKind { get }
    /// The inner runs a slot keeps between truncations.
    var innerRunsPerSlot: Int { get }
    /// Where side `side` (0: θ+ε, 1: θ−ε) of the slot's next truncation starts (nil: the episode's
    /// initialization).
    func start(of slot: SlotState, side: Int) -> InnerRunState?
    /// Records the pair's outcome in the slot (its inner runs and anything else the estimator keeps) and
    /// returns d_i.
    func absorb(_ slot: inout SlotState, epsilon: [Float], plus: Truncation, minus: Truncation) -> [Float]
}

/// Antithetic truncated ES: both sides start from the slot's one inner run, which continues from the
/// θ+ε side; d_i = ε_i (biased by the truncation: it ignores ε's effect on earlier truncations).
public struct AntitheticES: GradientEstimator {
    public init() {}
    public var kind: GradientEstimatorKind { .es }
    public var innerRunsPerSlot: Int { 1 }
    public func start(of slot: SlotState, side: Int) -> InnerRunState? { slot.inner.first }
    public func absorb(_ slot: inout SlotState, epsilon: [Float], plus: Truncation, minus: Truncation) -> [Float] {
        slot.inner = [plus.inner]
        return epsilon
    }
}

/// Persistent ES (Vicol et al. 2021): each side continues its own inner run across the episode's
/// truncations, and d_i = a_i, the sum of the episode's perturbations so far (ε_i included); a_i is reset
/// when a new episode starts. Unbiased over the whole episode.
public struct PersistentES: GradientEstimator {
    public init() {}
    public var kind: GradientEstimatorKind { .pes }
    public var innerRunsPerSlot: Int { 2 }
    public func start(of slot: SlotState, side: Int) -> InnerRunState? { slot.inner.isEmpty ? nil : slot.inner[side] }
    public func absorb(_ slot: inout SlotState, epsilon: [Float], plus: Truncation, minus: Truncation) -> [Float] {
        if slot.accumulator.isEmpty { slot.accumulator = [Float](repeating: 0, count: epsilon.count) }
        for j in epsilon.indices { slot.accumulator[j] += epsilon[j] }
        slot.inner = [plus.inner, minus.inner]
        return slot.accumulator
    }
}

extension GradientEstimatorKind {
    /// The estimator this name stands for.
    public var estimator: any GradientEstimator {
        switch self {
        case .es: return AntitheticES()
        case .pes: return PersistentES()
        }
    }
}
