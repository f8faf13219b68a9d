// `metatrain replay FILE`: replays reference optimizer trajectories through our optimizers.

import ArgumentParser
import Foundation
import MetaOptimizers
import MetaPrograms

/// Replays reference optimizer trajectories and reports the largest relative errors.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay optimizer trajectories (the format of Tests/TestSupport/Fixtures/optimizer-trajectories.json) and print each case's maximum relative error.",
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
        if failed > 0 {
            throw ValidationFailure("\(failed) of \(total) trajectories differ from the reference by more than the relative tolerance \(tol)")
        }
    }
}
