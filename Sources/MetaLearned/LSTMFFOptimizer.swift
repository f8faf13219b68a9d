// The hierarchical learned optimizer of Metz et al. 2020 (arXiv 2009.11243, "LSTM_FF"; docs/architecture.md §2): a
// per-tensor LSTM that reads tensor statistics and the training/validation loss, and a per-parameter
// MLP (the fused kernel `mt_lo_mlp_step`) that reads normalized accumulator features and the LSTM's
// output and emits each parameter's step.

import CKernels
import Foundation
import MetaCore
import MetaOptimizers

/// Sizes and constants of LSTM_FF. Defaults are the paper's (≈36k meta-parameters).
public struct LSTMFFConfig: Codable, Hashable, Sendable {
    /// Decays of the momenta and second moments (no bias correction).
    public var decays: [Float] = [0.5, 0.9, 0.99, 0.999, 0.9999]
    /// τ of the time features sin(t/(τπ)).
    public var timeScales: [Double] = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5]
    public var lstmHidden: Int = 64
    /// The per-parameter MLP's two hidden widths.
    public var mlpHidden: [Int] = [32, 32]
    /// Numbers each tensor's LSTM sends to its parameters' MLP.
    public var lstmToMLP: Int = 17
    /// Width of the global message (mean over tensors of the LSTM's second head).
    public var globalMessage: Int = 18
    /// MLP outputs beyond direction and magnitude, averaged per tensor and fed back to the LSTM.
    public var extraOutputs: Int = 16
    /// Clip of the normalized per-parameter features.
    public var featureClip: Float = 5
    /// Clip of the LSTM's log features and loss features.
    public var lstmFeatureClip: Float = 5
    /// Clip of the LSTM's log-magnitude features.
    public var logClip: Float = 20
    /// Step = −d·exp(stepExponent·a)·stepScale.
    public var stepExponent: Float = 0.001
    public var stepScale: Float = 0.001
    /// Decay of the training-loss mean/variance and of the validation-loss average.
    public var lossDecay: Double = 0.9
    public var validationDecay: Double = 0.95
    /// The validation-loss feature reads real validation losses (`StepContext.validationLoss`, which
    /// meta-training and evaluation then measure on a validation batch after every step) instead of
    /// the training loss. Off by default: checkpoints written before it existed were trained without.
    public var validationLossInput: Bool = false
    /// How the weight matrices are drawn (biases are 0, the LSTM's forget gate +1, either way).
    public var weightInit: WeightInit = .scaledNormal

    /// Initializations of the weight matrices.
    public enum WeightInit: String, Codable, Hashable, Sendable, CaseIterable {
        /// N(0, 1.137²/fan-in) for every matrix, fan-in = its rows (the default; every shipped
        /// checkpoint was trained from it).
        case scaledNormal = "scaled-normal"
        /// As haiku's `hk.Linear` and `hk.LSTM`, which learned_optimization's RNNMLPLOpt uses: a normal
        /// truncated to ±2 standard deviations, scaled by 1/√fan-in (so about 0.88/√fan-in after the
        /// truncation); the LSTM's input and recurrent weights are one linear map of [input, hidden],
        /// so both take fan-in = inputs + hidden.
        case haiku
    }

    public init() {}

    /// The per-parameter MLP's inputs.
    public var mlpFeatures: FeatureSpec {
        PerParameterFeatures.normalized(decays: decays.count) + FeatureSpec([
            FeatureGroup("time", width: timeScales.count),
            FeatureGroup("log_tensor_count", width: 1),
            FeatureGroup("log_parameter_norm", width: 1),
            FeatureGroup("log_element_count", width: 1),
            FeatureGroup("lstm_output", width: lstmToMLP),
        ])
    }

    /// The per-parameter MLP's outputs: direction, magnitude, extras.
    public var mlpOutputs: FeatureSpec {
        FeatureSpec([FeatureGroup("direction", width: 1), FeatureGroup("magnitude", width: 1),
                     FeatureGroup("extra", width: extraOutputs)])
    }

    /// The per-tensor LSTM's inputs. `*_mean_stats`: clipped log|μ|, sign μ and clipped log σ² of the
    /// momenta (pooled over decays and elements), the second moments (likewise) and the parameters;
    /// logs are `log(x + 1e-8)` clipped to ±`logClip`. `log_shape`: log of each dimension of the shape
    /// left-padded with 1s to rank 4 (leading dimensions merged beyond rank 4), minus 1.
    public var lstmFeatures: FeatureSpec {
        FeatureSpec([
            FeatureGroup("global_message", width: globalMessage),
            FeatureGroup("mean_extra_outputs", width: extraOutputs),
            FeatureGroup("log_gradient_norm", width: 1),
            FeatureGroup("rank0", width: 1),
            FeatureGroup("momentum_mean_stats", width: 3),
            FeatureGroup("second_moment_mean_stats", width: 3),
            FeatureGroup("parameter_mean_stats", width: 3),
            FeatureGroup("log_parameter_norm", width: 1),
            FeatureGroup("log_shape", width: 4),
            FeatureGroup("training_loss", width: 1),
            FeatureGroup("validation_loss", width: 1),
        ])
    }
}

