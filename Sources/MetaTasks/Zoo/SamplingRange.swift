// Ranges and weighted choices that family specs sample from.

import MetaCore

/// A numeric range sampled uniformly or log-uniformly (for ranges that span decades).
public struct SamplingRange: Codable, Hashable, Sendable {
    public enum Scale: String, Codable, Sendable { case linear, log }
    public var min: Double
    public var max: Double
    public var scale: Scale

    public init(_ min: Double, _ max: Double, _ scale: Scale = .linear) {
        self.min = min
        self.max = max
        self.scale = scale
    }

    public func sample(_ rng: inout RandomGenerator) -> Double {
        if min == max { return min }
        switch scale {
        case .linear: return rng.uniform(min, max)
        case .log: return rng.logUniform(min, max)
        }
    }

    /// An integer in [min, max], both inclusive.
    public func sampleInt(_ rng: inout RandomGenerator) -> Int {
        let lo = Int(min.rounded()), hi = Int(max.rounded())
        if lo >= hi { return lo }
        switch scale {
        case .linear: return rng.int(in: lo...hi)
        case .log: return rng.logUniformInt(lo, hi)
        }
    }

    func validate(_ name: String, within bounds: ClosedRange<Double>) throws {
        guard min <= max else { throw SpecError(name, "min \(min) is above max \(max)") }
        guard bounds.contains(min), bounds.contains(max) else {
            throw SpecError(name, "range \(min)…\(max) leaves the allowed \(bounds.lowerBound)…\(bounds.upperBound)")
        }
        if scale == .log && min <= 0 { throw SpecError(name, "a log range needs min > 0") }
    }
}

/// Names with sampling weights, e.g. `{"relu": 4, "tanh": 1}`; encoded as an object.
public struct WeightedChoice: Codable, Hashable, Sendable {
    public var weights: [String: Double]

    public init(_ weights: [String: Double]) { self.weights = weights }

    public init(from decoder: Decoder) throws {
        weights = try decoder.singleValueContainer().decode([String: Double].self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(weights)
    }

    /// Draws a name (names sorted, so the draw does not depend on dictionary order).
    public func sample(_ rng: inout RandomGenerator) -> String {
        let names = weights.keys.sorted()
        return rng.choice(names, weights: names.map { weights[$0]! })
    }

    /// Checks every name is one of `valid` and weights are positive.
    func validate<E: RawRepresentable & CaseIterable>(_ name: String, as: E.Type) throws where E.RawValue == String {
        guard !weights.isEmpty else { throw SpecError(name, "needs at least one choice") }
        let valid = E.allCases.map(\.rawValue)
        for (k, w) in weights {
            guard valid.contains(k) else {
                throw SpecError("\(name).\(k)", "unknown choice; one of: \(valid.joined(separator: ", "))")
            }
            guard w > 0, w.isFinite else { throw SpecError("\(name).\(k)", "weight must be positive") }
        }
    }
}
