// `self-train`'s held-out comparison: its flags, and the comparison of every trained optimizer (and the
// reference optimizers) on held-out tasks through the same `Comparison` as `compare`.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining

/// The held-out comparison at the end of `self-train`.
struct SelfTrainEvaluationOptions: ParsableArguments {
    @Option(help: "Held-out comparison tasks (as compare's --tasks).")
    var evalTasks: String = "heldout"
    @Option(help: "Held-out comparison: inner steps per run.")
    var evalSteps: Int = 300
    @Option(help: "Held-out comparison: seeds 0..<K.")
    var evalSeeds: Int = 3
    @Option(help: "Held-out comparison: reference optimizers beside the trained ones, specs separated by ';' ('' for none).")
    var evalBaselines: String = "adam"
    @Flag(help: "Skip the held-out comparison.")
    var noEval = false

    func validate() throws {
        try FlagLimits.check(evalSteps, FlagLimits.innerSteps, "--eval-steps")
        try FlagLimits.check(evalSeeds, FlagLimits.seeds, "--eval-seeds")
        if !noEval, !evalBaselines.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                try ComparedOptimizer.parseList(evalBaselines, catalogue: MetaTrain.catalogue)
                    .forEach { try $0.checkBuildable(catalogue: MetaTrain.catalogue) }
            } catch {
                throw ValidationError("--eval-baselines: \(error)")
            }
        }
    }

    /// Every trained optimizer (`out/<run>/final.safetensors`) and the reference optimizers on the
    /// held-out tasks; the full report goes to `out/heldout/`.
    func compare(plan: SelfTrainPlan, in out: String, zoo: () throws -> TaskZoo) throws -> Comparison.Result {
        let tasks = try CompareTasks.resolve(evalTasks, zoo: zoo)
        var optimizers: [ComparedOptimizer] = []
        for run in plan.runs {
            let path = URL(fileURLWithPath: out).appendingPathComponent(run.directory).appendingPathComponent("final.safetensors").path
            let spec = OptimizerSpec(name: LearnedOptimizerKinds.name, settings: [(OptimizerSpec.positionalKey, .text(path))])
            optimizers.append(ComparedOptimizer(name: SelfTrainReport.trainedName(run), kind: .single(spec)))
        }
        if !evalBaselines.trimmingCharacters(in: .whitespaces).isEmpty {
            optimizers += try ComparedOptimizer.parseList(evalBaselines, catalogue: MetaTrain.catalogue)
        }
        let threads = plan.config.threads ?? Parallel.availableCores
        let comparison = Comparison(tasks: tasks, optimizers: optimizers, steps: evalSteps,
                                    seeds: (0..<evalSeeds).map(UInt64.init), threads: threads, catalogue: MetaTrain.catalogue)
        let reporter = ProgressReporter()
        reporter.line.log("held-out comparison: \(tasks.count) tasks × \(optimizers.count) optimizers × \(evalSeeds) seeds, \(evalSteps) steps")
        let result = try comparison.run(progress: reporter.report)
        reporter.finish()
        let context = ReportContext(
            taskSource: evalTasks,
            commandLine: CommandLine.arguments.map(Shell.quoted).joined(separator: " "), threads: threads)
        _ = try ComparisonReport.write(result, context: context, to: URL(fileURLWithPath: out).appendingPathComponent("heldout").path)
        print(ComparisonReport.summaryTable(result))
        return result
    }
}