/// LSTM_FF as a learned optimizer: θ's layout and initialization, and the inner optimizer for a θ.
public struct LSTMFFOptimizer: LearnedOptimizer {
    public let config: LSTMFFConfig
    /// Threads for the per-parameter passes (1: meta-training parallelizes over unrolls instead).
    public var threads: Int

    public init(config: LSTMFFConfig = LSTMFFConfig(), threads: Int = 1) {
        precondition(config.decays.count <= Int(MT_LO_MAX_DECAYS) && !config.decays.isEmpty, "1...\(MT_LO_MAX_DECAYS) decays")
        precondition(config.mlpHidden.count == 2, "mlpHidden must list two widths")
        self.config = config
        self.threads = threads
    }

    public var architecture: LearnedOptimizerArchitecture { .lstmFF(config) }

    public var metaLayout: ParameterLayout {
        var layout = ParameterLayout()
        let h = config.lstmHidden
        layout.append("lstm/w_input", shape: [config.lstmFeatures.width, 4 * h])
        layout.append("lstm/w_hidden", shape: [h, 4 * h])
        layout.append("lstm/bias", shape: [4 * h])
        layout.append("lstm/to_mlp/w", shape: [h, config.lstmToMLP])
        layout.append("lstm/to_mlp/b", shape: [config.lstmToMLP])
        layout.append("lstm/message/w", shape: [h, config.globalMessage])
        layout.append("lstm/message/b", shape: [config.globalMessage])
        MLPWeights.append(to: &layout, prefix: "mlp", inputs: config.mlpFeatures.width, hidden: config.mlpHidden,
                          outputs: config.mlpOutputs.width)
        return layout
    }

    /// Weights by `config.weightInit`, biases 0 except the LSTM's forget gate (+1).
    public func initialMetaParameters(key: RandomKey) -> [Float] {
        let layout = metaLayout
        var θ: [Float]
        switch config.weightInit {
        case .scaledNormal:
            θ = initialWeights(layout: layout, key: key)
        case .haiku:
            let lstmFanIn = config.lstmFeatures.width + config.lstmHidden
            θ = initialWeights(layout: layout, key: key, weights: { tensor, rng in
                let fanIn = tensor.name.hasPrefix("lstm/w_") ? lstmFanIn : tensor.shape[0]
                return rng.truncatedNormals(tensor.count, std: 1 / Float(fanIn).squareRoot())
            })
        }
        let bias = layout["lstm/bias"]!
        let h = config.lstmHidden
        for j in h..<(2 * h) { θ[bias.offset + j] = 1 }
        return θ
    }

    public func optimizer(metaParameters: [Float]) -> any Optimizer {
        LSTMFFInnerOptimizer(config: config, metaParameters: metaParameters, threads: threads)
    }
}

