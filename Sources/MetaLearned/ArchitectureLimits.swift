// The ranges an architecture's sizes must lie in, checked whenever one is read (a training config, a
// checkpoint's metadata, an initial checkpoint): a width the fused kernels cannot hold, an empty list or a
// decay outside [0, 1) is an error naming the key, never a trap inside the kernels.

import CKernels
import Foundation
import MetaCore

/// A problem with one key of an architecture's config.
public struct ArchitectureProblem: Error, Equatable, Sendable {
    public var key: String
    public var message: String
}

enum ArchitectureLimits {
    /// Widths the fused per-parameter kernels hold (inputs, hidden layers, outputs).
    static let maxWidth = Int(MT_LO_MAX_WIDTH)
    static let maxDecays = Int(MT_LO_MAX_DECAYS)
    /// The LSTM's hidden width (θ grows as its square: 1,024 is 4.4 M meta-parameters).
    static let maxLSTMHidden = 1024

    static func check(_ ok: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
        if !ok { throw ArchitectureProblem(key: key, message: message()) }
    }

    static func decays(_ d: [Float]) throws {
        try check((1...maxDecays).contains(d.count), "decays", "needs 1 to \(maxDecays) decays, found \(d.count)")
        for (i, x) in d.enumerated() { try check(x >= 0 && x < 1, "decays[\(i)]", "\(x) is not in [0, 1)") }
    }

    static func timeScales(_ t: [Double]) throws {
        try check(t.count <= maxWidth, "timeScales", "at most \(maxWidth) time scales, found \(t.count)")
        for (i, x) in t.enumerated() { try check(x > 0 && x.isFinite, "timeScales[\(i)]", "\(x) is not a positive number") }
    }

    static func hidden(_ h: [Int]) throws {
        try check(h.count == 2, "mlpHidden", "must list two widths, found \(h.count)")
        for (i, w) in h.enumerated() { try check((1...maxWidth).contains(w), "mlpHidden[\(i)]", "\(w) is not in 1…\(maxWidth)") }
    }

    static func width(_ w: Int, _ key: String, _ range: ClosedRange<Int>) throws {
        try check(range.contains(w), key, "\(w) is not in \(range.lowerBound)…\(range.upperBound)")
    }

    static func positive<F: BinaryFloatingPoint>(_ x: F, _ key: String) throws {
        try check(x > 0 && x.isFinite, key, "\(x) is not a positive number")
    }

    static func finite<F: BinaryFloatingPoint>(_ x: F, _ key: String) throws {
        try check(x.isFinite, key, "\(x) is not a finite number")
    }

    static func decay<F: BinaryFloatingPoint>(_ x: F, _ key: String) throws {
        try check(x >= 0 && x < 1, key, "\(x) is not in [0, 1)")
    }
}

extension LSTMFFConfig {
    /// Throws the first key outside its range.
    public func validate() throws {
        try ArchitectureLimits.decays(decays)
        try ArchitectureLimits.timeScales(timeScales)
        try ArchitectureLimits.width(lstmHidden, "lstmHidden", 1...ArchitectureLimits.maxLSTMHidden)
        try ArchitectureLimits.hidden(mlpHidden)
        try ArchitectureLimits.width(lstmToMLP, "lstmToMLP", 0...ArchitectureLimits.maxWidth)
        try ArchitectureLimits.width(globalMessage, "globalMessage", 0...ArchitectureLimits.maxWidth)
        try ArchitectureLimits.width(extraOutputs, "extraOutputs", 0...(ArchitectureLimits.maxWidth - 2))
        for (x, key) in [(featureClip, "featureClip"), (lstmFeatureClip, "lstmFeatureClip"), (logClip, "logClip"), (stepScale, "stepScale")] {
            try ArchitectureLimits.positive(x, key)
        }
        try ArchitectureLimits.finite(stepExponent, "stepExponent")
        try ArchitectureLimits.decay(lossDecay, "lossDecay")
        try ArchitectureLimits.decay(validationDecay, "validationDecay")
        try ArchitectureLimits.check(mlpFeatures.width <= ArchitectureLimits.maxWidth, "lstmToMLP",
                                     "the per-parameter MLP would read \(mlpFeatures.width) inputs; at most \(ArchitectureLimits.maxWidth) (fewer decays, time scales or LSTM outputs)")
    }
}

extension PerParameterMLPConfig {
    /// Throws the first key outside its range.
    public func validate() throws {
        try ArchitectureLimits.decays(decays)
        try ArchitectureLimits.timeScales(timeScales)
        try ArchitectureLimits.hidden(mlpHidden)
        try ArchitectureLimits.positive(featureClip, "featureClip")
        try ArchitectureLimits.positive(stepScale, "stepScale")
        try ArchitectureLimits.finite(stepExponent, "stepExponent")
        try ArchitectureLimits.check(mlpFeatures.width <= ArchitectureLimits.maxWidth, "timeScales",
                                     "the per-parameter MLP would read \(mlpFeatures.width) inputs; at most \(ArchitectureLimits.maxWidth)")
    }
}

extension LearnableAdamConfig {
    /// Throws the first key outside its range.
    public func validate() throws {
        try ArchitectureLimits.positive(learningRate, "learningRate")
        try ArchitectureLimits.check(beta1 > 0 && beta1 < 1, "beta1", "\(beta1) is not in (0, 1)")
        try ArchitectureLimits.check(beta2 > 0 && beta2 < 1, "beta2", "\(beta2) is not in (0, 1)")
        try ArchitectureLimits.positive(epsilon, "epsilon")
    }
}

extension LearnedOptimizerArchitecture {
    /// Throws the first key of the config outside its range.
    public func validate() throws {
        switch self {
        case .lstmFF(let c): try c.validate()
        case .perParameterMLP(let c): try c.validate()
        case .learnableAdam(let c): try c.validate()
        }
    }
}
