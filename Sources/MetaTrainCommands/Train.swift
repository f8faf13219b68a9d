// `metatrain train` (and `metatrain` with no arguments): meta-trains a learned optimizer by truncated
// ES/PES over the zoo's train list, with a live progress line, JSON-lines metrics, periodic held-out
// evaluations against Adam, periodic and final checkpoints, Ctrl-C → checkpoint and clean exit, and
// `--resume` that continues bit-identically.

import ArgumentParser
import Dispatch
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Meta-train a learned optimizer (the default command).",
        discussion: """
        Without --config the default recipe runs (about 15 minutes on 2 cores) and writes its checkpoint to \
        OUT/final.safetensors. A config is JSON (see TrainDefaults / README); flags override it. \
        Ctrl-C writes OUT/checkpoint.safetensors and exits; --resume OUT/checkpoint.safetensors continues \
        bit-identically.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "A JSON meta-training config (saved beside the run as config.json).")
    var config: String?
    @Option(help: "Output directory: config.json, metrics.jsonl, checkpoint.safetensors, final.safetensors.")
    var out: String = "runs/default"
    @Option(help: "Continue from a checkpoint written by an earlier run (its config is used; flags may change --outer-steps, --threads and --out).")
    var resume: String?
    @OptionGroup var flags: MetaTrainingFlags
    @Option(help: "Outer optimizer spec (e.g. adam:lr=1e-3, or lo:PATH for self-training).")
    var outerOptimizer: String?
    @Flag(help: "Print the effective config as JSON (a starting point for --config) and exit.")
    var printConfig = false

    func validate() throws {
        if config != nil && resume != nil { throw ValidationError("--config and --resume exclude each other: a resumed run keeps its config") }
    }

    func run() throws {
        // The config: a checkpoint's (resume), a file's, or the default recipe; then the flags.
        var cfg: MetaTrainingConfig
        var resumeState: MetaTrainerState?
        if let resume {
            (cfg, resumeState) = try TrainRun.loadResumable(from: resume)
        } else if let config {
            cfg = try MetaTrainingFlags.readConfig(config)
        } else {
            cfg = TrainDefaults.config
        }
        if resume == nil {
            try flags.applyRunDefining(to: &cfg)
            if let v = outerOptimizer { cfg.outerOptimizer = v }
        } else {
            for (flag, set) in flags.runDefining + [("--outer-optimizer", outerOptimizer != nil)] where set {
                throw ValidationError("\(flag) cannot change a resumed run (it would not continue the same run)")
            }
        }
        flags.applyHousekeeping(to: &cfg)

        if printConfig {
            print(TaskSpec.json(cfg))
            return
        }
        let z = try? zoo.locate()
        let trainer = try MetaTrainer(config: cfg, zoo: z, resumingFrom: resumeState)
        let runner = TrainRun(trainer: trainer, config: cfg, outDirectory: out, zoo: z)
        try runner.run()
    }
}

/// The default recipe (configs/default.json holds the same; a test keeps them equal).
enum TrainDefaults {
    /// The run `metatrain` starts with no arguments.
    static var config: MetaTrainingConfig {
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

/// One meta-training run in a directory (used by `train`, and by `self-train` once per outer optimizer).
final class TrainRun {
    let trainer: MetaTrainer
    let config: MetaTrainingConfig
    let out: URL
    let zoo: TaskZoo?
    let configJSON: String
    let start = DispatchTime.now().uptimeNanoseconds
    let tty = isatty(STDERR_FILENO) != 0
    /// Ctrl-C / SIGTERM; installed once per process and shared by the runs of one command.
    let stop: Interruption
    /// Written before the progress line (e.g. which of several runs this is).
    var progressPrefix = ""
    /// The command that continues an interrupted run.
    var resumeHint: String
    private var metrics: FileHandle?

    /// How `run()` ended.
    enum Outcome { case finished, interrupted }

    init(trainer: MetaTrainer, config: MetaTrainingConfig, outDirectory: String, zoo: TaskZoo?, stop: Interruption? = nil) {
        self.trainer = trainer
        self.config = config
        out = URL(fileURLWithPath: outDirectory)
        self.zoo = zoo
        configJSON = TaskSpec.json(config)
        self.stop = stop ?? Interruption.install()
        resumeHint = "metatrain train --resume \(out.appendingPathComponent("checkpoint.safetensors").path) --out \(out.path)"
    }

    /// The config and trainer state of a resumable checkpoint (`checkpoint.safetensors`).
    static func loadResumable(from path: String) throws -> (MetaTrainingConfig, MetaTrainerState) {
        let ckpt = try LearnedOptimizerCheckpoint.load(from: path)
        guard let text = ckpt.config else { throw SpecError(path, "the checkpoint has no training config: it cannot be resumed") }
        let cfg = try MetaTrainingConfig.decode(Data(text.utf8), file: "\(path): config")
        guard let state = try ckpt.blob("state/trainer", as: MetaTrainerState.self, path: path) else {
            throw SpecError(path, "the checkpoint has no trainer state (state/trainer): it is a final checkpoint, not a resumable one")
        }
        return (cfg, state)
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    var checkpointPath: String { out.appendingPathComponent("checkpoint.safetensors").path }
    var finalPath: String { out.appendingPathComponent("final.safetensors").path }
    var metricsPath: String { out.appendingPathComponent(config.metricsFile).path }

    @discardableResult
    func run() throws -> Outcome {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try AtomicFile.write(configJSON + "\n", to: out.appendingPathComponent("config.json").path)
        try openMetrics()
        let first = trainer.outerStep
        var average: Float?
        var lastCheckpoint = elapsed, lastEvaluation = elapsed
        log("meta-training \(config.architecture.name) with \(config.estimator.rawValue), \(config.tasksPerStep) tasks × truncation \(config.truncationLength), "
            + "outer \(config.outerOptimizer), \(trainer.metaParameters.count) meta-parameters, \(trainer.threads) threads"
            + (first > 0 ? ", resuming at outer step \(first)" : "") + "; writing to \(out.path)")
        while trainer.outerStep < config.outerSteps && !stop.requested {
            let m = try trainer.step()
            average = average.map { 0.95 * $0 + 0.05 * m.metaLoss } ?? m.metaLoss
            try writeMetrics(StepLine(type: "step", elapsed: elapsed, metrics: m))
            progress(m, average: average!, first: first)
            if elapsed - lastCheckpoint >= 60 * config.checkpointEveryMinutes {
                try writeCheckpoint(to: checkpointPath, resumable: true)
                lastCheckpoint = elapsed
            }
            if config.evaluateEveryMinutes > 0 && elapsed - lastEvaluation >= 60 * config.evaluateEveryMinutes {
                try evaluate()
                lastEvaluation = elapsed
            }
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        try writeCheckpoint(to: checkpointPath, resumable: true)
        if stop.requested {
            log("interrupted at outer step \(trainer.outerStep): checkpoint written; continue with\n  \(resumeHint)")
            return .interrupted
        }
        if config.evaluateEveryMinutes > 0 { try evaluate() }
        // The final checkpoint is θ with its config (what `lo:PATH` needs); checkpoint.safetensors
        // beside it keeps the full trainer state for resuming or extending the run.
        try writeCheckpoint(to: finalPath, resumable: false)
        log(String(format: "done: %d outer steps in %.1f min; final checkpoint %@", trainer.outerStep, elapsed / 60, finalPath))
        return .finished
    }

    // MARK: checkpoints

    func writeCheckpoint(to path: String, resumable: Bool) throws {
        var ck = LearnedOptimizerCheckpoint(
            learnedOptimizer: trainer.learnedOptimizer, metaParameters: trainer.metaParameters,
            config: configJSON, outerStep: trainer.outerStep)
        if resumable { try ck.setBlob("state/trainer", trainer.state) }
        try ck.write(to: path)
    }

    // MARK: metrics

    struct StepLine: Encodable {
        var type: String
        var elapsed: Double
        var metrics: OuterStepMetrics
        func encode(to encoder: Encoder) throws {
            try metrics.encode(to: encoder)
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(type, forKey: AnyKey("type"))
            try c.encode(elapsed, forKey: AnyKey("elapsed"))
        }
    }

    struct EvaluationLine: Codable {
        var type = "eval"
        var step: Int
        var elapsed: Double
        var tasks: [String]
        var steps: Int
        var learnedOptimizer: Float
        var adam: Float
        /// Tasks where the learned optimizer's normalized test loss is below Adam's.
        var wins: Int
    }

    /// Opens the metrics file for appending; on resume drops lines from steps after the checkpoint
    /// (a `kill -9` can leave some), so the file describes exactly the resumed run.
    func openMetrics() throws {
        let path = metricsPath
        let done = trainer.outerStep
        if FileManager.default.fileExists(atPath: path) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let kept = done == 0 ? [] : text.split(separator: "\n").filter { line in
                guard let d = line.data(using: .utf8),
                      let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any],
                      let s = o["step"] as? Int else { return false }
                return s < done
            }
            try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: path)
        } else {
            try AtomicFile.write("", to: path)
        }
        metrics = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try metrics?.seekToEnd()
    }

    func writeMetrics<T: Encodable>(_ line: T) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try enc.encode(line)
        data.append(0x0A)
        try metrics?.write(contentsOf: data)
    }

    // MARK: held-out evaluation

    /// A quick look at held-out tasks: the learned optimizer with the current θ against Adam(1e-3),
    /// two tasks per family, 200 steps, seed 0.
    func evaluate() throws {
        guard let zoo, let list = try? zoo.list("heldout") else { return }
        var picked: [ZooEntry] = []
        for f in TaskFamilyName.allCases { picked += list.tasks.filter { $0.config.family == f }.prefix(2) }
        let steps = 200
        let lo = try trainer.trainedOptimizer
        let adam = try OptimizerCatalogue.handDesigned.make("adam:lr=1e-3")
        BLAS.setThreads(1)
        let results: [Float] = Parallel.map(picked.count * 2, threads: trainer.threads) { i in
            let entry = picked[i / 2]
            guard let task = try? entry.config.resolvingPaths(relativeTo: zoo.directory).makeTask() else { return Float.nan }
            func score<O: Optimizer>(_ o: O) -> Float {
                InnerTraining.run(o, task: task, taskName: entry.id, optimizerName: i % 2 == 0 ? "lo" : "adam",
                                  steps: steps, seed: 0).normalizedTestLoss
            }
            let chosen: any Optimizer = i % 2 == 0 ? lo : adam
            return score(chosen)
        }
        let loScores = stride(from: 0, to: results.count, by: 2).map { results[$0] }
        let adamScores = stride(from: 1, to: results.count, by: 2).map { results[$0] }
        let line = EvaluationLine(
            step: trainer.outerStep, elapsed: elapsed, tasks: picked.map(\.id), steps: steps,
            learnedOptimizer: loScores.reduce(0, +) / Float(max(1, loScores.count)),
            adam: adamScores.reduce(0, +) / Float(max(1, adamScores.count)),
            wins: zip(loScores, adamScores).filter { $0 < $1 }.count)
        try writeMetrics(line)
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        log(String(format: "held-out check at outer step %d: learned optimizer %.3f vs Adam %.3f mean normalized test loss; better on %d/%d tasks",
                   line.step, line.learnedOptimizer, line.adam, line.wins, picked.count))
    }

    // MARK: output

    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    private var lastPlain = 0.0
    func progress(_ m: OuterStepMetrics, average: Float, first: Int) {
        let done = trainer.outerStep - first
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(config.outerSteps - trainer.outerStep) / max(rate, 1e-9)
        func clock(_ s: Double) -> String { String(format: "%d:%02d", Int(s) / 60, Int(s) % 60) }
        let line = String(format: "outer step %d/%d  meta-loss %.4f (avg %.4f)  %.0f inner steps/s  elapsed %@  ETA %@",
                          trainer.outerStep, config.outerSteps, m.metaLoss, average, m.innerStepsPerSecond, clock(elapsed), clock(eta))
        if tty {
            FileHandle.standardError.write(Data(("\r" + progressPrefix + line + "   ").utf8))
        } else if elapsed - lastPlain >= 30 || trainer.outerStep == config.outerSteps {
            lastPlain = elapsed
            log(progressPrefix + line)
        }
    }
}

/// Ctrl-C (SIGINT) and SIGTERM ask the run to stop after the current outer step; a second Ctrl-C
/// stops at once. A plain `sigaction` handler (installed synchronously, so no signal that arrives after
/// `install()` returns is lost, as one could be with a dispatch source that the dispatch manager
/// registers later) that only does async-signal-safe things: count, `write(2)`, `_exit`.
final class Interruption: @unchecked Sendable {
    var requested: Bool { interruptionCount > 0 }

    static func install() -> Interruption {
        _ = interruptionMessage.count  // initialize the message outside the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = onInterruption
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for sig in [SIGINT, SIGTERM] { sigaction(sig, &action, nil) }
        return Interruption()
    }
}

nonisolated(unsafe) private var interruptionCount: sig_atomic_t = 0
nonisolated(unsafe) private var interruptionMessage: [UInt8] = Array("\nstopping after this outer step (Ctrl-C again to quit at once)…\n".utf8)

private func onInterruption(_ signal: Int32) {
    interruptionCount += 1
    if interruptionCount == 1 {
        interruptionMessage.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
    } else {
        _exit(130)
    }
}