/// Running statistics of the losses LSTM_FF has seen (Double: losses can be large and close together).
public struct LossStatistics: Codable, Sendable, Equatable {
    /// Training losses folded in.
    public var count: Int = 0
    /// Un-corrected running mean and mean square of the training loss.
    public var mean: Double = 0
    public var meanSquare: Double = 0
    /// Validation losses folded in, and their un-corrected running average.
    public var validationCount: Int = 0
    public var validationMean: Double = 0

    public init() {}

    /// The training- and validation-loss features against the statistics so far (guarded bias
    /// correction: 0 before any loss), then folds both losses in. The validation feature is the
    /// running validation average (decay `validationDecay`) normalized with the training statistics.
    mutating func features(loss: Double, validationLoss: Double, decay: Double, validationDecay: Double,
                           clip: Float) -> (training: Float, validation: Float) {
        validationCount += 1
        validationMean = validationDecay * validationMean + (1 - validationDecay) * validationLoss
        let average = validationMean / (1 - Foundation.pow(validationDecay, Double(validationCount)))
        let result = (normalized(loss, decay: decay, clip: clip), normalized(average, decay: decay, clip: clip))
        count += 1
        mean = decay * mean + (1 - decay) * loss
        meanSquare = decay * meanSquare + (1 - decay) * loss * loss
        return result
    }

    private func normalized(_ value: Double, decay: Double, clip: Float) -> Float {
        guard count > 0 else { return 0 }
        let correction = 1 - Foundation.pow(decay, Double(count))
        let m = mean / correction
        let variance = max(0, meanSquare / correction - m * m)
        return clamp(Float((value - m) / (variance + 1e-8).squareRoot()), clip)
    }
}

/// Everything LSTM_FF carries from step to step.
public struct LSTMFFState: Codable, Sendable, Equatable {
    /// Updates applied so far.
    public var step: Int
    /// Momenta, decay-major: `momenta[d * n + i]`.
    public var momenta: [Float]
    /// Second moments, decay-major.
    public var secondMoments: [Float]
    /// Running (decay 0.99, un-corrected) mean square of clipped gradients.
    public var gradientMeanSquare: Double
    /// LSTM hidden and cell state, tensor-major: `[tensor * hidden + j]`.
    public var lstmHidden: [Float]
    public var lstmCell: [Float]
    /// The global message from the previous step.
    public var globalMessage: [Float]
    /// Per-tensor means of the MLP's extra outputs from the previous step: `[tensor * extras + k]`.
    public var meanExtraOutputs: [Float]
    public var losses: LossStatistics
}

/// The inner optimizer LSTM_FF's θ defines. Per step:
///
/// 1. g ← clip(g, ±10·RMS) (NaN → 0), accumulators updated, per-tensor sums (`mt_lo_accumulate`);
/// 2. per tensor, the LSTM reads `config.lstmFeatures` and emits 17 numbers for the MLP and 18 whose
///    mean over tensors is next step's global message;
/// 3. the MLP maps `config.mlpFeatures` to d, a, extras; u = −d·exp(0.001·a)·0.001 (`mt_lo_mlp_step`;
///    the per-tensor constant inputs are folded into the first layer's bias).
///
/// The time features read `state.step` (so a resumed state continues its own clock), not
/// `context.step`; the loss features read `context.loss` and `context.validationLoss` (the training
/// loss stands in when no validation loss is given; no loss at all leaves both features 0).
public struct LSTMFFInnerOptimizer: Optimizer {
    public typealias State = LSTMFFState

    public let config: LSTMFFConfig
    public let threads: Int
    let mlp: MLPWeights
    let lstmInput: [Float], lstmRecurrent: [Float], lstmBias: [Float]
    let toMLPWeight: [Float], toMLPBias: [Float], messageWeight: [Float], messageBias: [Float]
    let lstmColumns: LSTMColumns
    let perParameterWidth: Int, mlpInputWidth: Int

