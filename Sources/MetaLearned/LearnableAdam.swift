// Adam whose hyperparameters are the meta-parameters: the cheapest learned optimizer, a baseline for
// meta-training (does the outer loop at least find a good learning rate?).

import Foundation
import MetaCore
import MetaOptimizers

/// Initial hyperparameters of learnable Adam.
public struct LearnableAdamConfig: Codable, Hashable, Sendable {
    public var learningRate: Float = 1e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// θ = (log learning rate, logit β₁, logit β₂, log ε); the inner optimizer is `ScaleByAdam` with
/// `scale = −exp(θ₀)`, β = sigmoid(θ₁), sigmoid(θ₂), ε = exp(θ₃) (optax's adam).
public struct LearnableAdam: LearnedOptimizer {
    public let config: LearnableAdamConfig

    public init(config: LearnableAdamConfig = LearnableAdamConfig()) { self.config = config }

    public var architecture: LearnedOptimizerArchitecture { .learnableAdam(config) }

    public var metaLayout: ParameterLayout {
        ParameterLayout([("log_learning_rate", []), ("logit_beta1", []), ("logit_beta2", []), ("log_epsilon", [])])
    }

    /// The configured hyperparameters (the key is unused: θ starts deterministic).
    public func initialMetaParameters(key: RandomKey) -> [Float] {
        func logit(_ p: Float) -> Float { Float(Foundation.log(Double(p) / (1 - Double(p)))) }
        return [Float(Foundation.log(Double(config.learningRate))), logit(config.beta1), logit(config.beta2),
                Float(Foundation.log(Double(config.epsilon)))]
    }

    /// The hyperparameters θ stands for.
    public static func hyperparameters(_ θ: [Float]) -> (learningRate: Float, beta1: Float, beta2: Float, epsilon: Float) {
        precondition(θ.count == 4, "learnable Adam has 4 meta-parameters, got \(θ.count)")
        func sigmoid(_ x: Float) -> Float { Float(1 / (1 + Foundation.exp(-Double(x)))) }
        return (Float(Foundation.exp(Double(θ[0]))), sigmoid(θ[1]), sigmoid(θ[2]), Float(Foundation.exp(Double(θ[3]))))
    }

    public func optimizer(metaParameters: [Float]) -> any Optimizer {
        let h = LearnableAdam.hyperparameters(metaParameters)
        return ScaleByAdam(beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, scale: -h.learningRate)
    }
}

extension LearnableAdamConfig {
    private enum CodingKeys: String, CodingKey { case learningRate, beta1, beta2, epsilon }

    /// Keys left out take their defaults (a config file names only what it changes).
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let v = try c.decodeIfPresent(Float.self, forKey: .learningRate) { learningRate = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .beta1) { beta1 = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .beta2) { beta2 = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .epsilon) { epsilon = v }
    }
}
