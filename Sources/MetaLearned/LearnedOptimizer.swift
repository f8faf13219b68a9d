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

/// Which learned optimizer, with its sizes (stored in checkpoints beside θ).
public enum LearnedOptimizerArchitecture: Codable, Hashable, Sendable {
    /// The hierarchical LSTM + per-parameter MLP of Metz et al. 2020 (`LSTMFFOptimizer`).
    case lstmFF(LSTMFFConfig)
    /// The per-parameter MLP without the LSTM, Metz et al. 2019 (`PerParameterMLPOptimizer`).
    case perParameterMLP(PerParameterMLPConfig)
    /// Adam whose log learning rate, betas (as logits) and log ε are meta-parameters (`LearnableAdam`).
    case learnableAdam(LearnableAdamConfig)

    /// Short name for files, flags and reports.
    public var name: String {
        switch self {
        case .lstmFF: return "lstm_ff"
        case .perParameterMLP: return "perparam_mlp"
        case .learnableAdam: return "learnable_adam"
        }
    }

    /// Each architecture with its default sizes, by `name`.
    public static let defaults: [LearnedOptimizerArchitecture] = [
        .lstmFF(LSTMFFConfig()), .perParameterMLP(PerParameterMLPConfig()), .learnableAdam(LearnableAdamConfig()),
    ]

    /// The default sizes of each architecture (`.lstmFF` reads as `.lstmFF(LSTMFFConfig())`).
    public static var lstmFF: LearnedOptimizerArchitecture { .lstmFF(LSTMFFConfig()) }
    public static var perParameterMLP: LearnedOptimizerArchitecture { .perParameterMLP(PerParameterMLPConfig()) }
    public static var learnableAdam: LearnedOptimizerArchitecture { .learnableAdam(LearnableAdamConfig()) }

    /// The architecture with this `name` and default sizes.
    public static func named(_ name: String) throws -> LearnedOptimizerArchitecture {
        guard let architecture = defaults.first(where: { $0.name == name }) else {
            throw SpecError("learned optimizer '\(name)'", "unknown; valid names: \(defaults.map(\.name).joined(separator: ", "))")
        }
        return architecture
    }

    private enum CodingKeys: String, CodingKey { case name, config }

    /// JSON `{"name": "lstm_ff", "config": {...}}`; config keys left out take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        switch name {
        case "lstm_ff": self = .lstmFF(try c.decodeIfPresent(LSTMFFConfig.self, forKey: .config) ?? LSTMFFConfig())
        case "perparam_mlp":
            self = .perParameterMLP(try c.decodeIfPresent(PerParameterMLPConfig.self, forKey: .config) ?? PerParameterMLPConfig())
        case "learnable_adam":
            self = .learnableAdam(try c.decodeIfPresent(LearnableAdamConfig.self, forKey: .config) ?? LearnableAdamConfig())
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: c,
                debugDescription: "unknown learned optimizer '\(name)'; valid names: \(Self.defaults.map(\.name).joined(separator: ", "))")
        }
        do { try validate() } catch let p as ArchitectureProblem {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: c.codingPath + [CodingKeys.config, AnyCodingKey(p.key)], debugDescription: p.message))
        }
    }

    /// A coding key for error paths (`mlpHidden[1]` reads as one key).
    struct AnyCodingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        switch self {
        case .lstmFF(let config): try c.encode(config, forKey: .config)
        case .perParameterMLP(let config): try c.encode(config, forKey: .config)
        case .learnableAdam(let config): try c.encode(config, forKey: .config)
        }
    }

    /// Builds the learned optimizer.
    public func make() -> any LearnedOptimizer {
        switch self {
        case .lstmFF(let config): return LSTMFFOptimizer(config: config)
        case .perParameterMLP(let config): return PerParameterMLPOptimizer(config: config)
        case .learnableAdam(let config): return LearnableAdam(config: config)
        }
    }
}

/// Bumped whenever the features a learned optimizer computes change meaning, so an old checkpoint is
/// never read with new features.
public let featureSpecVersion = 1