    public init(config: LSTMFFConfig, metaParameters θ: [Float], threads: Int = 1) {
        let layout = LSTMFFOptimizer(config: config).metaLayout
        precondition(θ.count == layout.count, "LSTM_FF: \(θ.count) meta-parameters for a layout of \(layout.count)")
        self.config = config
        self.threads = threads
        mlp = MLPWeights(metaParameters: θ, layout: layout, prefix: "mlp")
        func slice(_ name: String) -> [Float] { Array(θ[layout[name]!.range]) }
        lstmInput = slice("lstm/w_input"); lstmRecurrent = slice("lstm/w_hidden"); lstmBias = slice("lstm/bias")
        toMLPWeight = slice("lstm/to_mlp/w"); toMLPBias = slice("lstm/to_mlp/b")
        messageWeight = slice("lstm/message/w"); messageBias = slice("lstm/message/b")
        lstmColumns = LSTMColumns(config.lstmFeatures)
        perParameterWidth = PerParameterFeatures.normalized(decays: config.decays.count).width
        mlpInputWidth = config.mlpFeatures.width
    }

    public var usesValidationLoss: Bool { config.validationLossInput }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        let n = parameters.count, t = layout.tensors.count
        return State(step: 0, momenta: [Float](repeating: 0, count: config.decays.count * n),
                     secondMoments: [Float](repeating: 0, count: config.decays.count * n), gradientMeanSquare: 0,
                     lstmHidden: [Float](repeating: 0, count: t * config.lstmHidden),
                     lstmCell: [Float](repeating: 0, count: t * config.lstmHidden),
                     globalMessage: [Float](repeating: 0, count: config.globalMessage),
                     meanExtraOutputs: [Float](repeating: 0, count: t * config.extraOutputs), losses: LossStatistics())
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let layout = context.layout
        let n = updates.count, tensors = layout.tensors.count, d = config.decays.count
        precondition(layout.count == n && parameters.count == n && state.momenta.count == d * n
                     && state.lstmHidden.count == tensors * config.lstmHidden,
                     "LSTM_FF: \(n) updates, layout of \(layout.count), state for \(state.momenta.count / max(d, 1))")
        guard n > 0 else { state.step += 1; return }
        let chunks = Chunks(layout: layout)

        // 1. Clip and accumulate.
        let clip = DynamicClip.threshold(meanSquare: state.gradientMeanSquare, updates: state.step)
        let stats = accumulatePass(gradient: &updates, parameters: parameters, momenta: &state.momenta,
                                   secondMoments: &state.secondMoments, decays: config.decays, clip: clip,
                                   layout: layout, chunks: chunks, threads: threads)
        state.gradientMeanSquare = DynamicClip.update(meanSquare: state.gradientMeanSquare,
                                                      clippedSquares: stats.reduce(0) { $0 + $1.gradientSquares }, count: n)

        // 2. Loss features, then the per-tensor LSTM.
        var trainingFeature: Float = 0, validationFeature: Float = 0
        if let loss = context.loss, loss.isFinite {
            // Without a (finite) validation loss, e.g. on an episode's first step, the training loss stands in.
            let measured = config.validationLossInput ? context.validationLoss : nil
            let validation = measured.flatMap { $0.isFinite ? $0 : nil } ?? loss
            (trainingFeature, validationFeature) = state.losses.features(
                loss: Double(loss), validationLoss: Double(validation), decay: config.lossDecay,
                validationDecay: config.validationDecay, clip: config.lstmFeatureClip)
        }
        let h = config.lstmHidden, e = config.extraOutputs
        var toMLP = [[Float]]()
        toMLP.reserveCapacity(tensors)
        var message = [Double](repeating: 0, count: config.globalMessage)
        var x = [Float](repeating: 0, count: lstmColumns.width)
        var z = [Float](repeating: 0, count: 4 * h)
        var head = [Float](repeating: 0, count: max(config.lstmToMLP, config.globalMessage))
        for (t, tensor) in layout.tensors.enumerated() {
            lstmInputs(into: &x, tensor: tensor, stats: stats[t], state: state, tensorIndex: t,
                       trainingFeature: trainingFeature, validationFeature: validationFeature)
            state.lstmHidden.withUnsafeMutableBufferPointer { hp in
                state.lstmCell.withUnsafeMutableBufferPointer { cp in
                    mt_lstm_step(Int32(x.count), Int32(h), x, hp.baseAddress! + t * h, cp.baseAddress! + t * h,
                                 lstmInput, lstmRecurrent, lstmBias, &z)
                }
            }
            state.lstmHidden.withUnsafeBufferPointer { hp in
                let hidden = hp.baseAddress! + t * h
                mt_dense(Int32(h), Int32(config.lstmToMLP), hidden, toMLPWeight, toMLPBias, &head)
                toMLP.append(Array(head[0..<config.lstmToMLP]))
                mt_dense(Int32(h), Int32(config.globalMessage), hidden, messageWeight, messageBias, &head)
                for k in 0..<config.globalMessage { message[k] += Double(head[k]) }
            }
        }
        state.globalMessage = message.map { Float($0 / Double(tensors)) }

