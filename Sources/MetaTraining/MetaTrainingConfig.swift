// The configuration of a meta-training run (docs/architecture.md §3): plain Codable data, read strictly (unknown keys
// and out-of-range values are `SpecError`s naming the key), every field with a default.

import Foundation
import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks

/// Which outer-gradient estimator meta-training uses.
public enum GradientEstimatorKind: String, Codable, CaseIterable, Sendable {
    /// Persistent evolution strategies (Vicol et al. 2021): unbiased over whole episodes.
    case pes
    /// Antithetic truncated ES: biased towards short horizons, lower variance.
    case es
}

/// Where the meta-training tasks come from.
public enum MetaTaskSource: Hashable, Sendable, Codable {
    /// A task list of the zoo by name (`"train"`).
    case zooList(String)
    /// Explicit task configs.
    case explicit([TaskConfig])

    /// JSON: a string names a zoo list; an array holds task configs.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let name = try? c.decode(String.self) {
            guard TaskZoo.listNames.contains(name) else {
                throw SpecError(SpecError.path(decoder.codingPath),
                                "unknown task list '\(name)'; one of: \(TaskZoo.listNames.joined(separator: ", ")) or an array of task configs")
            }
            self = .zooList(name)
            return
        }
        let configs = try c.decode([TaskConfig].self)
        guard !configs.isEmpty else { throw SpecError(SpecError.path(decoder.codingPath), "needs at least one task") }
        self = .explicit(configs)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .zooList(let name): try c.encode(name)
        case .explicit(let configs): try c.encode(configs)
        }
    }
}

/// How the per-step losses of an episode weigh in the meta-loss.
public enum MetaLossWeighting: String, Codable, CaseIterable, Sendable {
    /// Every inner step alike: the meta-loss is the mean loss over the trajectory.
    case mean
    /// Step t of an episode of T steps weighs 2(t + 1)/T (mean weight ≈ 1 over the episode): the
    /// meta-objective leans on the end of training, where `compare` scores, so an optimizer that is
    /// fast early and then overfits or stalls no longer wins it.
    case ramp

    /// The weight of inner step `step` (0-based) of an episode of `horizon` steps.
    public func weight(step: Int, horizon: Int) -> Double {
        switch self {
        case .mean: return 1
        case .ramp: return 2 * Double(step + 1) / Double(max(1, horizon))
        }
    }
}

/// Everything that decides a meta-training run. Same config and seed → bit-identical θ and metrics,
/// whatever `threads` is.
public struct MetaTrainingConfig: Codable, Hashable, Sendable {
    /// The learned optimizer being meta-trained.
    public var architecture: LearnedOptimizerArchitecture = .learnableAdam
    /// Warm start: a learned-optimizer checkpoint (path, relative to the working directory) whose θ
    /// replaces the architecture's initializer; its architecture must be `architecture`. Only θ is
    /// taken (the outer optimizer and the slots start fresh). nil: θ from the initializer.
    public var initialCheckpoint: String? = nil
    public var estimator: GradientEstimatorKind = .pes
    /// The task pool; each slot samples its task from it at every new episode.
    public var tasks: MetaTaskSource = .zooList("train")
    /// Keeps only tasks of these families (nil: all).
    public var families: [TaskFamilyName]? = nil
    /// Outer batch: tasks (slots) unrolled per outer step, each with a ± pair.
    public var tasksPerStep: Int = 8
    /// Inner steps per truncation (K).
    public var truncationLength: Int = 50
    /// Total inner steps of an episode (T), log-uniform in this range (both ends inclusive).
    public var horizon: ClosedRange<Int> = 100...300
    /// Start each slot's first episode at a random step in [0, T) so truncations of different slots
    /// end at different times (learned_optimization's random initial iteration offset).
    public var randomInitialOffset: Bool = true
    /// Standard deviation of the perturbation ε ~ N(0, σ²I) of θ.
    public var sigma: Float = 0.01
    /// The outer optimizer (an optimizer spec the catalogue builds).
    public var outerOptimizer: String = "adam:lr=1e-3"
    /// Optimizer wrappers around the learned optimizer during inner training, as a spec in which
    /// `theta` names the learned optimizer: `plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[theta]]`
    /// meta-trains θ for use inside those wrappers (nil: the bare learned optimizer). Checkpoints hold θ
    /// alone; use it with the same wrappers around `lo:PATH`.
    public var innerWrapper: String? = nil
    /// Every element of ĝ is clipped to ±this (paper App. F: no training without it); 0 turns clipping
    /// off (learned_optimization's outer trainers do not clip; the quadratic sanity run follows them).
    public var gradientClip: Float = 0.1
    /// NaN, infinite, and larger normalized losses count as this.
    public var lossCap: Float = 20
    /// Outer steps of the run.
    public var outerSteps: Int = 1000
    public var seed: UInt64 = 0
    /// Worker threads (nil: all cores). Results do not depend on it.
    public var threads: Int? = nil
    /// Where meta-losses are measured: `validation` (held-out batches) or `train`.
    public var metaLossSplit: DataSplit = .validation
    /// How the per-step losses of an episode weigh in the meta-loss (nil: `mean`, every step alike, as
    /// learned_optimization; left out of the saved config then, so earlier configs encode as before).
    public var metaLossWeighting: MetaLossWeighting? = nil
    /// Housekeeping for the train command: minutes between evaluations and checkpoints, and the
    /// metrics file name inside the run directory.
    public var evaluateEveryMinutes: Double = 30
    public var checkpointEveryMinutes: Double = 10
    public var metricsFile: String = "metrics.jsonl"

