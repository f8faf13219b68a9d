// The per-parameter MLP learned optimizer without the LSTM (Metz et al. 2019, arXiv 1810.10180, "FF"):
// the same accumulators, normalized features and fused kernel as LSTM_FF, plus time features, and no
// per-tensor network. An ablation and a cheaper baseline.

import CKernels
import Foundation
import MetaCore
import MetaOptimizers

/// Sizes and constants of the per-parameter MLP optimizer.
public struct PerParameterMLPConfig: Codable, Hashable, Sendable {
    public var decays: [Float] = [0.5, 0.9, 0.99, 0.999, 0.9999]
    public var timeScales: [Double] = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5]
    /// The MLP's two hidden widths.
    public var mlpHidden: [Int] = [32, 32]
    public var featureClip: Float = 5
    public var stepExponent: Float = 0.001
    public var stepScale: Float = 0.001

    public init() {}

    /// The MLP's inputs: the normalized accumulator features, then the time features.
    public var mlpFeatures: FeatureSpec {
        PerParameterFeatures.normalized(decays: decays.count) + FeatureSpec([FeatureGroup("time", width: timeScales.count)])
    }

    /// Direction and magnitude.
    public var mlpOutputs: FeatureSpec {
        FeatureSpec([FeatureGroup("direction", width: 1), FeatureGroup("magnitude", width: 1)])
    }
}

/// The per-parameter MLP as a learned optimizer.
public struct PerParameterMLPOptimizer: LearnedOptimizer {
    public let config: PerParameterMLPConfig
    public var threads: Int

    public init(config: PerParameterMLPConfig = PerParameterMLPConfig(), threads: Int = 1) {
        precondition(config.decays.count <= Int(MT_LO_MAX_DECAYS) && !config.decays.isEmpty, "1...\(MT_LO_MAX_DECAYS) decays")
        precondition(config.mlpHidden.count == 2, "mlpHidden must list two widths")
        self.config = config
        self.threads = threads
    }

    public var architecture: LearnedOptimizerArchitecture { .perParameterMLP(config) }

    public var metaLayout: ParameterLayout {
        var layout = ParameterLayout()
        MLPWeights.append(to: &layout, prefix: "mlp", inputs: config.mlpFeatures.width, hidden: config.mlpHidden,
                          outputs: config.mlpOutputs.width)
        return layout
    }

    public func initialMetaParameters(key: RandomKey) -> [Float] { initialWeights(layout: metaLayout, key: key) }

    public func optimizer(metaParameters: [Float]) -> any Optimizer {
        PerParameterMLPInnerOptimizer(config: config, metaParameters: metaParameters, threads: threads)
    }
}

/// Accumulators and clipping state of the per-parameter MLP optimizer.
public struct PerParameterMLPState: Codable, Sendable, Equatable {
    public var step: Int
    /// Decay-major: `momenta[d * n + i]`.
    public var momenta: [Float]
    public var secondMoments: [Float]
    /// Running (decay 0.99, un-corrected) mean square of clipped gradients.
    public var gradientMeanSquare: Double
}

/// The inner optimizer: g clipped to ±10·RMS (NaN → 0), accumulators, features normalized per tensor
/// and clipped, time features sin(t/(τπ)); MLP → d, a; u = −d·exp(0.001·a)·0.001.
public struct PerParameterMLPInnerOptimizer: Optimizer {
    public typealias State = PerParameterMLPState

    public let config: PerParameterMLPConfig
    public let threads: Int
    let mlp: MLPWeights

    public init(config: PerParameterMLPConfig, metaParameters θ: [Float], threads: Int = 1) {
        let layout = PerParameterMLPOptimizer(config: config).metaLayout
        precondition(θ.count == layout.count, "FF: \(θ.count) meta-parameters for a layout of \(layout.count)")
        self.config = config
        self.threads = threads
        mlp = MLPWeights(metaParameters: θ, layout: layout, prefix: "mlp")
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        let size = config.decays.count * parameters.count
        return State(step: 0, momenta: [Float](repeating: 0, count: size), secondMoments: [Float](repeating: 0, count: size),
                     gradientMeanSquare: 0)
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let layout = context.layout
        let n = updates.count, d = config.decays.count
        precondition(layout.count == n && parameters.count == n && state.momenta.count == d * n,
                     "FF: \(n) updates, layout of \(layout.count), state for \(state.momenta.count / max(d, 1))")
        guard n > 0 else { state.step += 1; return }
        let chunks = Chunks(layout: layout)
        let clip = DynamicClip.threshold(meanSquare: state.gradientMeanSquare, updates: state.step)
        let stats = accumulatePass(gradient: &updates, parameters: parameters, momenta: &state.momenta,
                                   secondMoments: &state.secondMoments, decays: config.decays, clip: clip,
                                   layout: layout, chunks: chunks, threads: threads)
        state.gradientMeanSquare = DynamicClip.update(meanSquare: state.gradientMeanSquare,
                                                      clippedSquares: stats.reduce(0) { $0 + $1.gradientSquares }, count: n)
        let first = PerParameterFeatures.normalized(decays: d).width
        let bias = mlp.foldedBias(constants: timeFeatures(step: state.step, scales: config.timeScales), first: first)
        _ = mlpStepPass(updates: &updates, parameters: parameters, momenta: state.momenta, secondMoments: state.secondMoments,
                        decays: d, inverseNorms: stats.map(\.inverseNorms),
                        foldedBias: [[Float]](repeating: bias, count: layout.tensors.count), weights: mlp,
                        featureClip: config.featureClip, stepExponent: config.stepExponent, stepScale: config.stepScale,
                        chunks: chunks, tensorCount: layout.tensors.count, threads: threads)
        state.step += 1
    }
}

extension PerParameterMLPConfig {
    private enum CodingKeys: String, CodingKey { case decays, timeScales, mlpHidden, featureClip, stepExponent, stepScale }

    /// Keys left out take their defaults (a config file names only what it changes).
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let v = try c.decodeIfPresent([Float].self, forKey: .decays) { decays = v }
        if let v = try c.decodeIfPresent([Double].self, forKey: .timeScales) { timeScales = v }
        if let v = try c.decodeIfPresent([Int].self, forKey: .mlpHidden) { mlpHidden = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .featureClip) { featureClip = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .stepExponent) { stepExponent = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .stepScale) { stepScale = v }
    }
}
