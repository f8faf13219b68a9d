// What `compare` runs as one column of its tables: an optimizer built from a spec by the optimizer
// catalogue it is given, or a per-task learning-rate sweep such as `adam-tuned` that keeps the rate
// with the best validation loss.

import Foundation
import MetaCore
import MetaOptimizers

/// A learning-rate sweep run per (task, seed): every rate is trained from the same initialization and
/// batches; the rate whose run ends with the lowest final *validation* loss wins (diverged runs never
/// win; ties go to the smaller rate) and that run's *test* loss is reported. Choosing on validation and
/// reporting test keeps the tuning from seeing the numbers it is judged on. By default (`per=seed`) each
/// seed picks its own rate; with `per=task` one rate serves all the seeds of a task: the one whose runs
/// have the lowest mean final validation loss over the seeds (a rate that diverges on any seed never wins).
public struct LearningRateSweep: Sendable, Equatable {
    /// The optimizer whose `lr` is swept (other settings kept).
    public var base: OptimizerSpec
    /// Ascending rates.
    public var learningRates: [Float]
    /// One rate per task (mean validation loss over the seeds) instead of one per (task, seed).
    public var perTask: Bool
    /// The keys that lead from `base` to the spec whose `lr` is swept (`["inner", "inner"]` for
    /// `plateau:inner=[hypergrad:inner=[adam]]`; empty: `base` itself).
    public var ratePath: [String]

    public init(base: OptimizerSpec, learningRates: [Float], perTask: Bool = false, ratePath: [String] = []) {
        self.base = base
        self.learningRates = learningRates
        self.perTask = perTask
        self.ratePath = ratePath
    }

    /// The paths (keys from `spec`) of the specs inside it whose kind takes `lr`, depth first.
    public static func ratePaths(in spec: OptimizerSpec, catalogue: OptimizerCatalogue, path: [String] = []) -> [[String]] {
        var found: [[String]] = []
        if catalogue.kind(named: spec.name)?.keys.contains(where: { $0.key == "lr" }) == true { found.append(path) }
        for (key, value) in spec.settings {
            switch value {
            case .spec(let inner): found += ratePaths(in: inner, catalogue: catalogue, path: path + [key])
            case .text(let name) where key == "inner" || catalogue.kind(named: name) != nil && key != OptimizerSpec.positionalKey:
                found += ratePaths(in: OptimizerSpec(name: name), catalogue: catalogue, path: path + [key])
            default: break
            }
        }
        return found
    }

    /// The one spec inside `spec` whose `lr` a sweep sets: given by `explicit` (`lr_path=inner.inner`, or
    /// `.` for the spec itself), else found (it must be unique).
    static func ratePath(in spec: OptimizerSpec, catalogue: OptimizerCatalogue, explicit: String?, sweep: String) throws -> [String] {
        let paths = ratePaths(in: spec, catalogue: catalogue)
        func show(_ p: [String]) -> String { p.isEmpty ? "." : p.joined(separator: ".") }
        if let explicit {
            let p = explicit == "." ? [] : explicit.split(separator: ".").map(String.init)
            guard paths.contains(p) else {
                throw SpecError("optimizer '\(sweep)', key 'lr_path'",
                                "'\(explicit)' does not lead to an optimizer that takes lr; candidates: \(paths.map(show).joined(separator: ", "))")
            }
            return p
        }
        guard !paths.isEmpty else {
            throw SpecError("optimizer '\(sweep)', key 'inner'", "no optimizer inside '\(spec)' takes a learning rate (lr)")
        }
        guard paths.count == 1 else {
            throw SpecError("optimizer '\(sweep)', key 'inner'",
                            "several optimizers inside take lr (\(paths.map(show).joined(separator: ", "))); choose one with lr_path=")
        }
        return paths[0]
    }

