// `metatrain zoo validate FILE`: load a spec and its data, and show that the task trains.

import ArgumentParser
import Foundation
import MetaCore
import MetaTasks

/// Loads a task and shows that plain SGD trains it.
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
    @OptionGroup var runSeed: RunSeedOptions
    @OptionGroup var output: JSONOutputOptions

    func validate() throws {
        try FlagLimits.check(steps, FlagLimits.sgdSteps, "--steps")
        try FlagLimits.checkPositive(learningRate, "--lr")
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
        let key = RandomKey(seed: runSeed.seed)
        let r = learningRate.map { SGDProbe.run(t, learningRate: $0, steps: steps, key: key) }
            ?? SGDProbe.best(t, steps: steps, key: key)
        if output.json {
            print(TaskSpec.json(Report(task: name, family: config.family.rawValue, parameters: t.layout.count, tensors: t.layout.tensors.count, sgd: r)))
            return
        }
        print("task: \(name) (\(config.family.rawValue))")
        print("parameters: \(t.layout.count) in \(t.layout.tensors.count) tensors")
        print("initial loss: train \(r.initialTrain.text), validation \(r.initialValidation.text)")
        print("after \(r.steps) SGD steps (lr \(r.learningRate)): train \(r.finalTrain.text), validation \(r.finalValidation.text)")
        if r.diverged { print("diverged: the loss became NaN or infinite at lr \(r.learningRate)") }
        // A run at the rate asked for is a result either way; a task no rate of the sweep can train is not valid.
        if learningRate == nil && !r.finalTrain.loss.isFinite {
            throw ValidationFailure("the loss is not finite after SGD: the task diverges at every learning rate tried")
        }
    }
}
