// One meta-training run in a directory: the loop behind `metatrain train` (and each run of
// `self-train`). It steps a `MetaTrainer`, appends a `MetricsRecord` per outer step to metrics.jsonl,
// writes a resumable checkpoint every `checkpointEveryMinutes` (and on Ctrl-C, then stops), runs a quick
// held-out check against Adam every `evaluateEveryMinutes`, and at the end writes final.safetensors
// (θ with its config, what `lo:PATH` loads). Resuming from checkpoint.safetensors continues bit-identically.

import Dispatch
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks

extension MetaTrainingConfig {
    /// The run `metatrain` starts with no arguments (configs/default.json holds the same; a test keeps them equal).
    public static var defaultRecipe: MetaTrainingConfig {
        var c = MetaTrainingConfig()
        c.architecture = .lstmFF(LSTMFFConfig())
        c.estimator = .pes
        c.tasks = .zooList("train")
        c.tasksPerStep = 8
        c.truncationLength = 50
        c.horizon = 100...300
        c.outerOptimizer = "adam:lr=1e-3"
        c.outerSteps = 3600
        c.seed = 0
        c.evaluateEveryMinutes = 5
        c.checkpointEveryMinutes = 2
        return c
    }
}

/// A meta-training run writing to one directory.
public final class TrainingRun {
    public let trainer: MetaTrainer
    public let config: MetaTrainingConfig
    public let directory: URL
    /// The zoo whose held-out list the periodic checks use (none: no checks).
    public let zoo: TaskZoo?
    /// Ctrl-C / SIGTERM; shared by the runs of one command.
    public let stop: Interruption
    /// The live line and log messages.
    public let line: ProgressLine
    /// Written before the live line (e.g. which of several runs this is).
    public var progressPrefix = ""
    /// The command that continues an interrupted run.
    public var resumeHint: String

    private let configJSON: String
    private var lastLoggedLine = ""
    /// Wall time of the run before this process (a resumed run's, from its kept metrics).
    private var elapsedBefore = 0.0
    /// Seconds of the run's wall time, continued across resumes.
    private var runElapsed: Double { elapsedBefore + line.elapsed }

    /// How `run()` ended.
    public enum Outcome: Sendable { case finished, interrupted }

    public init(trainer: MetaTrainer, directory: String, zoo: TaskZoo?, stop: Interruption? = nil, line: ProgressLine = ProgressLine()) {
        self.trainer = trainer
        self.config = trainer.config
        self.directory = URL(fileURLWithPath: directory)
        self.zoo = zoo
        self.stop = stop ?? Interruption.install()
        self.line = line
        configJSON = TaskSpec.json(trainer.config)
        resumeHint = "metatrain train --resume \(self.directory.appendingPathComponent("checkpoint.safetensors").path) --out \(self.directory.path)"
    }

    /// The config and trainer state of a resumable checkpoint (`checkpoint.safetensors`).
    public static func loadResumable(from path: String) throws -> (MetaTrainingConfig, MetaTrainerState) {
        let ckpt = try LearnedOptimizerCheckpoint.load(from: path)
        guard let text = ckpt.config else { throw SpecError(path, "the checkpoint has no training config: it cannot be resumed") }
        let cfg = try MetaTrainingConfig.decode(Data(text.utf8), file: "\(path): config")
        guard let state = try ckpt.blob("state/trainer", as: MetaTrainerState.self, path: path) else {
            throw SpecError(path, "the checkpoint has no trainer state (state/trainer): it is a final checkpoint, not a resumable one")
        }
        return (cfg, state)
    }

    public var checkpointPath: String { directory.appendingPathComponent("checkpoint.safetensors").path }
    public var finalPath: String { directory.appendingPathComponent("final.safetensors").path }
    public var metricsPath: String { directory.appendingPathComponent(config.metricsFile).path }

    /// Runs to `config.outerSteps` or until interrupted.
    @discardableResult
    public func run() throws -> Outcome {
        try OutputDirectory.prepare(directory.path)
        try AtomicFile.write(configJSON + "\n", to: directory.appendingPathComponent("config.json").path)
        let metrics = try MetricsWriter(path: metricsPath, resumingAt: trainer.outerStep)
        let first = trainer.outerStep
        var average: Float?
        // A resumed run continues the live line's moving average and the wall time from the records it kept.
        for record in metrics.keptRecords {
            switch record {
            case .step(let m, let elapsed):
                average = average.map { 0.95 * $0 + 0.05 * m.metaLoss } ?? m.metaLoss
                elapsedBefore = max(elapsedBefore, elapsed)
            case .evaluation(let e):
                elapsedBefore = max(elapsedBefore, e.elapsed)
            }
        }
        var lastCheckpoint = line.elapsed, lastEvaluation = line.elapsed
        line.log("meta-training \(config.architecture.name) with \(config.estimator.rawValue), \(config.tasksPerStep) tasks × truncation \(config.truncationLength), "
            + "outer \(config.outerOptimizer), \(trainer.metaParameters.count) meta-parameters, \(trainer.threads) threads"
            + (first > 0 ? ", resuming at outer step \(first)" : "") + "; writing to \(directory.path)")
        while trainer.outerStep < config.outerSteps && !stop.requested {
            let m = try trainer.step()
            average = average.map { 0.95 * $0 + 0.05 * m.metaLoss } ?? m.metaLoss
            try metrics.append(.step(m, elapsed: runElapsed))
            showProgress(m, average: average!, first: first)
            if line.elapsed - lastCheckpoint >= 60 * config.checkpointEveryMinutes {
                try writeCheckpoint(to: checkpointPath, resumable: true)
                lastCheckpoint = line.elapsed
            }
            if config.evaluateEveryMinutes > 0 && line.elapsed - lastEvaluation >= 60 * config.evaluateEveryMinutes {
                try heldOutCheck(metrics)
                lastEvaluation = line.elapsed
            }
        }
        line.finish()
        try writeCheckpoint(to: checkpointPath, resumable: true)
        if stop.requested {
            line.log("interrupted at outer step \(trainer.outerStep): checkpoint written; continue with\n  \(resumeHint)")
            return .interrupted
        }
        if config.evaluateEveryMinutes > 0 { try heldOutCheck(metrics) }
        // The final checkpoint is θ with its config (what `lo:PATH` needs); checkpoint.safetensors
        // beside it keeps the full trainer state for resuming or extending the run.
        try writeCheckpoint(to: finalPath, resumable: false)
        line.log(String(format: "done: %d outer steps in %.1f min; final checkpoint %@", trainer.outerStep, line.elapsed / 60, finalPath))
        return .finished
    }

