// `metatrain optimize`: train one task with one optimizer, show progress, write the curve and a summary.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

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
    @Option(help: "Seed of the initialization and minibatches.")
    var seed: UInt64 = 0
    @Option(help: "Evaluate validation and test losses every N steps (default: steps/20).")
    var evaluateEvery: Int?
    @Option(help: "Output directory for curve.csv, summary.json and task.json.")
    var out: String?
    @Option(help: "Threads for the task's matrix products.")
    var threads = 1

    func validate() throws {
        guard (1...10_000_000).contains(steps) else { throw ValidationError("--steps must be in 1…10000000, got \(steps)") }
        if let e = evaluateEvery, e < 1 { throw ValidationError("--evaluate-every must be at least 1, got \(e)") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1…256, got \(threads)") }
    }

    struct Summary: Codable {
        var task: String
        var config: TaskConfig
        var optimizer: String
        var steps: Int
        var seed: UInt64
        var parameters: Int
        var finalTrain: TaskEvaluation
        var finalValidation: TaskEvaluation
        var finalTest: TaskEvaluation
        var normalizedTestLoss: Float
        var diverged: Bool
        var seconds: Double
    }

    func run() throws {
        let spec = try OptimizerSpec.parse(optimizer)
        let opt = try MetaTrain.catalogue.make(spec)
        let (name, config) = try TaskSpec.resolve(task) { try zoo.locate() }
        let t = try config.makeTask()
        BLAS.setThreads(threads)
        if let cnn = t as? CNNTask { cnn.threads = threads }
        let progress = StepProgress(total: steps, label: "\(name) · \(spec)")
        let r = InnerTraining.run(
            opt, task: t, taskName: name, optimizerName: spec.description, steps: steps, seed: seed,
            evaluateEvery: evaluateEvery) { progress.update($0) }
        progress.finish()

        func fmt(_ e: TaskEvaluation) -> String {
            var s = String(format: "%.5g", e.loss)
            if let a = e.accuracy { s += String(format: " (accuracy %.1f%%)", 100 * a) }
            return s
        }
        print("task \(name) (\(config.family.rawValue), \(t.layout.count) parameters), optimizer \(spec), \(steps) steps, seed \(seed)")
        if r.diverged { print("diverged: the loss became NaN or infinite at step \(r.curve.last?.step ?? 0)") }
        print("final train loss       \(fmt(r.finalTrain))")
        print("final validation loss  \(fmt(r.finalValidation))")
        print("final test loss        \(fmt(r.finalTest))")
        print(String(format: "normalized test loss   %.4f   (%.2f s)", r.normalizedTestLoss, r.seconds))

        if let out {
            let dir = URL(fileURLWithPath: out)
            try AtomicFile.write(CurveCSV.text(r.curve), to: dir.appendingPathComponent("curve.csv").path)
            let summary = Summary(
                task: name, config: config, optimizer: spec.description, steps: steps, seed: seed,
                parameters: t.layout.count, finalTrain: r.finalTrain, finalValidation: r.finalValidation,
                finalTest: r.finalTest, normalizedTestLoss: r.normalizedTestLoss, diverged: r.diverged, seconds: r.seconds)
            try AtomicFile.write(TaskSpec.json(summary) + "\n", to: dir.appendingPathComponent("summary.json").path)
            try AtomicFile.write(TaskSpec.json(config) + "\n", to: dir.appendingPathComponent("task.json").path)
            print("wrote \(dir.path)/{curve.csv,summary.json,task.json}")
        }
    }
}

/// A per-step curve as CSV (`step,train_loss,validation_loss,test_loss`; empty where not measured).
enum CurveCSV {
    static func text(_ curve: [CurvePoint]) -> String {
        func cell(_ x: Float?) -> String {
            guard let x, x.isFinite || x.isInfinite else { return "" }
            return "\(x)"
        }
        var s = "step,train_loss,validation_loss,test_loss\n"
        for p in curve { s += "\(p.step),\(cell(p.trainLoss)),\(cell(p.validationLoss)),\(cell(p.testLoss))\n" }
        return s
    }
}

/// A progress line for one run: on a terminal an updating line with steps, rate and ETA; otherwise
/// nothing until the end.
final class StepProgress {
    let total: Int
    let label: String
    let start = DispatchTime.now().uptimeNanoseconds
    var lastDraw: UInt64 = 0
    let tty = isatty(STDERR_FILENO) != 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        guard tty else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastDraw > 100_000_000 || done == total else { return }
        lastDraw = now
        let elapsed = Double(now - start) / 1e9
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let width = 30
        let filled = Int(Double(width) * Double(done) / Double(max(total, 1)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d steps  %.0f steps/s  ETA %.0fs ", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
