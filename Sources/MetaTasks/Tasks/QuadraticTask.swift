// A quadratic bowl with a chosen eigen-spectrum (docs/architecture.md §5): the zoo's cheapest task, and the one where
// conditioning, rotation and gradient noise can be dialed independently. No data: every split sees
// the same noise-free objective. It does not build H densely (see `RandomRotation`).

import Foundation
import MetaCore

/// `L(p) = scale · ½ (p − p*)ᵀ H (p − p*)`, `H = Qᵀ diag(λ) Q`, with gradient
/// `scale · H (p − p*) + σ·ε`, ε ~ N(0, I) drawn from the call's key and σ = noise · RMS(scale·H(p − p*)).
///
/// - λ (`eigenvalues`, ascending) runs from 1/condition to 1: `linear`: λ_i = 1/κ + (1 − 1/κ)·i/(d−1);
///   `log`: λ_i = κ^{i/(d−1) − 1}. A 1-dimensional task has λ = [1].
/// - Q is a `RandomRotation` from `RandomKey(seed: config.seed).fold("rotation")` when `rotate`, else I.
/// - p* (`target`) ~ N(0, I) from `RandomKey(seed: config.seed).fold("target")`.
/// - Parameters: one tensor `x` of shape [dimension]; initial parameters p0 ~ N(0, I) from the given key.
/// - Normalizer: `.relative(initial: E[L(p0)], minimum: 0)` with the exact expectation over p0 ~ N(0, I)
///   for this task, `scale · ½ (Σλ + p*ᵀ H p*)` = `scale · ½ Σλ + L(0)`. The expected initial loss
///   rather than one draw's, because at small dimensions one draw can start 100× closer than usual
///   and make every later loss look enormous.
public final class QuadraticTask: TrainingTask {
    public let config: TaskConfig
    public let layout: ParameterLayout
    public let normalizer: LossNormalizer
    public let dimension: Int
    /// λ, ascending, before `scale`.
    public let eigenvalues: [Double]
    /// The minimizer p*.
    public let target: [Float]
    public let scale: Double
    public let noise: GradientNoise
    /// Q, or nil when H is diagonal.
    let rotation: RandomRotation?

    /// scale·λ as Float, the diagonal applied in the rotated frame.
    private let scaledEigenvalues: [Float]
    /// Scratch (d each): the residual / rotated residual, and the rotation's ping-pong partner.
    private var work: [Float]
    private var scratch: [Float]

    public init(config: QuadraticConfig) throws {
        guard config.dimension >= 1 else {
            throw SpecError("dimension", "must be at least 1, found \(config.dimension)")
        }
        guard config.condition >= 1, config.condition.isFinite else {
            throw SpecError("condition", "must be a finite number ≥ 1, found \(config.condition)")
        }
        guard config.scale > 0, config.scale.isFinite else {
            throw SpecError("scale", "must be a positive finite number, found \(config.scale)")
        }
        guard config.noise >= 0, config.noise.isFinite else {
            throw SpecError("noise", "must be a non-negative finite number, found \(config.noise)")
        }
        let d = config.dimension
        self.config = .quadratic(config)
        dimension = d
        layout = ParameterLayout([("x", [d])])
        scale = config.scale
        noise = GradientNoise(standardDeviation: config.noise, reference: .relativeToRMS)
        eigenvalues = Self.spectrum(dimension: d, condition: config.condition, spacing: config.spectrum)
        scaledEigenvalues = eigenvalues.map { Float(config.scale * $0) }
        let root = RandomKey(seed: config.seed)
        rotation = config.rotate && d > 1 ? RandomRotation(dimension: d, key: root.fold("rotation")) : nil
        var rng = root.fold("target").generator()
        target = rng.normals(d)
        work = [Float](repeating: 0, count: d)
        scratch = [Float](repeating: 0, count: d)
        // p*ᵀ H p* = Σ λ_i (Q p*)_i².
        let targetDouble = target.map { Double($0) }
        let rotatedTarget = rotation?.applied(to: targetDouble) ?? targetDouble
        let targetForm = zip(eigenvalues, rotatedTarget).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
        let expectedInitial = 0.5 * config.scale * (eigenvalues.reduce(0, +) + targetForm)
        normalizer = .relative(initial: Float(expectedInitial), minimum: 0)
    }

