// `metatrain train` as a user runs it: resume continues bit-identically (and its live line and elapsed
// times continue too), Ctrl-C checkpoints and exits with 130, damaged checkpoints give clear errors, and
// the shipped default config is the built-in one.

import Foundation
import XCTest
import MetaCore
import MetaLearned
import MetaTraining
@testable import MetaTrainCommands

final class TrainCommandTests: XCTestCase {
    func writeConfig(_ dir: URL, outerSteps: Int) throws -> String { try writeTinyTrainConfig(dir, outerSteps: outerSteps) }

    func theta(_ path: String) throws -> [Float] { try LearnedOptimizerCheckpoint.load(from: path).metaParameters }

    /// Step lines of a metrics file without the timing fields.
    func stepLines(_ dir: URL) throws -> [String] {
        let text = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard o["type"] as? String == "step" else { return nil }
            for k in ["elapsed", "seconds", "innerStepsPerSecond"] { o.removeValue(forKey: k) }
            return String(decoding: try JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self)
        }
    }

    /// Starts a long run in the background and returns once its metrics file has `lines` lines.
    func startRun(config: String, out: URL, extra: [String] = [], lines: Int) throws -> (Process, Pipe) {
        try startMetatrain(["train", "--config", config, "--out", out.path] + extra,
                           waitingFor: out.appendingPathComponent("metrics.jsonl"), lines: lines)
    }

    /// Resumes `checkpoint` to `target` outer steps and checks θ and the step metrics against a fresh
    /// run of `target` steps.
    func assertResumeMatchesFreshRun(checkpoint: String, out: URL, config: String, target: Int, dir: URL,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        var r = try metatrain(["train", "--resume", checkpoint, "--out", out.path, "--outer-steps", "\(target)"])
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        let fresh = dir.appendingPathComponent("fresh")
        r = try metatrain(["train", "--config", config, "--out", fresh.path, "--outer-steps", "\(target)"])
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        XCTAssertEqual(try theta(out.appendingPathComponent("final.safetensors").path),
                       try theta(fresh.appendingPathComponent("final.safetensors").path), file: file, line: line)
        XCTAssertEqual(try stepLines(out), try stepLines(fresh), file: file, line: line)
    }

    func testResumeEndsBitIdenticalToAnUninterruptedRun() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(dir, outerSteps: 12)
        let whole = dir.appendingPathComponent("whole"), part = dir.appendingPathComponent("part")
        var r = try metatrain(["train", "--config", config, "--out", whole.path])
        XCTAssertEqual(r.status, 0, r.err)
        r = try metatrain(["train", "--config", config, "--out", part.path, "--outer-steps", "5"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try metatrain(["train", "--resume", part.appendingPathComponent("checkpoint.safetensors").path,
                           "--out", part.path, "--outer-steps", "12", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("resuming at outer step 5"), r.err)
        XCTAssertEqual(try theta(part.appendingPathComponent("final.safetensors").path),
                       try theta(whole.appendingPathComponent("final.safetensors").path))
        XCTAssertEqual(try stepLines(part), try stepLines(whole))
        XCTAssertEqual(try stepLines(whole).count, 12)
    }

    /// After a resume the live line's moving average continues from the kept metrics, and `elapsed` in
    /// the metrics keeps growing from the last kept record instead of restarting at zero.
    func testResumeContinuesTheMovingAverageAndElapsedTime() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(dir, outerSteps: 8)
        let out = dir.appendingPathComponent("run")
        var r = try metatrain(["train", "--config", config, "--out", out.path, "--outer-steps", "5"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try metatrain(["train", "--resume", out.appendingPathComponent("checkpoint.safetensors").path, "--out", out.path, "--outer-steps", "8"])
        XCTAssertEqual(r.status, 0, r.err)
        let steps: [(metaLoss: Float, elapsed: Double)] = try MetricsRecord.read(path: out.appendingPathComponent("metrics.jsonl").path).compactMap {
            if case .step(let m, let elapsed) = $0 { return (m.metaLoss, elapsed) }
            return nil
        }
        XCTAssertEqual(steps.count, 8)
        for i in 1..<steps.count { XCTAssertGreaterThanOrEqual(steps[i].elapsed, steps[i - 1].elapsed, "elapsed restarted at step \(i)") }
        // The first line the resumed run shows (outer step 6) averages all six steps, as an uninterrupted run's would.
        var average = steps[0].metaLoss
        for s in steps[1..<6] { average = 0.95 * average + 0.05 * s.metaLoss }
        let line = try XCTUnwrap(r.err.split(separator: "\n").first { $0.contains("outer step 6/8") }, r.err)
        XCTAssertTrue(line.contains(String(format: "(avg %.4f)", average)), "\(line) vs avg \(average)")
    }

    func testCtrlCWritesACheckpointAndTheRunResumes() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(dir, outerSteps: 1_000_000)
        let out = dir.appendingPathComponent("run")
        // Wait for a few outer steps, then press Ctrl-C.
        let (p, err) = try startRun(config: config, out: out, lines: 3)
        p.interrupt()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, "Ctrl-C exits as SIGINT does\n" + log)
        XCTAssertTrue(log.contains("interrupted at outer step"), log)
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors").path
        let stoppedAt = try LearnedOptimizerCheckpoint.load(from: checkpoint).outerStep
        XCTAssertGreaterThanOrEqual(stoppedAt, 3)

        try assertResumeMatchesFreshRun(checkpoint: checkpoint, out: out, config: config, target: stoppedAt + 4, dir: dir)
    }

    func testKill9LosesAtMostTheStepsSinceTheLastCheckpoint() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(dir, outerSteps: 1_000_000)
        let out = dir.appendingPathComponent("run")
        // A checkpoint after every outer step (0.00001 minutes apart).
        let (p, _) = try startRun(config: config, out: out, extra: ["--checkpoint-every", "0.00001"], lines: 6)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // Whatever instant the kill hit, the checkpoint on disk is whole and resumes.
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors").path
        let at = try LearnedOptimizerCheckpoint.load(from: checkpoint).outerStep
        XCTAssertGreaterThanOrEqual(at, 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        XCTAssertTrue(leftovers.allSatisfy { $0.contains("tmp") }, "\(leftovers)")
        // Metrics lines written after the checkpoint are dropped on resume.
        try assertResumeMatchesFreshRun(checkpoint: checkpoint, out: out, config: config, target: at + 3, dir: dir)
    }

    func testDamagedCheckpointsAndBadConfigsGiveClearErrors() throws {
        let dir = temporaryDirectory()
        let config = try writeConfig(dir, outerSteps: 3)
        let out = dir.appendingPathComponent("run")
        var r = try metatrain(["train", "--config", config, "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
        let bytes = try Data(contentsOf: checkpoint)
        let cut = dir.appendingPathComponent("cut.safetensors")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        r = try metatrain(["train", "--resume", cut.path, "--out", out.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("cut.safetensors"), r.err)
        // A final checkpoint (θ only) is not resumable, and says so.
        r = try metatrain(["train", "--resume", out.appendingPathComponent("final.safetensors").path, "--out", out.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("trainer state"), r.err)
        // Bad config keys are named.
        let bad = dir.appendingPathComponent("bad.json")
        try #"{"tasksPerStepp": 3}"#.write(to: bad, atomically: true, encoding: .utf8)
        r = try metatrain(["train", "--config", bad.path, "--out", out.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("tasksPerStepp"), r.err)
        r = try metatrain(["train", "--estimator", "sgd"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--estimator"), r.err)
    }

    func testShippedDefaultConfigIsTheBuiltInRecipe() throws {
        let r = try metatrain(["--print-config"])
        XCTAssertEqual(r.status, 0, r.err)
        let file = try String(contentsOf: packageRoot.appendingPathComponent("configs/default.json"), encoding: .utf8)
        XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines), file.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Every shipped meta-training config reads — those in configs/, the configs beside the checkpoints in
    /// Checkpoints/ and the experiment configs under results/ (any JSON file there whose top level has an
    /// `architecture` key) — and a warm start names a shipped checkpoint of the config's architecture.
    func testShippedConfigsDecodeAndTheirWarmStartsExist() throws {
        var files: [String] = []
        for top in ["configs", "Checkpoints", "results"] {
            let dir = packageRoot.appendingPathComponent(top)
            guard let walk = FileManager.default.enumerator(atPath: dir.path) else { continue }
            for case let path as String in walk where path.hasSuffix(".json") {
                let data = try Data(contentsOf: dir.appendingPathComponent(path))
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      object["architecture"] != nil else { continue }
                files.append(top + "/" + path)
            }
        }
        files.sort()
        XCTAssertTrue(files.contains("configs/default.json"), "\(files)")
        XCTAssertTrue(files.contains { $0.hasSuffix("/recipe-wide.json") }, "\(files)")
        var warm = 0
        for name in files {
            let config = try MetaTrainingConfig.decode(try Data(contentsOf: packageRoot.appendingPathComponent(name)), file: name)
            guard let start = config.initialCheckpoint else { continue }
            warm += 1
            let checkpoint = try LearnedOptimizerCheckpoint.load(from: packageRoot.appendingPathComponent(start).path)
            XCTAssertEqual(checkpoint.architecture, config.architecture, name)
        }
        XCTAssertGreaterThanOrEqual(warm, 1)
    }
}

final class ArchitectureNameTests: XCTestCase {
    /// `--architecture`'s choices are the architectures the library builds by name.
    func testChoicesAreTheLibraryArchitectures() throws {
        XCTAssertEqual(ArchitectureName.allCases.map(\.rawValue), LearnedOptimizerArchitecture.defaults.map(\.name))
        for name in ArchitectureName.allCases { XCTAssertNoThrow(try LearnedOptimizerArchitecture.named(name.rawValue)) }
    }
}
