// The learned optimizers as catalogue kinds and as a typed API.
// `lo:PATH` (or `lo:path=PATH`): the inner optimizer of a saved learned-optimizer checkpoint, θ applied;
// `lo:default` is the checkpoint shipped inside this library (a SwiftPM resource embedded in the code,
// so it works from any directory, an installed binary and a dependent package alike).
// `learned[:PATH,…]` is the same optimizer inside the recommended wrappers (`recommendedWrapper`);
// `learned` alone is the shipped default used as recommended. Checkpoints are cached by path, so a
// comparison that builds the optimizer per task reads each file once.

@_exported import MetaCore
@_exported import MetaOptimizers
import Foundation

/// Where a `lo:` spec's checkpoint comes from.
public enum CheckpointSource: Hashable, Sendable, CustomStringConvertible {
    /// The checkpoint built into this library (`lo:default`).
    case shipped
    /// A safetensors file (an absolute, standardized path).
    case file(String)

    public var description: String {
        switch self {
        case .shipped: return "lo:default (the checkpoint built into MetaLearned)"
        case .file(let path): return path
        }
    }
}

extension LearnedOptimizerCheckpoint {
    /// The shipped checkpoint (`lo:default`): LSTM_FF meta-trained on the zoo's train list
    /// (Checkpoints/README.md is its model card).
    public static func shipped(build: Builder = defaultBuilder) throws -> LearnedOptimizerCheckpoint {
        let name = CheckpointSource.shipped.description
        return try decode(try SafeTensorsFile.decode(Data(PackageResources.default_safetensors), path: name), path: name, build: build)
    }
}

/// The recommended learned optimizer and its plain form, built without any spec text.
public enum LearnedOptimizers {
    /// `learned`: the checkpoint (the shipped one by default) inside `LearnedOptimizerKinds.recommendedWrapper`,
    /// its updates multiplied by `scale`. This is what `metatrain optimize --optimizer learned` runs; feed it
    /// a validation loss after every step (`OptimizerRun.validationLoss`), since its wrappers read one.
    public static func recommended(checkpoint: LearnedOptimizerCheckpoint? = nil, scale: Float = 1) throws -> any Optimizer {
        let inner = try plain(checkpoint: checkpoint, scale: scale)
        return try OptimizerCatalogue.handDesigned.make(try OptimizerSpec.parse(LearnedOptimizerKinds.recommendedWrapper), theta: inner)
    }

    /// `lo:default` (or `lo:PATH` for another checkpoint): the learned update rule alone, its updates
    /// multiplied by `scale`, then decoupled weight decay `weightDecay`·p on the tensors `decay` names
    /// (`AddDecayedWeights.maskNames`: all, matrices, dense).
    public static func plain(checkpoint: LearnedOptimizerCheckpoint? = nil, scale: Float = 1, weightDecay: Float = 0,
                             decay: String = "all") throws -> any Optimizer {
        precondition(scale > 0 && scale.isFinite, "scale must be positive")
        precondition((0...1).contains(weightDecay), "weightDecay must be in 0...1")
        var optimizer = try (checkpoint ?? LearnedOptimizerCheckpoint.shipped()).optimizer()
        if scale != 1 { optimizer = chain(optimizer, ScaleByLearningRate(scale, flipSign: false)) }
        if weightDecay > 0 { optimizer = chain(optimizer, AddDecayedWeights(-weightDecay, mask: decay)) }
        return optimizer
    }
}

extension OptimizerCatalogue {
    /// The hand-designed kinds with `lo:` and `learned` (the shared checkpoint cache).
    public static let withLearnedOptimizers = OptimizerCatalogue.handDesigned.adding(LearnedOptimizerKinds.shared.kinds)
}

/// `lo:` and `learned` as catalogue kinds, with a cache of the checkpoints they load.
public final class LearnedOptimizerKinds: @unchecked Sendable {
    /// The spec name of a checkpoint's optimizer.
    public static let name = "lo"
    /// The spec name of a checkpoint inside the recommended wrappers: `learned` = `learned:default`.
    public static let recommendedName = "learned"
    /// The word that names the shipped checkpoint: `lo:default`.
    public static let shippedName = "default"
    /// The wrappers `learned:PATH,…` puts around `lo:PATH,…` (`theta` stands for it), chosen on the train
    /// and valid lists for the shipped default (CHANGELOG.md lists what `learned` has named over time).
    public static let recommendedWrapper =
        "keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.1,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[theta]]]]"

    /// Keys a `lo:` spec accepts besides its path: `scale` multiplies every update the learned
    /// optimizer proposes (optax's `chain(lopt, scale(s))`); `weight_decay` λ subtracts λ·p from
    /// every update after that (decoupled weight decay: p ← p + s·u − λ·p), on every tensor or, with
    /// `decay=matrices`, only on tensors of rank ≥ 2, with `decay=dense` only on rank-2 ones (dense weight
    /// matrices, not convolution kernels); the common keys (clipping, schedules) work as
    /// for the hand-designed optimizers.
    public static let keys: [(key: String, defaultValue: String)] = [
        (OptimizerSpec.positionalKey, "(required: a checkpoint file, or default)"), ("scale", "1"), ("weight_decay", "0"), ("decay", "all"),
    ]

