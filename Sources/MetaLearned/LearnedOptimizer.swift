// Learned optimizers: an update rule with meta-parameters θ (one flat vector with a layout), which
// for any θ yields an ordinary `Optimizer` (learned_optimization's `LearnedOptimizer.opt_fn(θ)`).
// Meta-training perturbs θ; checkpoints store θ with the architecture that reads it.

import MetaCore
import MetaOptimizers

/// An update rule with meta-parameters.
public protocol LearnedOptimizer: Sendable {
    /// The architecture and its widths: enough to rebuild this learned optimizer (stored in checkpoints).
    var architecture: LearnedOptimizerArchitecture { get }
    /// Named tensors of θ.
    var metaLayout: ParameterLayout { get }
    /// θ at initialization (drawn with the key).
    func initialMetaParameters(key: RandomKey) -> [Float]
    /// The inner optimizer that these meta-parameters define.
    func optimizer(metaParameters: [Float]) -> any Optimizer
}

/// Which learned optimizer, with its sizes. PLACEHOLDER cases: the learned-optimizer work fills this in
/// (the hierarchical LSTM_FF, the per-parameter MLP, learnable Adam) and `make()`.
public enum LearnedOptimizerArchitecture: Codable, Hashable, Sendable {
    /// Adam whose log learning rate and betas are meta-parameters.
    case learnableAdam

    /// Builds the learned optimizer.
    public func make() -> any LearnedOptimizer {
        switch self {
        case .learnableAdam: fatalError("PLACEHOLDER")
        }
    }
}

/// Bumped whenever the features a learned optimizer computes change meaning, so an old checkpoint is
/// never read with new features.
public let featureSpecVersion = 1
