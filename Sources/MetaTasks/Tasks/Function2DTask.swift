// A 2-D test function as a task (docs/architecture.md §5), with the zoo's two wrappers: rescale and gradient noise.
// The function itself lives in `TestFunction2D+Evaluation.swift`; this file adds the Float interface,
// the initialization box and the normalizer. No data, so every split sees the same noise-free objective.

import MetaCore

/// `scale · f(x, y)` for one of the `TestFunction2D`s, with gradient `scale · ∇f + noise · ε`,
/// ε ~ N(0, I) drawn from the call's key (noise is absolute: added after rescaling).
///
/// - Parameters: one tensor `xy` of shape [2].
/// - Initial parameters: uniform in the function's `initialBox`, from the given key.
/// - Normalizer: `.relative(initial: scale · E[f(p0)], minimum: scale · f*)`, E over the uniform
///   initial box, computed by the midpoint rule on a 100 × 100 grid (deterministic, within 0.1% of
///   the span E[f] − f* for these smooth functions; the seed plays no part). The expected initial loss
///   rather than one draw's, because a single 2-D start can land next to the minimum and make every
///   later loss look enormous, and 64 random draws of these heavy-tailed functions miss the mean by
///   ±40% (Rosenbrock, Beale).
public final class Function2DTask: TrainingTask {
    public let config: TaskConfig
    public let layout = ParameterLayout([("xy", [2])])
    public let normalizer: LossNormalizer
    public let function: TestFunction2D
    public let scale: Double
    public let noise: GradientNoise

    /// Grid points per axis for the normalizer's mean initial loss.
    static let normalizerGrid = 100

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

        let initial = config.scale * Self.meanOverInitialBox(config.function)
        normalizer = .relative(initial: Float(initial), minimum: Float(config.scale * config.function.globalMinimum))
    }

    /// The mean of f over `function.initialBox` by the midpoint rule on `normalizerGrid`² points.
    static func meanOverInitialBox(_ function: TestFunction2D) -> Double {
        let box = function.initialBox, n = normalizerGrid
        let wx = (box.x.upperBound - box.x.lowerBound) / Double(n)
        let wy = (box.y.upperBound - box.y.lowerBound) / Double(n)
        var total = 0.0
        for i in 0..<n {
            let x = box.x.lowerBound + (Double(i) + 0.5) * wx
            for j in 0..<n { total += function.value(x, box.y.lowerBound + (Double(j) + 0.5) * wy) }
        }
        return total / Double(n * n)
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
