// Self-training (docs/architecture.md §4, paper §4.6): the same fresh learned optimizer (same seed, tasks and
// budget) meta-trained once per outer optimizer — a trained learned optimizer (`lo:PATH`) and baselines
// such as Adam — each run a normal `train` run directory. The plan is saved as OUT/self-train.json so a
// later invocation skips finished runs and resumes an interrupted one.

import Foundation
import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks

/// What a self-training run directory holds: the fresh learned optimizer's config and the outer
/// optimizers, in order (the first is the one under study). Saved as OUT/self-train.json.
public struct SelfTrainPlan: Codable, Equatable, Sendable {
    public static let fileName = "self-train.json"

    public var config: MetaTrainingConfig
    /// The outer optimizers' specs; the first is the one under study.
    public var outers: [String]

    public init(config: MetaTrainingConfig, outers: [String]) {
        self.config = config
        self.outers = outers
    }

    public struct Run: Sendable {
        public var label: String
        public var spec: String
        public var directory: String
        public var isBaseline: Bool
    }

    /// Meta-trains the fresh learned optimizer once per outer optimizer, each in `directory/<run>/` (a
    /// `train` run directory): finished runs are skipped, an interrupted one resumes from its checkpoint.
    /// Returns false when Ctrl-C stopped a run (its checkpoint is written; `resumeHint` continues it).
    public func train(in directory: URL, zoo: TaskZoo?, catalogue: OptimizerCatalogue, resumeHint: String,
                      line: ProgressLine = ProgressLine()) throws -> Bool {
        let stop = Interruption.install()
        line.log("self-training: \(runs.count) runs of \(config.outerSteps) outer steps (\(runs.map(\.spec).joined(separator: ", "))); writing to \(directory.path)")
        for (i, run) in runs.enumerated() {
            var cfg = config
            cfg.outerOptimizer = run.spec
            let dir = directory.appendingPathComponent(run.directory)
            let checkpoint = dir.appendingPathComponent("checkpoint.safetensors").path
            var state: MetaTrainerState?
            if FileManager.default.fileExists(atPath: checkpoint) {
                let (savedConfig, savedState) = try TrainingRun.loadResumable(from: checkpoint)
                guard Self.normalize(savedConfig) == Self.normalize(cfg) else {
                    throw SpecError(checkpoint, "was written by a different meta-training config than this run's: use another --out")
                }
                if savedState.outerStep > cfg.outerSteps {
                    throw SpecError("--outer-steps", "\(run.label) has \(savedState.outerStep) outer steps in \(dir.path), more than \(cfg.outerSteps)")
                }
                let final = dir.appendingPathComponent("final.safetensors").path
                if savedState.outerStep == cfg.outerSteps, let f = try? LearnedOptimizerCheckpoint.load(from: final), f.outerStep == cfg.outerSteps {
                    line.log("[\(i + 1)/\(runs.count) \(run.label)] already done (\(cfg.outerSteps) outer steps)")
                    continue
                }
                state = savedState
            }
            let trainer = try MetaTrainer(config: cfg, zoo: zoo, resumingFrom: state, catalogue: catalogue)
            let runner = TrainingRun(trainer: trainer, directory: dir.path, zoo: zoo, stop: stop, line: line)
            runner.progressPrefix = "[\(i + 1)/\(runs.count) \(run.label)] "
            runner.resumeHint = resumeHint
            if try runner.run() == .interrupted { return false }
        }
        return true
    }

    /// One run per outer optimizer, with a unique directory name made from its spec.
    public var runs: [Run] {
        var used = Set<String>()
        return outers.enumerated().map { i, spec in
            var base = Self.directoryName(spec)
            if used.contains(base) { base += "-\(i + 1)" }
            used.insert(base)
            return Run(label: spec, spec: spec, directory: base, isBaseline: i > 0)
        }
    }

    /// `lo:…/name.safetensors` → `lo-name` (`lo:default,scale=0.3` → `lo-default-scale-0.3`); other specs with characters other than letters, digits,
    /// `-`, `_` and `.` replaced by `-` (`adam:lr=1e-3` → `adam-lr-1e-3`).
    public static func directoryName(_ spec: String) -> String {
        if let parsed = try? OptimizerSpec.parse(spec), parsed.name == LearnedOptimizerKinds.name,
           case .text(let path)? = parsed[OptimizerSpec.positionalKey] {
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let rest = parsed.settings.filter { $0.key != OptimizerSpec.positionalKey }.map { "-\($0.key)-\($0.value)" }
            return "lo-" + sanitize(stem + rest.joined())
        }
        return sanitize(spec)
    }

    static func sanitize(_ s: String) -> String {
        let mapped = String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
        return mapped.isEmpty || mapped.hasPrefix(".") ? "run" + mapped : mapped
    }

    /// `--outer` then `--baselines`, each checked as a spec.
    public static func parseOuters(outer: String, baselines: String) throws -> [String] {
        let o = outer.trimmingCharacters(in: .whitespaces)
        do { _ = try OptimizerSpec.parse(o) } catch { throw SpecError("--outer", "'\(outer)' is not an optimizer spec: \(error)") }
        let list = OptimizerSpec.splitList(baselines)
        guard !list.isEmpty else { throw SpecError("--baselines", "needs at least one optimizer spec") }
        for b in list {
            do { _ = try OptimizerSpec.parse(b) } catch { throw SpecError("--baselines", "'\(b)' is not an optimizer spec: \(error)") }
        }
        let all = [o] + list
        guard Set(all).count == all.count else { throw SpecError("--outer, --baselines", "the same optimizer is listed twice: \(all.joined(separator: ", "))") }
        return all
    }

    /// The config without what a resumed run may change (outer steps, threads, housekeeping) and
    /// without the outer optimizer (set per run).
    public static func normalize(_ c: MetaTrainingConfig) -> MetaTrainingConfig {
        var c = c
        let d = MetaTrainingConfig()
        c.outerSteps = d.outerSteps
        c.threads = nil
        c.checkpointEveryMinutes = d.checkpointEveryMinutes
        c.evaluateEveryMinutes = d.evaluateEveryMinutes
        c.outerOptimizer = d.outerOptimizer
        return c
    }

    public var normalized: SelfTrainPlan { SelfTrainPlan(config: Self.normalize(config), outers: outers) }

    public static func load(_ path: String) throws -> SelfTrainPlan? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(SelfTrainPlan.self, from: data) } catch {
            throw SpecError.from(error, file: path, data: data)
        }
    }

    public func write(_ path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(String(decoding: try enc.encode(self), as: UTF8.self) + "\n", to: path)
    }
}
