// A 2-D test function as a task (DESIGN §5), with the zoo's two wrappers: rescale and gradient noise.
// The function itself lives in `TestFunction2D+Evaluation.swift`; this file adds the Float interface,
// the initialization box and the normalizer. No data, so every split sees the same noise-free objective.

import MetaCore

/// `scale · f(x, y)` for one of the `TestFunction2D`s, with gradient `scale · ∇f + noise · ε`,
/// ε ~ N(0, I) drawn from the call's key (noise is absolute: added after rescaling).
///
/// - Parameters: one tensor `xy` of shape [2].
/// - Initial parameters: uniform in the function's `initialBox`, from the given key.
/// - Normalizer: `.relative(initial: mean of scale·f over 64 initial draws from
///   RandomKey(seed: config.seed).fold("normalizer"), minimum: scale · f*)`. A mean over draws rather
///   than one draw, because a single 2-D start can land next to the minimum and make every later loss
///   look enormous.
public final class Function2DTask: TrainingTask {
    public let config: TaskConfig
    public let layout = ParameterLayout([("xy", [2])])
    public let normalizer: LossNormalizer
    public let function: TestFunction2D
    public let scale: Double
    public let noise: GradientNoise

    /// Number of initial draws averaged for the normalizer's initial loss.
    static let normalizerDraws = 64

    public init(config: Function2DConfig) throws {
        guard config.scale > 0, config.scale.isFinite else {
            throw SpecError("scale", "must be a positive finite number, found \(config.scale)")
        }
        guard config.noise >= 0, config.noise.isFinite else {
            throw SpecError("noise", "must be a non-negative finite number, found \(config.noise)")
        }
        self.config = .function2d(config)
        function = config.function
        scale = config.scale
        noise = GradientNoise(standardDeviation: config.noise, reference: .absolute)

        let box = config.function.initialBox
        var rng = RandomKey(seed: config.seed).fold("normalizer").generator()
        var total = 0.0
        for _ in 0..<Self.normalizerDraws {
            let x = rng.uniform(box.x.lowerBound, box.x.upperBound)
            let y = rng.uniform(box.y.lowerBound, box.y.upperBound)
            total += config.function.value(x, y)
        }
        let initial = config.scale * total / Double(Self.normalizerDraws)
        normalizer = .relative(initial: Float(initial), minimum: Float(config.scale * config.function.globalMinimum))
    }

    public func initialParameters(key: RandomKey) -> [Float] {
        let box = function.initialBox
        var rng = key.generator()
        let x = rng.uniform(box.x.lowerBound, box.x.upperBound)
        let y = rng.uniform(box.y.lowerBound, box.y.upperBound)
        return [Float(x), Float(y)]
    }

    public func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float {
        precondition(parameters.count == 2, "Function2DTask takes 2 parameters, got \(parameters.count)")
        let (f, dx, dy) = function.valueAndGradient(Double(parameters[0]), Double(parameters[1]))
        precondition(gradient.count == 2, "gradient buffer has \(gradient.count) elements, expected 2")
        gradient[0] = Float(scale * dx)
        gradient[1] = Float(scale * dy)
        noise.apply(to: &gradient, key: key)
        return Float(scale * f)
    }

    public func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float {
        loss(parameters)
    }

    public func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation {
        TaskEvaluation(loss: loss(parameters))
    }

    /// The noise-free objective `scale · f(x, y)`.
    public func loss(_ parameters: [Float]) -> Float {
        precondition(parameters.count == 2, "Function2DTask takes 2 parameters, got \(parameters.count)")
        return Float(scale * function.value(Double(parameters[0]), Double(parameters[1])))
    }
}
