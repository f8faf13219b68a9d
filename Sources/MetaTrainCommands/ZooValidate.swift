// `metatrain zoo validate FILE`: load a spec and its data, and show that the task trains.

import ArgumentParser
import Foundation
import MetaCore
import MetaTasks

struct ZooValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load a task spec and its data; print the parameter count, the initial loss and the loss after plain SGD.")

    @OptionGroup var zoo: ZooOptions
    @Argument(help: "A task spec file (JSON) or a zoo id.")
    var task: String
    @Option(help: "SGD steps.")
    var steps = 100
    @Option(name: .customLong("lr"), help: "SGD learning rate (default: the best of \(SGDProbe.sweep.map { "\($0)" }.joined(separator: ", ")) by final training loss).")
    var learningRate: Float?
    @Option(help: "Random seed of the initialization and minibatches.")
    var seed: UInt64 = 0
    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(steps) else { throw ValidationError("--steps must be in 1…1000000, got \(steps)") }
        if let lr = learningRate, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
    }

    struct Report: Codable {
        var task: String
        var family: String
        var parameters: Int
        var tensors: Int
        var sgd: SGDProbe.Result
    }

    func run() throws {
        let (name, config) = try TaskSpec.resolve(task) { try zoo.locate() }
        let t = try config.makeTask()
        let key = RandomKey(seed: seed)
        let r = learningRate.map { SGDProbe.run(t, learningRate: $0, steps: steps, key: key) }
            ?? SGDProbe.best(t, steps: steps, key: key)
        if json {
            print(TaskSpec.json(Report(task: name, family: config.family.rawValue, parameters: t.layout.count, tensors: t.layout.tensors.count, sgd: r)))
            return
        }
        print("task: \(name) (\(config.family.rawValue))")
        print("parameters: \(t.layout.count) in \(t.layout.tensors.count) tensors")
        func fmt(_ e: TaskEvaluation) -> String {
            var s = String(format: "%.5g", e.loss)
            if let a = e.accuracy { s += String(format: " (accuracy %.1f%%)", 100 * a) }
            return s
        }
        print("initial loss: train \(fmt(r.initialTrain)), validation \(fmt(r.initialValidation))")
        print("after \(r.steps) SGD steps (lr \(r.learningRate)): train \(fmt(r.finalTrain)), validation \(fmt(r.finalValidation))")
        if !r.finalTrain.loss.isFinite {
            throw ValidationFailure("the loss is not finite after SGD: the task diverges at every learning rate tried")
        }
    }
}

/// A check that failed on valid input: printed as the error, non-zero exit.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