        // 3. The per-parameter MLP, with the per-tensor constant inputs folded into the first bias.
        let first = perParameterWidth
        let time = timeFeatures(step: state.step, scales: config.timeScales)
        let logTensorCount = Float(Foundation.log(Double(tensors))) - 1
        var biases = [[Float]]()
        for (t, tensor) in layout.tensors.enumerated() {
            var constants = time
            constants.append(logTensorCount)
            constants.append(Float(Foundation.log(stats[t].parameterNorm + 1e-8)))
            constants.append(Float(Foundation.log(Double(tensor.count))))
            constants += toMLP[t]
            precondition(first + constants.count == mlpInputWidth)
            biases.append(mlp.foldedBias(constants: constants, first: first))
        }
        let extraSums = mlpStepPass(updates: &updates, parameters: parameters, momenta: state.momenta,
                                    secondMoments: state.secondMoments, decays: d, inverseNorms: stats.map(\.inverseNorms),
                                    foldedBias: biases, weights: mlp, featureClip: config.featureClip,
                                    stepExponent: config.stepExponent, stepScale: config.stepScale, chunks: chunks,
                                    tensorCount: tensors, threads: threads)
        for t in 0..<tensors {
            for k in 0..<e {
                let mean = Float(extraSums[t][k] / Double(layout.tensors[t].count))
                state.meanExtraOutputs[t * e + k] = mean.isFinite ? mean : 0
            }
        }
        state.step += 1
    }

    /// Writes the LSTM's input row for one tensor, in `config.lstmFeatures` order, into `x`.
    func lstmInputs(into x: inout [Float], tensor: TensorSpec, stats: TensorStatistics, state: State, tensorIndex t: Int,
                    trainingFeature: Float, validationFeature: Float) {
        let logClip = config.logClip, clip = config.lstmFeatureClip, c = lstmColumns
        func logClipped(_ v: Double) -> Float { clamp(Float(Foundation.log(v + 1e-8)), logClip) }
        func momentStats(_ moments: (mean: Double, variance: Double), at i: Int) {
            x[i] = logClipped(abs(moments.mean))
            x[i + 1] = moments.mean > 0 ? 1 : (moments.mean < 0 ? -1 : 0)
            x[i + 2] = logClipped(moments.variance)
        }
        for k in 0..<config.globalMessage { x[c.globalMessage + k] = state.globalMessage[k] }
        let e = config.extraOutputs
        for k in 0..<e { x[c.meanExtraOutputs + k] = state.meanExtraOutputs[t * e + k] }
        x[c.logGradientNorm] = logClipped(stats.gradientNorm)
        x[c.rank0] = tensor.shape.isEmpty ? 1 : 0
        momentStats(stats.momentumMoments, at: c.momentumStats)
        momentStats(stats.secondMomentMoments, at: c.secondMomentStats)
        momentStats(stats.parameterMoments, at: c.parameterStats)
        x[c.logParameterNorm] = logClipped(stats.parameterNorm)
        // The shape left-padded with 1s to rank 4 (leading dimensions merged beyond rank 4).
        let shape = tensor.shape, r = shape.count
        for k in 0..<4 {
            var dim = 1
            if r > 4 { dim = k == 0 ? shape.dropLast(3).reduce(1, *) : shape[r - 4 + k] } else if k >= 4 - r { dim = shape[k - (4 - r)] }
            x[c.logShape + k] = Float(Foundation.log(Double(dim))) - 1
        }
        x[c.trainingLoss] = clamp(trainingFeature, clip)
        x[c.validationLoss] = clamp(validationFeature, clip)
    }
}

