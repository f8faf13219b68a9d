// `metatrain replay FILE`: replays reference optimizer trajectories through our optimizers.

import ArgumentParser
import Foundation
import MetaOptimizers
import MetaPrograms

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay optimizer trajectories (the format of shared/reference/optimizer-trajectories.json) and print each case's maximum relative error.",
        discussion: "Exits non-zero if any case exceeds the float32 tolerance (\(TrajectoryReplay.float32Tolerance)).")

    @Argument(help: "Trajectory files.")
    var files: [String]
    @Option(help: "Relative-error tolerance (default: the float32 tolerance).")
    var tolerance: Double?

    func run() throws {
        let tol = tolerance ?? TrajectoryReplay.float32Tolerance
        var failed = 0, total = 0
        for file in files {
            let results = try TrajectoryReplay.replay(fileAt: file)
            print(file)
            for r in results {
                total += 1
                let ok = r.maxRelativeError <= tol
                if !ok { failed += 1 }
                print("  " + "\(r.index)".padding(toLength: 4, withPad: " ", startingAt: 0)
                    + r.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: "%4d steps  max relative error %.2e", r.steps, r.maxRelativeError)
                    + (ok ? "  ok" : "  FAILED (step \(r.worstStep))") + "   \(r.spec)")
            }
        }
        print("\(total - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}

struct Optimizers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the optimizers, their keys with defaults, and the keys every optimizer accepts.")

    func run() throws {
        print(OptimizerRegistry.helpText())
        print("Learned optimizers: lo:PATH (a checkpoint written by `metatrain train`), lo:default (Checkpoints/default.safetensors); lo:PATH,scale=S multiplies its updates by S; the common keys apply too.")
        print("  learned[:PATH,…] is lo:PATH,… (PATH default when absent) inside the recommended wrappers: \(LearnedOptimizerResolver.recommendedWrapper).")
        print("Optimizer programs: program:PATH[,lr=X] (a program file, see Programs/), program:NAME for a shipped one (\(KnownPrograms.texts.map(\.name).joined(separator: ", "))).")
        print("In compare also: adam-tuned (Adam with a per-task sweep of 14 learning rates, 1e-5…1e-1, best by validation loss),")
        print("  tuned:inner=[SPEC],min=…,max=…,count=… (the same sweep for any optimizer taking lr, e.g. inner=[program:Programs/lion.prog]).")
    }
}
