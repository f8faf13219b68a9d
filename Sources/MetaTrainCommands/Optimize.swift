// `metatrain optimize`: train one task with one optimizer, show progress, write the curve and a summary.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

/// Trains one task with one optimizer.
struct Optimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one task with one optimizer; print the final losses and write a per-step CSV and a summary JSON.",
        discussion: "Optimizer specs look like adam:lr=3e-3,b1=0.8 or lookahead:k=5,alpha=0.5,inner=[adam:lr=1e-3]; run `metatrain optimizers` for the list.")

    @OptionGroup var zoo: ZooOptions
    @Option(help: "A task id (e.g. heldout/mlp-003) or a task spec file.")
    var task: String
    @Option(help: "An optimizer spec, NAME[:key=value,…].")
    var optimizer: String
    @Option(help: "Inner training steps.")
    var steps = 1000
    @OptionGroup var runSeed: RunSeedOptions
    @OptionGroup var evaluation: EvaluationCadenceOptions
    @Option(help: "Output directory for curve.csv, summary.json and task.json.")
    var out: String?
    @Option(help: "Threads for the task's matrix products.")
    var threads = 1

    func validate() throws {
        try FlagLimits.check(steps, FlagLimits.innerSteps, "--steps")
        try FlagLimits.check(threads, FlagLimits.blasThreads, "--threads")
    }

    func run() throws {
        let spec = try OptimizerSpec.parse(optimizer)
        let opt = try MetaTrain.catalogue.make(spec)
        let (name, config) = try TaskSpec.resolve(task) { try zoo.locate() }
        let t = try config.makeTask()
        BLAS.setThreads(threads)
        if let cnn = t as? CNNTask { cnn.threads = threads }
        // A bad --out fails now, not after the training.
        if let out { try OutputDirectory.prepare(out) }
        let seed = runSeed.seed
        let progress = StepProgress(total: steps, label: "\(name) · \(spec)")
        let r = InnerTraining.run(
            opt, task: t, taskName: name, optimizerName: spec.description, steps: steps, seed: seed,
            evaluateEvery: evaluation.evaluateEvery) { progress.update($0) }
        progress.finish()

        print("task \(name) (\(config.family.rawValue), \(t.layout.count) parameters), optimizer \(spec), \(steps) steps, seed \(seed)")
        if let why = r.divergence { print("diverged: \(why)") }
        print("final train loss       \(r.finalTrain.text)")
        print("final validation loss  \(r.finalValidation.text)")
        print("final test loss        \(r.finalTest.text)")
        print(String(format: "normalized test loss   %.4f   (%.2f s)", r.normalizedTestLoss, r.seconds))

        if let out {
            let dir = URL(fileURLWithPath: out)
            let summary = OptimizeSummary(
                task: name, config: config, optimizer: spec.description, steps: steps, seed: seed,
                parameters: t.layout.count, finalTrain: r.finalTrain, finalValidation: r.finalValidation,
                finalTest: r.finalTest, normalizedTestLoss: r.normalizedTestLoss, diverged: r.diverged,
                divergence: r.divergence)
            // The summary first: a full disk leaves it rather than the curve alone.
            try AtomicFile.writeAll([
                ("summary.json", TaskSpec.json(summary) + "\n"),
                ("task.json", TaskSpec.json(config) + "\n"),
                ("curve.csv", CurveCSV.text(r.curve)),
            ], in: dir.path)
            print("wrote \(dir.path)/{curve.csv,summary.json,task.json}")
        }
    }
}