/// Where each group of the LSTM's input row starts (looked up once, not per step).
struct LSTMColumns {
    let width: Int
    let globalMessage, meanExtraOutputs, logGradientNorm, rank0, momentumStats, secondMomentStats, parameterStats,
        logParameterNorm, logShape, trainingLoss, validationLoss: Int

    init(_ spec: FeatureSpec) {
        func at(_ name: String, _ width: Int) -> Int {
            let r = spec.range(of: name)
            precondition(r.count == width, "feature group \(name): width \(r.count), expected \(width)")
            return r.lowerBound
        }
        width = spec.width
        globalMessage = spec.range(of: "global_message").lowerBound
        meanExtraOutputs = spec.range(of: "mean_extra_outputs").lowerBound
        logGradientNorm = at("log_gradient_norm", 1)
        rank0 = at("rank0", 1)
        momentumStats = at("momentum_mean_stats", 3)
        secondMomentStats = at("second_moment_mean_stats", 3)
        parameterStats = at("parameter_mean_stats", 3)
        logParameterNorm = at("log_parameter_norm", 1)
        logShape = at("log_shape", 4)
        trainingLoss = at("training_loss", 1)
        validationLoss = at("validation_loss", 1)
    }
}

extension LSTMFFConfig {
    private enum CodingKeys: String, CodingKey { case decays, timeScales, lstmHidden, mlpHidden, lstmToMLP, globalMessage, extraOutputs, featureClip, lstmFeatureClip, logClip, stepExponent, stepScale, lossDecay, validationDecay, validationLossInput, weightInit }

    /// `validationLossInput` and `weightInit` are written only when not the default, so configs of earlier
    /// runs encode as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(decays, forKey: .decays)
        try c.encode(timeScales, forKey: .timeScales)
        try c.encode(lstmHidden, forKey: .lstmHidden)
        try c.encode(mlpHidden, forKey: .mlpHidden)
        try c.encode(lstmToMLP, forKey: .lstmToMLP)
        try c.encode(globalMessage, forKey: .globalMessage)
        try c.encode(extraOutputs, forKey: .extraOutputs)
        try c.encode(featureClip, forKey: .featureClip)
        try c.encode(lstmFeatureClip, forKey: .lstmFeatureClip)
        try c.encode(logClip, forKey: .logClip)
        try c.encode(stepExponent, forKey: .stepExponent)
        try c.encode(stepScale, forKey: .stepScale)
        try c.encode(lossDecay, forKey: .lossDecay)
        try c.encode(validationDecay, forKey: .validationDecay)
        if validationLossInput { try c.encode(true, forKey: .validationLossInput) }
        if weightInit != .scaledNormal { try c.encode(weightInit, forKey: .weightInit) }
    }

    /// Keys left out take their defaults (a config file names only what it changes).
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let v = try c.decodeIfPresent([Float].self, forKey: .decays) { decays = v }
        if let v = try c.decodeIfPresent([Double].self, forKey: .timeScales) { timeScales = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .lstmHidden) { lstmHidden = v }
        if let v = try c.decodeIfPresent([Int].self, forKey: .mlpHidden) { mlpHidden = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .lstmToMLP) { lstmToMLP = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .globalMessage) { globalMessage = v }
        if let v = try c.decodeIfPresent(Int.self, forKey: .extraOutputs) { extraOutputs = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .featureClip) { featureClip = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .lstmFeatureClip) { lstmFeatureClip = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .logClip) { logClip = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .stepExponent) { stepExponent = v }
        if let v = try c.decodeIfPresent(Float.self, forKey: .stepScale) { stepScale = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .lossDecay) { lossDecay = v }
        if let v = try c.decodeIfPresent(Double.self, forKey: .validationDecay) { validationDecay = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .validationLossInput) { validationLossInput = v }
        if let v = try c.decodeIfPresent(WeightInit.self, forKey: .weightInit) { weightInit = v }
    }
}
