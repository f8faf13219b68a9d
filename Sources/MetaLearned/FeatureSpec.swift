// The one place where a learned optimizer's inputs are listed: named groups with widths. Layer sizes
// (54 MLP inputs, 52 LSTM inputs for LSTM_FF's defaults) are computed from it, never written down.

/// A named block of consecutive input columns.
public struct FeatureGroup: Codable, Hashable, Sendable {
    public var name: String
    public var width: Int

    public init(_ name: String, width: Int) {
        precondition(width >= 0, "feature group \(name) has negative width \(width)")
        self.name = name
        self.width = width
    }
}

/// An ordered list of feature groups: the column layout of a network's input.
public struct FeatureSpec: Codable, Hashable, Sendable {
    public var groups: [FeatureGroup]

    public init(_ groups: [FeatureGroup]) {
        precondition(Set(groups.map(\.name)).count == groups.count, "duplicate feature group names in \(groups.map(\.name))")
        self.groups = groups
    }

    /// Total number of columns.
    public var width: Int { groups.reduce(0) { $0 + $1.width } }

    /// The columns of one group.
    public func range(of name: String) -> Range<Int> {
        var offset = 0
        for group in groups {
            if group.name == name { return offset..<(offset + group.width) }
            offset += group.width
        }
        preconditionFailure("no feature group named \(name) in \(groups.map(\.name))")
    }

    /// The width of one group.
    public func width(of name: String) -> Int { range(of: name).count }

    /// The combined width of the named groups.
    public func width(ofGroups names: [String]) -> Int { names.reduce(0) { $0 + width(of: $1) } }

    /// Concatenation.
    public static func + (a: FeatureSpec, b: FeatureSpec) -> FeatureSpec { FeatureSpec(a.groups + b.groups) }
}

/// Feature groups shared by the per-parameter networks.
public enum PerParameterFeatures {
    /// Group names of the normalized per-parameter features, in the order the fused kernel builds them
    /// (`mt_lo_mlp_step`): g, p, log(|p|+1e-8), the momenta, the second moments, m·rsqrt(v+1e-6),
    /// rsqrt(v+1e-6).
    public static let normalizedGroupNames = ["gradient", "parameter", "log_abs_parameter", "momenta", "second_moments",
                                              "momentum_over_rms", "rsqrt_second_moments"]

    /// The normalized per-parameter groups for `decays` accumulator decays.
    public static func normalized(decays: Int) -> FeatureSpec {
        FeatureSpec([
            FeatureGroup("gradient", width: 1),
            FeatureGroup("parameter", width: 1),
            FeatureGroup("log_abs_parameter", width: 1),
            FeatureGroup("momenta", width: decays),
            FeatureGroup("second_moments", width: decays),
            FeatureGroup("momentum_over_rms", width: decays),
            FeatureGroup("rsqrt_second_moments", width: decays),
        ])
    }
}