    /// The keys both sweeps read: `min`, `max`, `count` (the rates, `adamTunedDefaults` when absent) and
    /// `per=seed|task`.
    static func reading(_ settings: SpecSettings, base: OptimizerSpec) throws -> LearningRateSweep {
        let d = adamTunedDefaults
        let lo = try settings.float("min", default: Float(d.minimum), in: 1e-12...1e6)
        let hi = try settings.float("max", default: Float(d.maximum), in: 1e-12...1e6)
        let count = try settings.int("count", default: d.count, in: 1...1000)
        guard hi >= lo else { throw SpecError("optimizer '\(settings.spec.name)', key 'max'", "\(hi) is below min \(lo)") }
        let perTask = try settings.choice("per", default: "seed", from: ["seed", "task"]) == "task"
        return LearningRateSweep(base: base, learningRates: logSpaced(from: Double(lo), to: Double(hi), count: count), perTask: perTask)
    }

    /// The base spec with `lr` set at `ratePath`.
    public func spec(learningRate: Float) -> OptimizerSpec {
        func set(_ spec: OptimizerSpec, _ path: ArraySlice<String>) -> OptimizerSpec {
            var s = spec
            guard let key = path.first else {
                s.settings.removeAll { $0.key == "lr" }
                s.settings.append((key: "lr", value: .text("\(learningRate)")))
                return s
            }
            guard let i = s.settings.lastIndex(where: { $0.key == key }) else { return s }
            let inner: OptimizerSpec
            switch s.settings[i].value {
            case .spec(let x): inner = x
            case .text(let name): inner = OptimizerSpec(name: name)
            }
            s.settings[i].value = .spec(set(inner, path.dropFirst()))
            return s
        }
        return set(base, ratePath[...])
    }

    /// `count` rates log-spaced from `minimum` to `maximum` inclusive, rounded to 3 significant digits
    /// (so they print and parse back exactly).
    public static func logSpaced(from minimum: Double, to maximum: Double, count: Int) -> [Float] {
        precondition(minimum > 0 && maximum >= minimum && count >= 1)
        return (0..<count).map { i in
            let f = count == 1 ? 0 : Double(i) / Double(count - 1)
            let x = minimum * pow(maximum / minimum, f)
            return Float(String(format: "%.3g", x))!
        }
    }

    /// The name of the Adam sweep baseline in optimizer lists.
    public static let adamTunedName = "adam-tuned"
    /// Paper defaults (Metz et al. 2020): 14 log-spaced rates in [1e-5, 1e-1].
    public static let adamTunedDefaults = (minimum: 1e-5, maximum: 1e-1, count: 14)

    /// `adam-tuned[:min=…,max=…,count=…,per=seed|task]`: Adam (as the catalogue builds `adam:lr=X`) swept over
    /// `count` log-spaced rates from `min` to `max` (default 14 from 1e-5 to 1e-1), one winner per seed
    /// or (`per=task`) per task.
    public static func adamTuned(_ spec: OptimizerSpec) throws -> LearningRateSweep {
        try reading(SpecSettings(spec, allowed: ["min", "max", "count", "per"]), base: OptimizerSpec(name: "adam"))
    }

    /// The name of the AdamW sweep baseline (AlgoPerf's shape: warm-up and cosine decay over the run).
    public static let adamWTunedName = "adamw-tuned"
    /// What `adamw-tuned` sweeps: AdamW with a linear warm-up over 5% of the run, then a cosine decay to 0.
    public static let adamWTunedBase = "adamw:schedule=warmup_cosine,warmup_fraction=0.05"

    /// `adamw-tuned[:min=…,max=…,count=…,per=seed|task]`: `adamWTunedBase` swept like `adam-tuned`.
    public static func adamWTuned(_ spec: OptimizerSpec) throws -> LearningRateSweep {
        try reading(SpecSettings(spec, allowed: ["min", "max", "count", "per"]), base: OptimizerSpec.parse(adamWTunedBase))
    }

    /// The name of the generic sweep in optimizer lists.
    public static let tunedName = "tuned"

