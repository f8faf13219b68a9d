// `metatrain self-train` as a user runs it: the curves, plot and report it writes, determinism, Ctrl-C
// and resume, held-out numbers equal to `compare`'s, and clear errors for bad flags.

import Foundation
import XCTest
import MetaCore
import MetaLearned

final class SelfTrainCommandTests: XCTestCase {
    static let evalTasks = "heldout/quadratic-000,heldout/quadratic-001"
    static let baselines = "adam:lr=3e-2;adam:lr=1e-2"
    static let runs = ["lo:", "adam:lr=3e-2", "adam:lr=1e-2"]

    /// A tiny trained learned optimizer to serve as the outer one (its config's horizon is [20, 40]).
    func outerCheckpoint(_ dir: URL) throws -> String {
        let config = try writeTinyTrainConfig(dir, outerSteps: 5)
        let out = dir.appendingPathComponent("outer")
        let r = try metatrain(["train", "--config", config, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        return out.appendingPathComponent("final.safetensors").path
    }

    func selfTrainArguments(config: String, outer: String, out: URL, steps: Int, eval: Bool = true) -> [String] {
        ["self-train", "--config", config, "--outer", "lo:\(outer)", "--baselines", Self.baselines,
         "--outer-steps", "\(steps)", "--out", out.path]
            + (eval ? ["--eval-tasks", Self.evalTasks, "--eval-steps", "20", "--eval-seeds", "1"] : ["--no-eval"])
    }

    /// meta-loss.csv as run → meta-loss column (text, so equality is bit-for-bit at the printed precision).
    func metaLosses(_ out: URL) throws -> [(run: String, losses: [String])] {
        let text = try String(contentsOf: out.appendingPathComponent("meta-loss.csv"), encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.removeFirst(), "run,outer_step,meta_loss,meta_loss_avg,seconds")
        var result: [(run: String, losses: [String])] = []
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(cells.count, 5, line)
            if result.last?.run != cells[0] { result.append((cells[0], [])) }
            XCTAssertEqual(Int(cells[1]), result[result.count - 1].losses.count, line)
            result[result.count - 1].losses.append(cells[2])
        }
        return result
    }

    func testWritesCurvesPlotReportAndHeldOutNumbersEqualToCompare() throws {
        let dir = temporaryDirectory()
        let outer = try outerCheckpoint(dir)
        let config = try writeTinyTrainConfig(dir, outerSteps: 3)
        let out = dir.appendingPathComponent("self")
        let r = try metatrain(selfTrainArguments(config: config, outer: outer, out: out, steps: 50))
        XCTAssertEqual(r.status, 0, r.err)

        let curves = try metaLosses(out)
        XCTAssertEqual(curves.map(\.run), ["lo:\(outer)", "adam:lr=3e-2", "adam:lr=1e-2"])
        XCTAssertEqual(curves.map(\.losses.count), [50, 50, 50])
        XCTAssertTrue(curves.allSatisfy { $0.losses.allSatisfy { Double($0)?.isFinite == true } })
        // Same fresh θ, tasks and perturbations: step 0 (measured before any outer update) is shared;
        // afterwards the outer optimizers make the runs differ.
        XCTAssertEqual(Set(curves.map { $0.losses[0] }).count, 1)
        XCTAssertNotEqual(curves[0].losses.suffix(10), curves[1].losses.suffix(10))
        for run in ["lo-final", "adam-lr-3e-2", "adam-lr-1e-2"] {
            let final = out.appendingPathComponent(run).appendingPathComponent("final.safetensors").path
            XCTAssertEqual(try LearnedOptimizerCheckpoint.load(from: final).outerStep, 50, run)
        }

        let svg = try String(contentsOf: out.appendingPathComponent("meta-loss.svg"), encoding: .utf8)
        for label in ["adam:lr=3e-2", "adam:lr=1e-2", "lo:final.safetensors", "horizon (40 steps)"] { XCTAssertTrue(svg.contains(label), label) }
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        for text in ["past outer step 40", "| past the horizon | 40–49 |", "| up to the horizon | 0–39 |", "**Result**:",
                     "## Held-out comparison", "`trained by adam:lr=3e-2`", "meta-loss.svg"] {
            XCTAssertTrue(report.contains(text), "\(text) not in\n\(report)")
        }

        // The held-out table is `compare`'s computation: the same numbers come out of `compare`.
        struct Summary: Decodable {
            struct Optimizer: Decodable { var name: String; var meanNormalizedTestLoss: Double }
            struct Held: Decodable { var optimizers: [Optimizer] }
            struct Outer: Decodable { var trainingHorizon: [Int]? }
            struct Window: Decodable { var name: String; var ratio: Double }
            var heldout: Held?
            var outer: Outer
            var windows: [Window]
        }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        XCTAssertEqual(summary.outer.trainingHorizon, [20, 40])
        XCTAssertEqual(summary.windows.map(\.name), ["all outer steps", "up to the horizon", "past the horizon", "final (last 10%)"])
        XCTAssertTrue(summary.windows.allSatisfy { $0.ratio.isFinite && $0.ratio > 0 })
        let held = try XCTUnwrap(summary.heldout).optimizers
        XCTAssertEqual(held.map(\.name), ["trained by lo:\(outer)", "trained by adam:lr=3e-2", "trained by adam:lr=1e-2", "adam"])
        let trained = out.appendingPathComponent("lo-final/final.safetensors").path
        let c = try metatrain(["compare", "--tasks", Self.evalTasks, "--optimizers", "lo:\(trained);adam", "--steps", "20",
                               "--seeds", "1", "--out", dir.appendingPathComponent("compare").path])
        XCTAssertEqual(c.status, 0, c.err)
        let compared = try JSONDecoder().decode(Summary.Held.self, from: Data(contentsOf: dir.appendingPathComponent("compare/summary.json")))
        XCTAssertEqual(compared.optimizers.map(\.meanNormalizedTestLoss), [held[0].meanNormalizedTestLoss, held[3].meanNormalizedTestLoss])
    }

    func testSameSeedGivesSameCurvesAndCtrlCThenResumeEqualsAnUninterruptedRun() throws {
        let dir = temporaryDirectory()
        let outer = try outerCheckpoint(dir)
        let config = try writeTinyTrainConfig(dir, outerSteps: 3)
        let steps = 600
        let whole = dir.appendingPathComponent("whole"), again = dir.appendingPathComponent("again")
        var r = try metatrain(selfTrainArguments(config: config, outer: outer, out: whole, steps: steps, eval: false))
        XCTAssertEqual(r.status, 0, r.err)
        r = try metatrain(selfTrainArguments(config: config, outer: outer, out: again, steps: steps, eval: false) + ["--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        let reference = try metaLosses(whole)
        XCTAssertEqual(reference.map(\.losses.count), [steps, steps, steps])
        XCTAssertTrue(try metaLosses(again).elementsEqual(reference) { $0.run == $1.run && $0.losses == $1.losses })

        // Ctrl-C a few outer steps into the first run, then resume.
        let part = dir.appendingPathComponent("part")
        let (p, err) = try startMetatrain(selfTrainArguments(config: config, outer: outer, out: part, steps: steps, eval: false),
                                          waitingFor: part.appendingPathComponent("lo-final/metrics.jsonl"), lines: 3)
        p.interrupt()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, "Ctrl-C exits as SIGINT does\n" + log)
        XCTAssertTrue(log.contains("interrupted at outer step") && log.contains("metatrain self-train --resume --out"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.appendingPathComponent("meta-loss.csv").path))
        r = try metatrain(["self-train", "--resume", "--out", part.path, "--no-eval"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("resuming at outer step"), r.err)
        XCTAssertTrue(try metaLosses(part).elementsEqual(reference) { $0.run == $1.run && $0.losses == $1.losses })
        // A finished run directory is skipped when run again.
        r = try metatrain(["self-train", "--resume", "--out", part.path, "--no-eval"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err.components(separatedBy: "already done").count - 1, 3, r.err)
    }

    func testBadFlagsAndSpecsGiveClearErrors() throws {
        let dir = temporaryDirectory()
        let config = try writeTinyTrainConfig(dir, outerSteps: 3)
        let out = dir.appendingPathComponent("self").path
        let withConfig = ["--config", config]
        let cases: [([String], String)] = [
            (withConfig + ["--baselines", "adam:lr=oops"], "--baselines"),
            (withConfig + ["--baselines", ""], "--baselines"),
            (withConfig + ["--outer", "lo:\(dir.path)/missing.safetensors"], "missing.safetensors"),
            (withConfig + ["--outer", "nosuchopt"], "nosuchopt"),
            (withConfig + ["--outer-steps", "0"], "--outer-steps"),
            (withConfig + ["--eval-seeds", "0"], "--eval-seeds"),
            (withConfig + ["--resume"], "--config and --resume"),
            (["--resume"], "nothing to resume"),
        ]
        for (args, text) in cases {
            let r = try metatrain(["self-train", "--out", out] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.err.contains(text), "\(args): \(r.err)")
        }
        let help = try metatrain(["--help"])
        XCTAssertTrue(help.out.contains("self-train"), help.out)
        // A directory holding another self-training run is not silently mixed with a new one.
        var r = try metatrain(["self-train", "--config", config, "--outer", "adam:lr=1e-2", "--baselines", "adam:lr=3e-2",
                               "--outer-steps", "3", "--out", out, "--no-eval"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try metatrain(["self-train", "--config", config, "--outer", "adam:lr=1e-2", "--baselines", "adam:lr=1e-3",
                           "--outer-steps", "3", "--out", out, "--no-eval"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("different self-training run") && r.err.contains("--resume"), r.err)
        r = try metatrain(["self-train", "--resume", "--out", out, "--baselines", "adam:lr=1e-3", "--no-eval"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--baselines cannot change"), r.err)
    }
}
