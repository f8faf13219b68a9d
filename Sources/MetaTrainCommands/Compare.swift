// `metatrain compare`: every optimizer on every task for several seeds, in parallel; writes a report
// (Markdown, CSV, JSON, SVG plots) to a directory. The work is in MetaEvaluation's `Comparison` and
// `ComparisonReport`; this file reads flags and task lists.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

/// Compares optimizers on a set of tasks.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare optimizers on a set of tasks over several seeds; write report.md, CSV, JSON and SVG plots.",
        discussion: """
        Optimizers: specs NAME[:key=value,…] separated by ';', e.g. 'sgd:lr=0.1;adam-tuned'. \
        'adam-tuned' is Adam with the learning rate swept per task and seed over 14 log-spaced values \
        from 1e-5 to 1e-1 (adam-tuned:min=…,max=…,count=… to change), chosen by final validation loss; \
        its test loss is reported. 'tuned:inner=[SPEC],min=…,max=…,count=…' sweeps any optimizer that \
        takes lr the same way, e.g. 'tuned:inner=[program:Programs/lion.prog],min=1e-4,max=1e-1,count=4'. \
        Results do not depend on --threads.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "Tasks: 'heldout', 'valid' or 'train' (zoo lists), comma-separated zoo ids and/or task spec files, or a JSON file with a task list.")
    var tasks: String
    @Option(help: "Optimizer specs separated by ';', e.g. 'sgd:lr=0.1;adam-tuned'.")
    var optimizers: String
    @Option(help: "Inner training steps per run.")
    var steps: Int
    @Option(help: "Seeds per (task, optimizer): seeds 0..<K.")
    var seeds = 1
    @OptionGroup var output: OutputDirectoryOptions
    @OptionGroup var workers: WorkerThreadsOptions
    @OptionGroup var evaluation: EvaluationCadenceOptions
    @Option(help: "Keep only the first N tasks (after --family), for quick runs.")
    var limit: Int?
    @Option(help: "Keep only tasks of this family.")
    var family: TaskFamilyName?

    func validate() throws {
        try FlagLimits.check(steps, FlagLimits.innerSteps, "--steps")
        try FlagLimits.check(seeds, FlagLimits.seeds, "--seeds")
        try FlagLimits.check(limit, FlagLimits.positive, "--limit")
        do { try ComparedOptimizer.parseList(optimizers, catalogue: MetaTrain.catalogue).forEach { try $0.checkBuildable(catalogue: MetaTrain.catalogue) } } catch {
            throw ValidationError("--optimizers: \(error)")
        }
    }

    func run() throws {
        var selected = try CompareTasks.resolve(tasks, zoo: { try zoo.locate() })
        if let f = family { selected.removeAll { $0.config.family != f } }
        if let l = limit { selected = Array(selected.prefix(l)) }
        guard !selected.isEmpty else {
            throw ValidationError("--tasks: no tasks left" + (family.map { " after --family \($0.rawValue)" } ?? ""))
        }
        let compared = try ComparedOptimizer.parseList(optimizers, catalogue: MetaTrain.catalogue)
        var sweeps: [String: [Float]] = [:]
        for o in compared { if case .sweep(let s) = o.kind { sweeps[o.name] = s.learningRates } }
        // A bad --out fails now, not after the runs.
        try OutputDirectory.prepare(output.out)
        let threads = workers.threads
        let comparison = Comparison(
            tasks: selected, optimizers: compared, steps: steps, seeds: (0..<seeds).map(UInt64.init),
            threads: threads, evaluateEvery: evaluation.evaluateEvery, catalogue: MetaTrain.catalogue)
        let runs = comparison.workItems.count
        FileHandle.standardError.write(Data(
            "compare: \(selected.count) tasks × \(compared.count) optimizers × \(seeds) seeds = \(runs) runs of \(steps) steps on \(threads) threads\n".utf8))
        let reporter = ProgressReporter()
        let result = try comparison.run(progress: reporter.report)
        reporter.finish()
        let context = ReportContext(
            taskSource: tasks + (family.map { " (family \($0.rawValue))" } ?? "") + (limit.map { " (first \($0))" } ?? ""),
            commandLine: CommandLine.arguments.map(Shell.quoted).joined(separator: " "),
            threads: threads, sweeps: sweeps)
        let report = try ComparisonReport.write(result, context: context, to: output.out)
        print(ComparisonReport.summaryTable(result))
        print(String(format: "wall time %.1f s", result.wallSeconds))
        print("report: \(report)")
    }
}
