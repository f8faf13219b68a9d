// `metatrain optimizers`: every kind the command line's catalogue builds, with its keys and defaults,
// the keys every optimizer accepts, and the sweeps `compare` adds.

import ArgumentParser
import MetaEvaluation

/// Lists every optimizer kind the catalogue builds.
struct Optimizers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the optimizers, their keys with defaults, and the keys every optimizer accepts.")

    func run() throws {
        print(MetaTrain.catalogue.helpText())
        print("In compare also (learning-rate sweeps, chosen by validation loss):")
        for sweep in ComparedOptimizer.sweepHelp { print("  " + sweep.summary) }
    }
}
