// A learned optimizer on disk: θ as one F32 tensor per meta-layout tensor (`theta/NAME`), opaque
// U8 blobs (outer optimizer and trainer state as JSON, `state/…`) and string metadata naming the
// architecture, layout and feature-spec version, in a safetensors file that Python reads as is.
// It does not interpret the training config or the blobs: that is the meta-training code's business.

import Foundation
import MetaCore
import MetaOptimizers

/// A saved learned optimizer: architecture, θ, and whatever meta-training needs to resume.
public struct LearnedOptimizerCheckpoint: Sendable {
    /// The `format` metadata value of every checkpoint.
    public static let format = "metatrain-lo"
    /// The newest format this build reads and the one it writes.
    public static let formatVersion = 1
    /// Prefix of θ tensor names: `theta/lstm/w_ih`.
    public static let thetaPrefix = "theta/"
    /// Metadata keys written by this type (others pass through `metadata`).
    public static let reservedMetadataKeys: Set<String> = [
        "format", "format_version", "architecture", "feature_spec_version", "meta_layout", "config",
        "outer_step", "created", "meta_parameter_count",
    ]

    /// Rebuilds a learned optimizer from its architecture (tests inject their own).
    public typealias Builder = @Sendable (LearnedOptimizerArchitecture) throws -> any LearnedOptimizer
    /// `architecture.make()`.
    public static let defaultBuilder: Builder = { $0.make() }

    public var architecture: LearnedOptimizerArchitecture
    /// The layout of θ (must equal the architecture's).
    public var metaLayout: ParameterLayout
    /// θ, laid out by `metaLayout`.
    public var metaParameters: [Float]
    /// The feature-spec version θ was trained with (`featureSpecVersion` when written by this build).
    public var featureSpecVersion: Int
    /// The training config as JSON, opaque here; nil when unknown.
    public var config: String?
    /// Outer steps taken when θ was saved.
    public var outerStep: Int
    /// When it was written, if the writer asked for a timestamp (metadata `created`); nil by default, so
    /// two runs with the same seed write byte-identical files.
    public var created: Date?
    /// Opaque byte blobs, stored as U8 tensors under their names (e.g. `state/outer`, `state/trainer`).
    public var blobs: [String: Data]
    /// Extra string metadata (keys must not be reserved).
    public var metadata: [String: String]

    public init(
        architecture: LearnedOptimizerArchitecture, metaLayout: ParameterLayout, metaParameters: [Float],
        featureSpecVersion: Int = MetaLearned.featureSpecVersion, config: String? = nil, outerStep: Int = 0,
        created: Date? = nil, blobs: [String: Data] = [:], metadata: [String: String] = [:]
    ) {
        precondition(metaParameters.count == metaLayout.count, "\(metaParameters.count) meta-parameters for a layout of \(metaLayout.count)")
        self.architecture = architecture
        self.metaLayout = metaLayout
        self.metaParameters = metaParameters
        self.featureSpecVersion = featureSpecVersion
        self.config = config
        self.outerStep = outerStep
        self.created = created
        self.blobs = blobs
        self.metadata = metadata
    }

    /// A checkpoint of `learnedOptimizer` at θ = `metaParameters`.
    public init(
        learnedOptimizer: any LearnedOptimizer, metaParameters: [Float], config: String? = nil, outerStep: Int = 0,
        created: Date? = nil, blobs: [String: Data] = [:], metadata: [String: String] = [:]
    ) {
        self.init(
            architecture: learnedOptimizer.architecture, metaLayout: learnedOptimizer.metaLayout, metaParameters: metaParameters,
            config: config, outerStep: outerStep, created: created, blobs: blobs, metadata: metadata)
    }

    /// Stores a Codable value as a JSON blob.
    public mutating func setBlob<T: Encodable>(_ name: String, _ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        blobs[name] = try encoder.encode(value)
    }

