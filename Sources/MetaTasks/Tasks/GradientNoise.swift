// The zoo's "gradient noise" wrapper (docs/architecture.md §5), shared by the synthetic tasks: Gaussian noise added
// to a gradient that has already been computed (and rescaled). It never touches the loss.

import MetaCore

/// Adds independent Gaussian noise to every element of a gradient: `g_i ← g_i + σ·ε_i`, ε_i ~ N(0, 1).
///
/// With `.absolute`, σ = `standardDeviation`; with `.relativeToRMS`, σ = `standardDeviation · RMS(g)`,
/// the RMS taken over the gradient before noise is added (so the noise-to-signal ratio does not depend
/// on the loss scale). The draws come from `key.fold("gradient-noise")`: the same key gives the same
/// noise, so the antithetic ± runs of ES can share it.
public struct GradientNoise: Hashable, Sendable {
    /// How `standardDeviation` is measured.
    public enum Reference: String, Hashable, Sendable {
        case absolute, relativeToRMS
    }

    public var standardDeviation: Double
    public var reference: Reference

    public init(standardDeviation: Double, reference: Reference) {
        self.standardDeviation = standardDeviation
        self.reference = reference
    }

    /// No noise.
    public static let none = GradientNoise(standardDeviation: 0, reference: .absolute)

    public var isEnabled: Bool { standardDeviation > 0 }

    /// The σ this noise would use for `gradient`.
    public func sigma(for gradient: UnsafeBufferPointer<Float>) -> Double {
        switch reference {
        case .absolute:
            return standardDeviation
        case .relativeToRMS:
            guard gradient.count > 0 else { return 0 }
            let rms = (Kernels.sumOfSquares(gradient) / Double(gradient.count)).squareRoot()
            return standardDeviation * rms
        }
    }

    /// Adds the noise named by `key` to `gradient` in place (nothing when disabled).
    public func apply(to gradient: UnsafeMutableBufferPointer<Float>, key: RandomKey) {
        guard isEnabled, gradient.count > 0 else { return }
        let sigma = self.sigma(for: UnsafeBufferPointer(gradient))
        guard sigma > 0, sigma.isFinite else { return }
        var rng = key.fold("gradient-noise").generator()
        for i in 0..<gradient.count {
            gradient[i] += Float(sigma * rng.normal())
        }
    }

    /// Array convenience for `apply(to:key:)`.
    public func apply(to gradient: inout [Float], key: RandomKey) {
        gradient.withUnsafeMutableBufferPointer { apply(to: $0, key: key) }
    }
}