    /// The eigenvalues λ_0 ≤ … ≤ λ_{d−1} = 1 of H (see the type's doc comment).
    public static func spectrum(dimension d: Int, condition: Double, spacing: Spectrum) -> [Double] {
        guard d > 1 else { return [1] }
        let smallest = 1 / condition
        return (0..<d).map { i in
            let t = Double(i) / Double(d - 1)
            switch spacing {
            case .linear: return smallest + (1 - smallest) * t
            case .log: return i == d - 1 ? 1 : Foundation.exp(Foundation.log(condition) * (t - 1))
            }
        }
    }

    public func initialParameters(key: RandomKey) -> [Float] {
        var rng = key.generator()
        return rng.normals(dimension)
    }

    public func lossAndGradient(_ parameters: [Float], gradient: inout [Float], key: RandomKey) -> Float {
        precondition(parameters.count == dimension, "QuadraticTask takes \(dimension) parameters, got \(parameters.count)")
        precondition(gradient.count == dimension, "gradient buffer has \(gradient.count) elements, expected \(dimension)")
        let d = dimension
        var half = 0.0
        parameters.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                scaledEigenvalues.withUnsafeBufferPointer { lam in
                    work.withUnsafeMutableBufferPointer { w in
                        scratch.withUnsafeMutableBufferPointer { s in
                            gradient.withUnsafeMutableBufferPointer { g in
                                let w = w.baseAddress!, g = g.baseAddress!
                                for i in 0..<d { w[i] = p[i] - t[i] }
                                rotation?.apply(w, scratch: s.baseAddress!)
                                // y = Q r; loss = ½ Σ (scale·λ_i) y_i²; z = (scale·λ) ⊙ y.
                                var acc = 0.0
                                for i in 0..<d {
                                    let z = lam[i] * w[i]
                                    acc += Double(z * w[i])
                                    g[i] = z
                                }
                                half = acc
                                rotation?.applyTranspose(g, scratch: s.baseAddress!)
                                noise.apply(to: UnsafeMutableBufferPointer(start: g, count: d), key: key)
                            }
                        }
                    }
                }
            }
        }
        return Float(0.5 * half)
    }

    public func batchLoss(_ parameters: [Float], split: DataSplit, key: RandomKey) -> Float {
        loss(parameters)
    }

    public func evaluate(_ parameters: [Float], split: DataSplit) -> TaskEvaluation {
        TaskEvaluation(loss: loss(parameters))
    }

    /// The noise-free objective.
    public func loss(_ parameters: [Float]) -> Float {
        precondition(parameters.count == dimension, "QuadraticTask takes \(dimension) parameters, got \(parameters.count)")
        let d = dimension
        var acc = 0.0
        parameters.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                scaledEigenvalues.withUnsafeBufferPointer { lam in
                    work.withUnsafeMutableBufferPointer { w in
                        scratch.withUnsafeMutableBufferPointer { s in
                            let w = w.baseAddress!
                            for i in 0..<d { w[i] = p[i] - t[i] }
                            rotation?.apply(w, scratch: s.baseAddress!)
                            for i in 0..<d { acc += Double(lam[i] * w[i] * w[i]) }
                        }
                    }
                }
            }
        }
        return Float(0.5 * acc)
    }

    /// The noise-free loss and gradient evaluated in Double throughout (the same Q, λ and p*), for
    /// tight finite-difference checks and as a reference for the Float path.
    public func referenceLossAndGradient(_ parameters: [Double]) -> (loss: Double, gradient: [Double]) {
        precondition(parameters.count == dimension)
        var y = (0..<dimension).map { parameters[$0] - Double(target[$0]) }
        if let rotation { y = rotation.applied(to: y) }
        var loss = 0.0
        var z = [Double](repeating: 0, count: dimension)
        for i in 0..<dimension {
            z[i] = scale * eigenvalues[i] * y[i]
            loss += z[i] * y[i]
        }
        if let rotation { z = rotation.applied(to: z, transpose: true) }
        return (0.5 * loss, z)
    }
}
