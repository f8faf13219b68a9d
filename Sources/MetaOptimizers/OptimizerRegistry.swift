// Names → optimizers. Every hand-designed optimizer is built from an `OptimizerSpec` here; unknown
// names and keys are errors that list the valid ones. Settings every optimizer accepts (schedules and
// clipping) are applied around it by `OptimizerRegistry.make`.

import MetaCore

/// Reads an optimizer spec's settings, checking names, types and ranges.
public struct SpecSettings {
    public let spec: OptimizerSpec
    public let allowed: [String]

    /// Fails if the spec has a key outside `allowed` (listing them).
    public init(_ spec: OptimizerSpec, allowed: [String]) throws {
        self.spec = spec
        self.allowed = allowed
        for (key, _) in spec.settings where !allowed.contains(key) {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown key '\(key)'; valid keys: \(allowed.joined(separator: ", "))")
        }
    }

    func error(_ key: String, _ message: String) -> SpecError {
        SpecError("optimizer '\(spec.name)', key '\(key)'", message)
    }

    /// A number (Float), defaulting when absent, checked against `range`.
    public func float(_ key: String, default fallback: Float, in range: ClosedRange<Float> = -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude) throws -> Float {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, let x = Float(t), x.isFinite else { throw error(key, "expected a number, found '\(v)'") }
        guard range.contains(x) else { throw error(key, "\(t) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return x
    }

    /// An integer, defaulting when absent, checked against `range`.
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, let x = Int(t) else { throw error(key, "expected an integer, found '\(v)'") }
        guard range.contains(x) else { throw error(key, "\(t) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return x
    }

    /// true/false (also 1/0, yes/no).
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let v = spec[key] else { return fallback }
        switch "\(v)".lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw error(key, "expected true or false, found '\(v)'")
        }
    }

    /// A word from a fixed set.
    public func choice(_ key: String, default fallback: String, from options: [String]) throws -> String {
        guard let v = spec[key] else { return fallback }
        guard case .text(let t) = v, options.contains(t) else {
            throw error(key, "unknown value '\(v)'; one of: \(options.joined(separator: ", "))")
        }
        return t
    }

    /// A nested optimizer spec (`inner=adam` or `inner=[adam:lr=1e-3]`).
    public func spec(_ key: String, default fallback: String) throws -> OptimizerSpec {
        guard let v = spec[key] else { return try OptimizerSpec.parse(fallback) }
        switch v {
        case .spec(let s): return s
        case .text(let t): return OptimizerSpec(name: t)
        }
    }
}

/// How to build one named optimizer.
public struct OptimizerEntry: Sendable {
    public var name: String
    /// One line for help texts and errors.
    public var summary: String
    /// The keys it accepts (besides the common ones) with their defaults, for help texts.
    public var keys: [(key: String, defaultValue: String)]
    public var build: @Sendable (SpecSettings) throws -> any Optimizer

    public init(name: String, summary: String, keys: [(key: String, defaultValue: String)], build: @escaping @Sendable (SpecSettings) throws -> any Optimizer) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.build = build
    }
}

public enum OptimizerRegistry {
    /// Keys every optimizer accepts; they wrap it with clipping and a learning-rate schedule.
    public static let commonKeys = ["clip_norm", "clip", "schedule", "warmup", "decay_steps", "final_scale"]

    /// The hand-designed optimizers, by name.
    nonisolated(unsafe) public static var entries: [OptimizerEntry] = builtInEntries

    /// Builds the optimizer a spec names.
    public static func make(_ spec: OptimizerSpec) throws -> any Optimizer {
        guard let entry = entries.first(where: { $0.name == spec.name }) else {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown optimizer; valid names: \(entries.map(\.name).joined(separator: ", "))")
        }
        let settings = try SpecSettings(spec, allowed: entry.keys.map(\.key) + commonKeys)
        return try wrapCommon(try entry.build(settings), settings: settings)
    }

    /// Parses and builds.
    public static func make(_ text: String) throws -> any Optimizer { try make(OptimizerSpec.parse(text)) }

    /// Applies the common keys. PLACEHOLDER: the optimizers work fills this in (clipping before the
    /// rule, schedule scaling after it).
    static func wrapCommon(_ optimizer: any Optimizer, settings: SpecSettings) throws -> any Optimizer {
        optimizer
    }

    /// PLACEHOLDER: the optimizers work replaces this list.
    static let builtInEntries: [OptimizerEntry] = [
        OptimizerEntry(name: "sgd", summary: "plain gradient descent: p ← p − lr·g", keys: [("lr", "0.01")]) { s in
            Scale(-(try s.float("lr", default: 0.01, in: 0...1e6)))
        },
    ]
}
