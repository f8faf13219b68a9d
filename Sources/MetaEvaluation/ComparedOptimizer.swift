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

    public init(base: OptimizerSpec, learningRates: [Float], perTask: Bool = false) {
        self.base = base
        self.learningRates = learningRates
        self.perTask = perTask
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

    /// The base spec with `lr` set.
    public func spec(learningRate: Float) -> OptimizerSpec {
        var s = base
        s.settings.removeAll { $0.key == "lr" }
        s.settings.append((key: "lr", value: .text("\(learningRate)")))
        return s
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

    /// The name of the generic sweep in optimizer lists.
    public static let tunedName = "tuned"

    /// `tuned:inner=[SPEC],min=…,max=…,count=…,per=seed|task`: any optimizer taking `lr` (a catalogue kind,
    /// `program:PATH`, …) swept like `adam-tuned` (same defaults), so that two optimizers can be
    /// compared with the same tuning budget. An `lr` inside `inner` is replaced by each swept rate.
    public static func tuned(_ spec: OptimizerSpec) throws -> LearningRateSweep {
        let settings = try SpecSettings(spec, allowed: ["inner", "min", "max", "count", "per"])
        guard spec["inner"] != nil else {
            throw SpecError("optimizer '\(spec.name)'", "needs the optimizer to sweep: tuned:inner=[NAME:…],min=…,max=…,count=…")
        }
        return try reading(settings, base: settings.spec("inner", default: "adam"))
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
        (LearningRateSweep.tunedName, "tuned:inner=[SPEC],min=1e-5,max=1e-1,count=14,per=seed|task: the same sweep of any optimizer taking lr"),
    ]

    /// Reads one spec: `adam-tuned[:…]`, `tuned:…`, or any kind `catalogue` knows. Errors list the valid names.
    public static func parse(_ spec: OptimizerSpec, catalogue: OptimizerCatalogue) throws -> ComparedOptimizer {
        if spec.name == LearningRateSweep.adamTunedName {
            return ComparedOptimizer(name: spec.description, kind: .sweep(try LearningRateSweep.adamTuned(spec)))
        }
        if spec.name == LearningRateSweep.tunedName {
            return ComparedOptimizer(name: spec.description, kind: .sweep(try LearningRateSweep.tuned(spec)))
        }
        guard catalogue.names.contains(spec.name) else {
            throw SpecError(
                "optimizer '\(spec.name)'",
                "unknown optimizer; valid names: \((catalogue.names + [LearningRateSweep.adamTunedName, LearningRateSweep.tunedName]).joined(separator: ", "))")
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