    public init() {}

    static let keys = [
        "architecture", "initialCheckpoint", "estimator", "tasks", "families", "tasksPerStep", "truncationLength", "horizon",
        "randomInitialOffset", "sigma", "outerOptimizer", "innerWrapper", "gradientClip", "lossCap", "outerSteps", "seed",
        "threads", "metaLossSplit", "metaLossWeighting", "evaluateEveryMinutes", "checkpointEveryMinutes", "metricsFile",
    ]

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: Self.keys)
        let d = MetaTrainingConfig()
        architecture = try r.value("architecture", default: d.architecture)
        if let path: String = try r.optional("initialCheckpoint") {
            guard !path.isEmpty else { throw r.error("initialCheckpoint", "needs a checkpoint path (or leave it out)") }
            initialCheckpoint = path
        }
        estimator = try r.choice("estimator", default: d.estimator)
        tasks = try r.value("tasks", default: d.tasks)
        if let f: [String] = try r.optional("families") {
            var out: [TaskFamilyName] = []
            for (i, name) in f.enumerated() {
                guard let fam = TaskFamilyName(rawValue: name) else {
                    throw SpecError("\(SpecError.path(decoder.codingPath + [AnyKey("families")]))[\(i)]",
                                    "unknown family '\(name)'; one of: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                out.append(fam)
            }
            guard !out.isEmpty else { throw r.error("families", "needs at least one family (or leave it out)") }
            families = out
        }
        tasksPerStep = try r.value("tasksPerStep", default: d.tasksPerStep, in: 1...4096)
        truncationLength = try r.value("truncationLength", default: d.truncationLength, in: 1...1_000_000)
        let h = try r.array("horizon", default: [d.horizon.lowerBound, d.horizon.upperBound], count: 2...2, each: 1...100_000_000)
        guard h[0] <= h[1] else { throw r.error("horizon", "needs [min, max] with min ≤ max, found \(h)") }
        horizon = h[0]...h[1]
        randomInitialOffset = try r.value("randomInitialOffset", default: d.randomInitialOffset)
        sigma = try r.value("sigma", default: d.sigma, in: 1e-8...10)
        outerOptimizer = try r.value("outerOptimizer", default: d.outerOptimizer)
        do { _ = try OptimizerSpec.parse(outerOptimizer) } catch {
            throw r.error("outerOptimizer", "'\(outerOptimizer)' is not an optimizer spec: \(error)")
        }
        if let wrapper: String = try r.optional("innerWrapper") {
            let spec: OptimizerSpec
            do { spec = try OptimizerSpec.parse(wrapper) } catch {
                throw r.error("innerWrapper", "'\(wrapper)' is not an optimizer spec: \(error)")
            }
            guard OptimizerCatalogue.mentionsPlaceholder(spec) else {
                throw r.error("innerWrapper", "'\(wrapper)' must name the learned optimizer as '\(OptimizerCatalogue.placeholderName)', e.g. hypergrad:inner=[theta]")
            }
            innerWrapper = wrapper
        }
        gradientClip = try r.value("gradientClip", default: d.gradientClip, in: 0...Float.greatestFiniteMagnitude)
        lossCap = try r.value("lossCap", default: d.lossCap, in: 1e-6...1e12)
        outerSteps = try r.value("outerSteps", default: d.outerSteps, in: 0...1_000_000_000)
        seed = try r.value("seed", default: d.seed)
        if r.has("threads") { threads = try r.value("threads", default: 1, in: 1...1024) }
        metaLossSplit = try r.choice("metaLossSplit", default: d.metaLossSplit)
        guard metaLossSplit != .test else {
            throw r.error("metaLossSplit", "'test' is reserved for final reports; use validation or train")
        }
        if r.has("metaLossWeighting") {
            let w: MetaLossWeighting = try r.choice("metaLossWeighting", default: nil)
            metaLossWeighting = w == .mean ? nil : w
        }
        evaluateEveryMinutes = try r.value("evaluateEveryMinutes", default: d.evaluateEveryMinutes, in: 0...1e9)
        checkpointEveryMinutes = try r.value("checkpointEveryMinutes", default: d.checkpointEveryMinutes, in: 0...1e9)
        metricsFile = try r.value("metricsFile", default: d.metricsFile)
        guard !metricsFile.isEmpty, !metricsFile.contains("/") else {
            throw r.error("metricsFile", "needs a plain file name, found '\(metricsFile)'")
        }
    }

    /// Reads a config from JSON, turning every decoding error into a `SpecError` naming the key.
    public static func decode(_ data: Data, file: String? = nil) throws -> MetaTrainingConfig {
        do { return try JSONDecoder().decode(MetaTrainingConfig.self, from: data) } catch {
            throw SpecError.from(error, file: file, data: data)
        }
    }

    /// The task pool: the named zoo list (or the explicit configs), filtered by `families`.
    /// Zoo dataset paths are made absolute against the zoo directory.
    public func resolveTasks(zoo: TaskZoo? = nil) throws -> [TaskConfig] {
        var pool: [TaskConfig]
        switch tasks {
        case .explicit(let configs): pool = configs
        case .zooList(let name):
            let z = try zoo ?? TaskZoo.locate()
            pool = try z.list(name).tasks.map { $0.config.resolvingPaths(relativeTo: z.directory) }
        }
        if let families { pool = pool.filter { families.contains($0.family) } }
        guard !pool.isEmpty else {
            throw SpecError("tasks", "no tasks left after the family filter \(families?.map(\.rawValue) ?? [])")
        }
        return pool
    }

    /// docs/architecture.md §3's sanity target: 4 × 10-dimensional quadratics `‖p − p*‖²` (p* ~ N(0, I), p0 ~ N(0, I)),
    /// PES, truncation 50, horizon log-uniform in [100, 300], Adam 1e-3, 1,500 outer steps, and like
    /// learned_optimization's outer trainer no clipping of ĝ (with the ±0.1 clip this toy learns more
    /// slowly: last-100 / first-100 meta-loss 0.36 against 0.28 without, mean of 4 seeds).
    ///
    /// `QuadraticConfig(dimension: 10, spectrum: .linear, condition: 1, rotate: false, scale: 2)` is exactly
    /// that loss: condition 1 makes every eigenvalue 1, so `scale · ½ ‖p − p*‖² = ‖p − p*‖²`. The four tasks
    /// differ in their target (seeds 0…3). Meta-losses here are *normalized* (divided by the expected
    /// initial loss 10 + ‖p*‖², about 20), so learned_optimization's 19.3 → 5.3 corresponds to
    /// roughly 1 → 0.27 here.
    public static var quadraticSanity: MetaTrainingConfig {
        var c = MetaTrainingConfig()
        c.estimator = .pes
        c.tasks = .explicit((0..<4).map { seed in
            .quadratic(QuadraticConfig(dimension: 10, spectrum: .linear, condition: 1, noise: 0, scale: 2, rotate: false, seed: UInt64(seed)))
        })
        c.tasksPerStep = 4
        c.truncationLength = 50
        c.horizon = 100...300
        c.sigma = 0.01
        c.outerOptimizer = "adam:lr=1e-3"
        c.gradientClip = 0
        c.outerSteps = 1500
        c.metaLossSplit = .validation
        return c
    }
}