    /// `tuned:inner=[SPEC],min=…,max=…,count=…,per=seed|task[,lr_path=KEY.KEY]`: any optimizer swept like
    /// `adam-tuned` (same defaults), so that two optimizers can be compared with the same tuning budget.
    /// The rate is set on the one optimizer inside SPEC that takes `lr`, however deeply it is nested in
    /// wrappers (`tuned:inner=[plateau:inner=[hypergrad:inner=[adam]]]` sweeps Adam's rate); where several
    /// take one, `lr_path` names it by the keys that lead to it (`inner.inner`, `.` for SPEC itself).
    public static func tuned(_ spec: OptimizerSpec, catalogue: OptimizerCatalogue) throws -> LearningRateSweep {
        let settings = try SpecSettings(spec, allowed: ["inner", "min", "max", "count", "per", "lr_path"])
        guard spec["inner"] != nil else {
            throw SpecError("optimizer '\(spec.name)'", "needs the optimizer to sweep: tuned:inner=[NAME:…],min=…,max=…,count=…")
        }
        let inner = try settings.spec("inner", default: "adam")
        var explicit: String?
        if case .text(let t)? = spec["lr_path"] { explicit = t }
        var sweep = try reading(settings, base: inner)
        sweep.ratePath = try ratePath(in: inner, catalogue: catalogue, explicit: explicit, sweep: spec.name)
        return sweep
    }
}

/// One optimizer of a comparison: a column of the report.
public struct ComparedOptimizer: Sendable {
    public enum Kind: Sendable {
        /// One optimizer built from its spec by the comparison's catalogue.
        case single(OptimizerSpec)
        /// A per-(task, seed) learning-rate sweep; the winner is reported under `name`.
        case sweep(LearningRateSweep)
    }

    /// The label in tables, plots and files (the spec's canonical text).
    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The sweep kinds `parse` reads besides the catalogue's, with one line each for help texts.
    public static let sweepHelp: [(name: String, summary: String)] = [
        (LearningRateSweep.adamTunedName, "adam-tuned[:min=1e-5,max=1e-1,count=14,per=seed|task]: Adam with the learning rate swept per (task, seed) or per task; the rate with the lowest final validation loss wins and its test loss is reported"),
        (LearningRateSweep.adamWTunedName, "adamw-tuned[:min=1e-5,max=1e-1,count=14,per=seed|task]: the same sweep of AdamW with a warm-up over 5% of the run and a cosine decay (\(LearningRateSweep.adamWTunedBase))"),
        (LearningRateSweep.tunedName, "tuned:inner=[SPEC],min=1e-5,max=1e-1,count=14,per=seed|task[,lr_path=KEY.KEY]: the same sweep of the optimizer inside SPEC that takes lr, however deeply nested in wrappers"),
    ]

    /// Reads one spec: `adam-tuned[:…]`, `tuned:…`, or any kind `catalogue` knows. Errors list the valid names.
    public static func parse(_ spec: OptimizerSpec, catalogue: OptimizerCatalogue) throws -> ComparedOptimizer {
        if spec.name == LearningRateSweep.adamTunedName {
            return ComparedOptimizer(name: spec.description, kind: .sweep(try LearningRateSweep.adamTuned(spec)))
        }
        if spec.name == LearningRateSweep.adamWTunedName {
            return ComparedOptimizer(name: spec.description, kind: .sweep(try LearningRateSweep.adamWTuned(spec)))
        }
        if spec.name == LearningRateSweep.tunedName {
            return ComparedOptimizer(name: spec.description, kind: .sweep(try LearningRateSweep.tuned(spec, catalogue: catalogue)))
        }
        guard catalogue.names.contains(spec.name) else {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown optimizer; valid names: \((catalogue.names + sweepHelp.map(\.name)).joined(separator: ", "))")
        }
        return ComparedOptimizer(name: spec.description, kind: .single(spec))
    }

    /// Parses `SPEC;SPEC;…`.
    public static func parseList(_ text: String, catalogue: OptimizerCatalogue) throws -> [ComparedOptimizer] {
        try OptimizerSpec.parseList(text).map { try parse($0, catalogue: catalogue) }
    }

    /// Builds every variant once (cheap), so that a spec the catalogue rejects fails before any training.
    public func checkBuildable(catalogue: OptimizerCatalogue) throws {
        for v in variants {
            do { _ = try catalogue.make(v.spec) } catch let e as SpecError {
                guard case .sweep = kind else { throw e }
                throw SpecError("\(name): \(e.location)", e.message)
            }
        }
    }

    /// The specs actually trained: one, or one per swept rate.
    public var variants: [(spec: OptimizerSpec, learningRate: Float?)] {
        switch kind {
        case .single(let s): return [(s, nil)]
        case .sweep(let sweep): return sweep.learningRates.map { (sweep.spec(learningRate: $0), $0) }
        }
    }
}