    /// θ with the run's config; `resumable` adds the trainer state.
    public func writeCheckpoint(to path: String, resumable: Bool) throws {
        var ck = LearnedOptimizerCheckpoint(
            learnedOptimizer: trainer.learnedOptimizer, metaParameters: trainer.metaParameters,
            config: configJSON, outerStep: trainer.outerStep)
        if resumable { try ck.setBlob("state/trainer", trainer.state) }
        do { try ck.write(to: path) } catch let e as SpecError {
            // The write is atomic: say what a failure left.
            let kept = FileManager.default.fileExists(atPath: path)
                ? "the previous \((path as NSString).lastPathComponent) is kept unchanged" : "nothing was written"
            throw SpecError(e.location, "\(e.message) (at outer step \(trainer.outerStep)); \(kept)")
        }
    }

    /// A quick look at held-out tasks: the learned optimizer with the current θ against Adam(1e-3),
    /// two tasks per family, 200 steps, seed 0; appended to the metrics and logged.
    func heldOutCheck(_ metrics: MetricsWriter) throws {
        guard let check = try heldOutCheck() else { return }
        try metrics.append(.evaluation(check))
        line.log(String(format: "held-out check at outer step %d: learned optimizer %.3f vs Adam %.3f mean normalized test loss; better on %d/%d tasks",
                        check.step, check.learnedOptimizer, check.adam, check.wins, check.tasks.count))
    }

    /// The held-out check's figures (nil without a zoo or its held-out list).
    public func heldOutCheck() throws -> HeldOutCheck? {
        guard let zoo, let list = try? zoo.list("heldout") else { return nil }
        var picked: [ZooEntry] = []
        for f in TaskFamilyName.allCases { picked += list.tasks.filter { $0.config.family == f }.prefix(2) }
        let steps = 200
        let lo = try trainer.trainedOptimizer
        let adam = try OptimizerCatalogue.handDesigned.make("adam:lr=1e-3")
        let savedBLASThreads = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(savedBLASThreads) }
        let results: [Float] = Parallel.map(picked.count * 2, threads: trainer.threads) { i in
            let entry = picked[i / 2]
            guard let task = try? entry.config.resolvingPaths(relativeTo: zoo.directory).makeTask() else { return Float.nan }
            let chosen: any Optimizer = i % 2 == 0 ? lo : adam
            return InnerTraining.run(chosen, task: task, taskName: entry.id, optimizerName: i % 2 == 0 ? "lo" : "adam",
                                     steps: steps, seed: 0).normalizedTestLoss
        }
        let loScores = stride(from: 0, to: results.count, by: 2).map { results[$0] }
        let adamScores = stride(from: 1, to: results.count, by: 2).map { results[$0] }
        return HeldOutCheck(
            step: trainer.outerStep, elapsed: runElapsed, tasks: picked.map(\.id), steps: steps,
            learnedOptimizer: loScores.reduce(0, +) / Float(max(1, loScores.count)),
            adam: adamScores.reduce(0, +) / Float(max(1, adamScores.count)),
            wins: zip(loScores, adamScores).filter { $0 < $1 }.count)
    }

    private func showProgress(_ m: OuterStepMetrics, average: Float, first: Int) {
        // The rate is this process's; the elapsed time shown is the whole run's.
        let done = trainer.outerStep - first
        let rate = Double(done) / max(line.elapsed, 1e-9)
        let eta = Double(config.outerSteps - trainer.outerStep) / max(rate, 1e-9)
        let text = String(format: "outer step %d/%d  meta-loss %.4f (avg %.4f)  %.0f inner steps/s  elapsed %@  ETA %@",
                          trainer.outerStep, config.outerSteps, m.metaLoss, average, m.innerStepsPerSecond,
                          ProgressLine.duration(runElapsed), ProgressLine.duration(eta))
        line.update(progressPrefix + text, final: trainer.outerStep == config.outerSteps)
    }
}
