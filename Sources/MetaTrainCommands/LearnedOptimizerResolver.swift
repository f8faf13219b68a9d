// `lo:PATH` (or `lo:path=PATH`) in any optimizer spec: the inner optimizer of a saved learned
// optimizer, θ applied. `lo:default` is `Checkpoints/default.safetensors` of the package. Loaded
// checkpoints are cached by path, so a comparison that builds the optimizer per task reads it once.
// `learned[:PATH,…]` is the same optimizer inside the recommended step-size wrappers
// (`recommendedWrapper`), `learned` alone the shipped default used as recommended.

import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers

/// Resolves `lo:…` specs to the optimizers of learned-optimizer checkpoints.
public final class LearnedOptimizerResolver: @unchecked Sendable {
    /// The spec name.
    public static let name = "lo"
    /// The spec name of a checkpoint inside the recommended wrappers: `learned` = `learned:default`.
    public static let recommendedName = "learned"
    /// The wrappers `learned:PATH,…` puts around `lo:PATH,…` (`theta` stands for it), chosen on the train
    /// and valid lists for the shipped default (README, "The recommended spec, selected a fifth time").
    public static let recommendedWrapper =
        "keep_best:tolerance=0.05,smoothing=0.95,inner=[plateau:rise=0.1,inner=[hypergrad:beta=0.3,init_scale=0.25,kernel_init_scale=0.5,max_scale=10,inner=[gap_decay:weight_decay=1e-2,gap=0.4,decay=dense,inner=[theta]]]]"
    /// The checkpoint `lo:default` names, relative to the package root.
    public static let defaultCheckpoint = "Checkpoints/default.safetensors"

    private let build: LearnedOptimizerCheckpoint.Builder
    private let lock = NSLock()
    private var cache: [String: LearnedOptimizerCheckpoint] = [:]

    public init(build: @escaping LearnedOptimizerCheckpoint.Builder = LearnedOptimizerCheckpoint.defaultBuilder) {
        self.build = build
    }

    /// The resolver used by the commands.
    public static let shared = LearnedOptimizerResolver()

    /// Appends the shared resolver to `OptimizerFactory.resolvers` once (idempotent).
    public static func register() { OptimizerFactory.register(shared.resolver) }

    /// This resolver as an `OptimizerResolver` for `OptimizerFactory`.
    public var resolver: OptimizerResolver {
        OptimizerResolver(names: [Self.name, Self.recommendedName]) { [self] spec in
            spec.name == Self.recommendedName ? try self.makeRecommended(spec) : try self.make(spec)
        }
    }

    /// Keys a `lo:` spec accepts besides its path: `scale` multiplies every update the learned
    /// optimizer proposes (optax's `chain(lopt, scale(s))`); `weight_decay` λ subtracts λ·p from
    /// every update after that (decoupled weight decay: p ← p + s·u − λ·p), on every tensor or, with
    /// `decay=matrices`, only on tensors of rank ≥ 2, with `decay=dense` only on rank-2 ones (dense weight
    /// matrices, not convolution kernels); the common keys (clipping, schedules) work as
    /// for the hand-designed optimizers.
    public static let keys = [OptimizerSpec.positionalKey, "scale", "weight_decay", "decay"] + OptimizerRegistry.commonKeys

    /// The optimizer of `lo:PATH`; errors name the spec or the file.
    public func make(_ spec: OptimizerSpec) throws -> any Optimizer {
        let settings = try SpecSettings(spec, allowed: Self.keys)
        let scale = try settings.float("scale", default: 1, in: Float.leastNormalMagnitude...Float.greatestFiniteMagnitude)
        let checkpoint = try self.checkpoint(spec)
        var optimizer: any Optimizer
        do { optimizer = try checkpoint.optimizer(build: build) } catch let e as SpecError {
            throw SpecError("\(try path(of: spec)): \(e.location)", e.message)
        }
        if scale != 1 { optimizer = chain(optimizer, ScaleByLearningRate(scale, flipSign: false)) }
        let weightDecay = try settings.float("weight_decay", default: 0, in: 0...1)
        let mask = try settings.choice("decay", default: "all", from: AddDecayedWeights.maskNames)
        if settings.spec["decay"] != nil && weightDecay == 0 { throw SpecError("optimizer 'lo', key 'decay'", "needs weight_decay > 0") }
        if weightDecay > 0 { optimizer = chain(optimizer, AddDecayedWeights(-weightDecay, mask: mask)) }
        return try OptimizerRegistry.wrapCommon(optimizer, settings: settings)
    }

    /// The optimizer of `learned[:PATH,…]`: `lo:PATH,…` (PATH `default` when absent) inside
    /// `recommendedWrapper`; errors name the `learned` spec.
    public func makeRecommended(_ spec: OptimizerSpec) throws -> any Optimizer {
        var settings = spec.settings
        if spec[OptimizerSpec.positionalKey] == nil { settings.insert((OptimizerSpec.positionalKey, .text("default")), at: 0) }
        let inner: any Optimizer
        do { inner = try make(OptimizerSpec(name: Self.name, settings: settings)) } catch let e as SpecError {
            throw SpecError(e.location.replacingOccurrences(of: "optimizer '\(Self.name)'", with: "optimizer '\(Self.recommendedName)'"), e.message)
        }
        return try OptimizerRegistry.wrapping(inner, in: OptimizerSpec.parse(Self.recommendedWrapper))
    }

    /// The checkpoint a `lo:` spec names (loaded once per path).
    public func checkpoint(_ spec: OptimizerSpec) throws -> LearnedOptimizerCheckpoint {
        let path = try self.path(of: spec)
        lock.lock()
        defer { lock.unlock() }
        if let c = cache[path] { return c }
        let c = try LearnedOptimizerCheckpoint.load(from: path, build: build)
        cache[path] = c
        return c
    }

    /// The file a `lo:` spec names: its `path` setting, with `default` located in the package.
    public func path(of spec: OptimizerSpec) throws -> String {
        _ = try SpecSettings(spec, allowed: Self.keys)
        guard let value = spec[OptimizerSpec.positionalKey] else {
            throw SpecError("optimizer '\(spec.name)'", "needs a checkpoint: lo:PATH, lo:path=PATH or lo:default")
        }
        guard case .text(let text) = value else {
            throw SpecError("optimizer '\(spec.name)', key 'path'", "expected a file path, found a spec")
        }
        if text == "default" { return try Self.locateDefault() }
        return URL(fileURLWithPath: text).standardizedFileURL.path
    }

    /// `Checkpoints/default.safetensors` in the current directory, else in the package this binary
    /// was built from.
    public static func locateDefault() throws -> String {
        let fm = FileManager.default
        let local = fm.currentDirectoryPath + "/" + defaultCheckpoint
        if fm.fileExists(atPath: local) { return local }
        // Sources/MetaTrainCommands/LearnedOptimizerResolver.swift → package root
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let built = root.appendingPathComponent(defaultCheckpoint).path
        if fm.fileExists(atPath: built) { return built }
        throw SpecError("lo:default", "\(defaultCheckpoint) not found in the current directory or in the package at \(root.path)")
    }
}
