// The meta-training flags that `train` and `self-train` share: how a config is read from a file, and
// the flags that override it (run-defining ones, which a resumed run may not change, and housekeeping).

import ArgumentParser
import Foundation
import MetaCore
import MetaLearned
import MetaTraining

/// Flags overriding a `MetaTrainingConfig`.
struct MetaTrainingFlags: ParsableArguments {
    @Option(help: "Outer steps (total, counting those already done when resuming).")
    var outerSteps: Int?
    @Option(help: "Seed.")
    var seed: UInt64?
    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int?
    @Option(help: "Gradient estimator.")
    var estimator: GradientEstimatorKind?
    @Option(help: "Learned optimizer (default widths).")
    var architecture: ArchitectureName?
    @Option(help: "Tasks (slots) per outer step.")
    var tasksPerStep: Int?
    @Option(help: "Truncation length (inner steps per slot per outer step).")
    var truncation: Int?
    @Option(help: "Minutes between checkpoints.")
    var checkpointEvery: Double?
    @Option(help: "Minutes between held-out evaluations against Adam, also run at the end (0: none).")
    var evaluateEvery: Double?

    func validate() throws {
        try FlagLimits.check(outerSteps, FlagLimits.outerSteps, "--outer-steps")
        try FlagLimits.check(threads, FlagLimits.workerThreads, "--threads")
        try FlagLimits.check(tasksPerStep, FlagLimits.tasksPerStep, "--tasks-per-step")
        try FlagLimits.check(truncation, FlagLimits.truncation, "--truncation")
        try FlagLimits.checkPositive(checkpointEvery, "--checkpoint-every")
        if let e = evaluateEvery, !(e >= 0 && e.isFinite) { throw ValidationError("--evaluate-every must be ≥ 0 minutes, got \(e)") }
    }

    /// The flags that change what a run computes, and whether each was given.
    var runDefining: [(flag: String, given: Bool)] {
        [("--seed", seed != nil), ("--estimator", estimator != nil), ("--architecture", architecture != nil),
         ("--tasks-per-step", tasksPerStep != nil), ("--truncation", truncation != nil)]
    }

    /// Applies the run-defining flags (seed, estimator, architecture, tasks per step, truncation).
    func applyRunDefining(to cfg: inout MetaTrainingConfig) throws {
        if let v = seed { cfg.seed = v }
        if let v = estimator { cfg.estimator = v }
        if let v = architecture { cfg.architecture = try LearnedOptimizerArchitecture.named(v.rawValue) }
        if let v = tasksPerStep { cfg.tasksPerStep = v }
        if let v = truncation { cfg.truncationLength = v }
    }

    /// Applies the flags a resumed run may change (outer steps, threads, checkpoint and evaluation periods).
    func applyHousekeeping(to cfg: inout MetaTrainingConfig) {
        if let v = outerSteps { cfg.outerSteps = v }
        if let v = threads { cfg.threads = v }
        if let v = checkpointEvery { cfg.checkpointEveryMinutes = v }
        if let v = evaluateEvery { cfg.evaluateEveryMinutes = v }
    }

    /// Reads a JSON meta-training config; errors name the file and the key.
    static func readConfig(_ path: String) throws -> MetaTrainingConfig {
        if let why = FileErrors.notARegularFile(path) { throw SpecError(path, "cannot read the config: \(why)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SpecError(path, "cannot read the config: \(FileErrors.reason(error))")
        }
        return try MetaTrainingConfig.decode(data, file: path)
    }
}

extension GradientEstimatorKind: @retroactive ExpressibleByArgument {}

/// The learned-optimizer architectures `--architecture` names (`LearnedOptimizerArchitecture.defaults`; a test
/// keeps the two lists equal).
enum ArchitectureName: String, CaseIterable, ExpressibleByArgument {
    case lstmFF = "lstm_ff"
    case perparamMLP = "perparam_mlp"
    case learnableAdam = "learnable_adam"
}