    private let build: LearnedOptimizerCheckpoint.Builder
    private let lock = NSLock()
    private var cache: [CheckpointSource: LearnedOptimizerCheckpoint] = [:]

    /// `build` makes the learned optimizer an architecture names (tests substitute their own).
    public init(build: @escaping LearnedOptimizerCheckpoint.Builder = LearnedOptimizerCheckpoint.defaultBuilder) {
        self.build = build
    }

    /// The instance `OptimizerCatalogue.withLearnedOptimizers` uses.
    public static let shared = LearnedOptimizerKinds()

    /// `lo` and `learned`, for `OptimizerCatalogue.adding`.
    public var kinds: [OptimizerKind] {
        [
            OptimizerKind(
                name: Self.name,
                summary: "a meta-trained learned optimizer: lo:PATH (a checkpoint `metatrain train` wrote) or lo:default (the shipped one); u = scale*lo(g) - weight_decay*p",
                keys: Self.keys, handlesCommonKeys: true, example: "lo:default"
            ) { [self] s in try self.make(s) },
            OptimizerKind(
                name: Self.recommendedName,
                summary: "the recommended learned optimizer: lo:PATH,... (PATH default when absent) inside \(Self.recommendedWrapper)",
                keys: Self.keys.map { $0.key == OptimizerSpec.positionalKey ? ($0.key, "default") : $0 },
                handlesCommonKeys: true
            ) { [self] s in try self.makeRecommended(s) },
        ]
    }

    /// The optimizer of `lo:PATH,…`; errors name the spec or the file.
    public func make(_ settings: SpecSettings) throws -> any Optimizer {
        let spec = settings.spec
        let scale = try settings.float("scale", default: 1, in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)
        let checkpoint = try self.checkpoint(spec)
        var optimizer: any Optimizer
        do { optimizer = try checkpoint.optimizer(build: build) } catch let e as SpecError {
            throw SpecError("\(try source(of: spec)): \(e.location)", e.message)
        }
        if scale != 1 { optimizer = chain(optimizer, ScaleByLearningRate(scale, flipSign: false)) }
        let weightDecay = try settings.float("weight_decay", default: 0, in: 0...1)
        let mask = try settings.choice("decay", default: "all", from: AddDecayedWeights.maskNames)
        if spec["decay"] != nil && weightDecay == 0 { throw SpecError("optimizer '\(spec.name)', key 'decay'", "needs weight_decay > 0") }
        if weightDecay > 0 { optimizer = chain(optimizer, AddDecayedWeights(-weightDecay, mask: mask)) }
        return try OptimizerCatalogue.wrapCommon(optimizer, settings: settings)
    }

    /// The optimizer of `learned[:PATH,…]`: `lo:PATH,…` (PATH `default` when absent) inside
    /// `recommendedWrapper`, built by the same catalogue.
    public func makeRecommended(_ settings: SpecSettings) throws -> any Optimizer {
        var spec = settings.spec
        if spec[OptimizerSpec.positionalKey] == nil { spec.settings.insert((OptimizerSpec.positionalKey, .text(Self.shippedName)), at: 0) }
        let inner = try make(SpecSettings(spec, allowed: settings.allowed, catalogue: settings.catalogue))
        return try settings.catalogue.make(try OptimizerSpec.parse(Self.recommendedWrapper), theta: inner)
    }

    /// The checkpoint a `lo:` spec names (loaded once per source).
    public func checkpoint(_ spec: OptimizerSpec) throws -> LearnedOptimizerCheckpoint {
        let source = try self.source(of: spec)
        lock.lock()
        defer { lock.unlock() }
        if let c = cache[source] { return c }
        let c: LearnedOptimizerCheckpoint
        switch source {
        case .shipped: c = try LearnedOptimizerCheckpoint.shipped(build: build)
        case .file(let path): c = try LearnedOptimizerCheckpoint.load(from: path, build: build)
        }
        cache[source] = c
        return c
    }

    /// Where a `lo:` spec's checkpoint is: its `path` setting, `default` meaning the shipped one.
    public func source(of spec: OptimizerSpec) throws -> CheckpointSource {
        guard let value = spec[OptimizerSpec.positionalKey] else {
            throw SpecError("optimizer '\(spec.name)'", "needs a checkpoint: lo:PATH, lo:path=PATH or lo:default")
        }
        guard case .text(let text) = value else {
            throw SpecError("optimizer '\(spec.name)', key 'path'", "expected a file path, found a spec")
        }
        if text == Self.shippedName { return .shipped }
        return .file(URL(fileURLWithPath: text).standardizedFileURL.path)
    }
}