    /// Decodes a JSON blob written by `setBlob`; nil when absent. `path` names the file in errors.
    public func blob<T: Decodable>(_ name: String, as type: T.Type, path: String = "checkpoint") throws -> T? {
        guard let data = blobs[name] else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(T.self, from: data) } catch {
            let e = SpecError.from(error, file: "\(path): \(name)")
            throw SpecError(e.location, "cannot decode the blob: \(e.message)")
        }
    }

    /// The safetensors contents (fails on a reserved metadata key or a blob named like θ).
    public func safeTensorsFile(path: String = "checkpoint") throws -> SafeTensorsFile {
        guard metaParameters.count == metaLayout.count else {
            throw SpecError(path, "\(metaParameters.count) meta-parameters for a layout of \(metaLayout.count)")
        }
        var tensors: [String: SafeTensor] = [:]
        for t in metaLayout.tensors {
            tensors[Self.thetaPrefix + t.name] = SafeTensor(floats: Array(metaParameters[t.range]), shape: t.shape)
        }
        for (name, data) in blobs {
            guard !name.hasPrefix(Self.thetaPrefix), name != "__metadata__" else {
                throw SpecError(path, "blob name '\(name)' is reserved (θ tensors start with '\(Self.thetaPrefix)')")
            }
            tensors[name] = SafeTensor(bytes: data)
        }
        var meta = metadata
        if let k = meta.keys.first(where: { Self.reservedMetadataKeys.contains($0) }) {
            throw SpecError(path, "metadata key '\(k)' is reserved")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        meta["format"] = Self.format
        meta["format_version"] = String(Self.formatVersion)
        meta["architecture"] = String(decoding: try encoder.encode(architecture), as: UTF8.self)
        meta["meta_layout"] = String(decoding: try encoder.encode(metaLayout), as: UTF8.self)
        meta["feature_spec_version"] = String(featureSpecVersion)
        meta["outer_step"] = String(outerStep)
        meta["meta_parameter_count"] = String(metaLayout.count)
        if let created { meta["created"] = Self.dateFormatter().string(from: created) }
        if let config { meta["config"] = config }
        return SafeTensorsFile(tensors: tensors, metadata: meta)
    }

    /// Writes atomically (see `SafeTensorsFile.write`).
    public func write(to path: String) throws {
        try safeTensorsFile(path: path).write(to: path)
    }

    /// Reads and checks a checkpoint: format and version, architecture, that the architecture's
    /// meta-layout equals the stored one, every θ tensor present with its shape and finite, and the
    /// feature-spec version. Every problem is a `SpecError` naming the file.
    public static func load(from path: String, build: Builder = defaultBuilder) throws -> LearnedOptimizerCheckpoint {
        try decode(try SafeTensorsFile.read(from: path), path: path, build: build)
    }

    /// Checks and decodes the contents of a safetensors file (`path` names it in errors).
    public static func decode(_ file: SafeTensorsFile, path: String, build: Builder = defaultBuilder) throws -> LearnedOptimizerCheckpoint {
        func fail(_ message: String) -> SpecError { SpecError(path, message) }
        let meta = file.metadata
        guard let format = meta["format"] else {
            throw fail("not a metatrain learned-optimizer checkpoint (safetensors metadata has no 'format')")
        }
        guard format == Self.format else {
            throw fail("not a metatrain learned-optimizer checkpoint: format is '\(format)', expected '\(Self.format)'")
        }
        guard let versionText = meta["format_version"], let version = Int(versionText), version >= 1 else {
            throw fail("format_version is missing or not a positive integer: '\(meta["format_version"] ?? "")'")
        }
        guard version <= Self.formatVersion else {
            throw fail("written by a newer metatrain: format \(version), this build reads ≤ \(Self.formatVersion)")
        }
        let decoder = JSONDecoder()
        guard let architectureText = meta["architecture"] else { throw fail("metadata 'architecture' is missing") }
        let architecture: LearnedOptimizerArchitecture
        do { architecture = try decoder.decode(LearnedOptimizerArchitecture.self, from: Data(architectureText.utf8)) } catch {
            throw fail("metadata 'architecture' is not an architecture this build knows: \(architectureText) (\(SpecError.from(error).description))")
        }
        guard let layoutText = meta["meta_layout"] else { throw fail("metadata 'meta_layout' is missing") }
        let layout: ParameterLayout
        do { layout = try decoder.decode(ParameterLayout.self, from: Data(layoutText.utf8)) } catch {
            throw fail("metadata 'meta_layout' does not decode: \(SpecError.from(error).description)")
        }
        guard Self.isConsistent(layout) else { throw fail("metadata 'meta_layout' is inconsistent (offsets, counts or shapes)") }
        guard let fsvText = meta["feature_spec_version"], let fsv = Int(fsvText) else {
            throw fail("metadata 'feature_spec_version' is missing or not an integer")
        }
        guard fsv == MetaLearned.featureSpecVersion else {
            throw fail("θ was trained with feature-spec version \(fsv), but this build computes version \(MetaLearned.featureSpecVersion): the features differ, so θ cannot be used")
        }
        let outerStep: Int
        if let s = meta["outer_step"] {
            guard let n = Int(s), n >= 0 else { throw fail("metadata 'outer_step' is not a non-negative integer: '\(s)'") }
            outerStep = n
        } else {
            outerStep = 0
        }
        var created: Date?
        if let s = meta["created"] {
            guard let d = Self.dateFormatter().date(from: s) else { throw fail("metadata 'created' is not an ISO 8601 date: '\(s)'") }
            created = d
        }

        // The architecture must read exactly this layout.
        let learned: any LearnedOptimizer
        do { learned = try build(architecture) } catch {
            throw fail("cannot build architecture \(architectureText): \(error)")
        }
        if let why = Self.layoutDifference(stored: layout, expected: learned.metaLayout) {
            throw fail("meta-layout does not match architecture \(architectureText): \(why) (a checkpoint of another architecture or other widths?)")
        }

        var theta = [Float](repeating: 0, count: layout.count)
        for t in layout.tensors {
            let name = Self.thetaPrefix + t.name
            guard let tensor = file.tensors[name] else { throw fail("θ tensor '\(name)' is missing") }
            guard tensor.dtype == .f32 else { throw fail("θ tensor '\(name)' has dtype \(tensor.dtype.rawValue), expected F32") }
            guard tensor.shape == t.shape else { throw fail("θ tensor '\(name)' has shape \(tensor.shape), expected \(t.shape)") }
            let values = tensor.floats
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("θ tensor '\(name)' holds a non-finite value (\(values[i])) at element \(i)")
            }
            theta.replaceSubrange(t.range, with: values)
        }
        var blobs: [String: Data] = [:]
        for (name, tensor) in file.tensors where !name.hasPrefix(Self.thetaPrefix) {
            guard tensor.dtype == .u8, tensor.shape.count == 1 else {
                throw fail("tensor '\(name)' is neither θ nor a U8 blob")
            }
            blobs[name] = tensor.bytes
        }
        if let extra = file.tensors.keys.sorted().first(where: { $0.hasPrefix(Self.thetaPrefix) && layout[String($0.dropFirst(Self.thetaPrefix.count))] == nil }) {
            throw fail("θ tensor '\(extra)' is not in the meta-layout")
        }
        return LearnedOptimizerCheckpoint(
            architecture: architecture, metaLayout: layout, metaParameters: theta, featureSpecVersion: fsv,
            config: meta["config"], outerStep: outerStep, created: created, blobs: blobs,
            metadata: meta.filter { !Self.reservedMetadataKeys.contains($0.key) })
    }

    /// The learned optimizer this checkpoint's architecture describes.
    public func learnedOptimizer(build: Builder = defaultBuilder) throws -> any LearnedOptimizer {
        let learned = try build(architecture)
        if let why = Self.layoutDifference(stored: metaLayout, expected: learned.metaLayout) {
            throw SpecError("checkpoint", "meta-layout does not match the architecture: \(why)")
        }
        return learned
    }

    /// The inner optimizer with θ applied.
    public func optimizer(build: Builder = defaultBuilder) throws -> any Optimizer {
        try learnedOptimizer(build: build).optimizer(metaParameters: metaParameters)
    }

    /// Why two layouts differ, or nil when they are equal.
    static func layoutDifference(stored: ParameterLayout, expected: ParameterLayout) -> String? {
        if stored == expected { return nil }
        for (s, e) in zip(stored.tensors, expected.tensors) where s != e {
            if s.name != e.name { return "tensor '\(s.name)' where the architecture has '\(e.name)'" }
            return "tensor '\(s.name)' has shape \(s.shape), the architecture's has \(e.shape)"
        }
        return "\(stored.tensors.count) tensors (\(stored.count) values), the architecture has \(expected.tensors.count) (\(expected.count) values)"
    }

    /// A decoded layout could hold anything: check it is what `ParameterLayout.append` builds.
    static func isConsistent(_ layout: ParameterLayout) -> Bool {
        var offset = 0
        var names = Set<String>()
        for t in layout.tensors {
            guard t.offset == offset, t.shape.allSatisfy({ $0 > 0 && $0 <= 1 << 31 }), names.insert(t.name).inserted else { return false }
            var n = 1
            for d in t.shape {
                let (p, o) = n.multipliedReportingOverflow(by: d)
                guard !o, p <= 1 << 40 else { return false }
                n = p
            }
            offset += n
        }
        return offset == layout.count
    }

    static func dateFormatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
