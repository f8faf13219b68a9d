// Bad output directories fail before the work, a full disk keeps the summaries and whole metrics lines,
// and the rough edges a user meets: mistyped commands, task ids, JSON syntax errors, devices as files.

import Foundation
import XCTest
import MetaCore
import MetaTasks
import MetaTraining

final class RobustIOCommandTests: XCTestCase {
    /// A file where a directory is expected.
    func fileInTheWay(_ dir: URL) throws -> String {
        let file = dir.appendingPathComponent("a-file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs `metatrain args` with files limited to `kilobytes` KiB (bash's `ulimit -f`, SIGXFSZ ignored):
    /// writes past it fail (EFBIG) as they would on a full disk (ENOSPC).
    func metatrainWithFileSizeLimit(_ kilobytes: Int, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try runProcess(URL(fileURLWithPath: "/bin/bash"),
                       ["-c", "trap '' XFSZ; ulimit -f \(kilobytes); exec \"$0\" \"$@\"", try metatrainExecutable().path] + args,
                       cwd: packageRoot.path)
    }

    func testMistypedCommandIsNamedAndTheCommandsListed() throws {
        let r = try metatrain(["compair", "--tasks", "heldout"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("unknown command 'compair'") && r.err.contains("did you mean 'compare'"), r.err)
        XCTAssertTrue(r.err.contains("train, self-train, report, zoo, optimize, compare"), r.err)
        XCTAssertFalse(r.err.contains("metatrain train <options>"), "train's usage: \(r.err)")
        // Options alone still run train, the default command.
        let config = try metatrain(["--print-config"])
        XCTAssertEqual(config.status, 0, config.err)
        XCTAssertTrue(config.out.contains("\"architecture\""), config.out)
    }

    func testZooListShowsTaskIds() throws {
        let zoo = try TaskZoo.locate(packageRoot.appendingPathComponent("TaskZoo").path)
        let text = try metatrain(["zoo", "list", "--ids"])
        XCTAssertEqual(text.status, 0, text.err)
        let lines = Set(text.out.split(separator: "\n").map(String.init))
        for name in ["train", "valid", "heldout"] {
            for entry in try zoo.list(name).tasks { XCTAssertTrue(lines.contains(entry.id), entry.id) }
        }
        XCTAssertTrue(lines.contains("# cnn, heldout (\(try zoo.list("heldout").count(.cnn)))"), text.out)

        let json = try metatrain(["zoo", "list", "--json"])
        struct Ids: Decodable { var train: [String]; var valid: [String]; var heldout: [String] }
        struct Row: Decodable { var name: String; var train: Int; var heldout: Int; var ids: Ids }
        struct Listing: Decodable { var families: [Row] }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(json.out.utf8))
        for row in listing.families {
            XCTAssertEqual(row.ids.train.count, row.train)
            XCTAssertEqual(row.ids.heldout, try zoo.list("heldout").tasks.filter { $0.config.family.rawValue == row.name }.map(\.id))
        }
    }

    func testBadOutputDirectoriesFailBeforeTheWork() throws {
        let dir = temporaryDirectory()
        let file = try fileInTheWay(dir)
        // optimize: the losses are printed after training, so none means it stopped before.
        var r = try metatrain(["optimize", "--task", "heldout/quadratic-000", "--optimizer", "adam", "--steps", "50", "--out", file])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(file) && r.err.contains("not a directory"), r.err)
        XCTAssertFalse(r.out.contains("final train loss"), r.out)
        // compare: the run count is announced when the runs start.
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-000", "--optimizers", "adam", "--steps", "20", "--out", file + "/report"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(file) is a file, not a directory"), r.err)
        XCTAssertFalse(r.err.contains("runs of"), r.err)
        // train: no metrics before the error.
        let config = try writeTinyTrainConfig(dir, outerSteps: 3)
        r = try metatrain(["train", "--config", config, "--out", file + "/run"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(file) is a file, not a directory"), r.err)
        XCTAssertFalse(r.err.contains("meta-training"), r.err)
        // search and report.
        r = try metatrain(["search", "--budget", "4", "--out", file])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(file) && r.err.contains("not a directory"), r.err)
        let run = dir.appendingPathComponent("run")
        XCTAssertEqual(try metatrain(["train", "--config", config, "--out", run.path]).status, 0)
        r = try metatrain(["report", run.path, "--out", file])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(file) && r.err.contains("not a directory"), r.err)
    }

    /// With files limited to 8 KiB, compare's small summaries are written and the larger files fail:
    /// the error names the file and what was kept, and no plot exists without report.md.
    func testCompareOnAFullDiskKeepsTheSummariesFirst() throws {
        let out = temporaryDirectory().appendingPathComponent("report")
        let r = try metatrainWithFileSizeLimit(8, ["compare", "--tasks", "heldout/quadratic-000,heldout/quadratic-001",
                                                    "--optimizers", "adam;sgd:lr=0.1", "--steps", "400", "--out", out.path])
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertFalse(r.err.contains("NSCocoaErrorDomain"), r.err)
        XCTAssertTrue(r.err.contains("file too large") && r.err.contains("kept in \(out.path): summary.json, report.md"), r.err)
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssertTrue(written.isSuperset(of: ["summary.json", "report.md"]), "\(written)")
        XCTAssertFalse(written.contains { $0.hasSuffix(".svg") || $0.contains(".tmp-") }, "\(written)")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))))
    }

    /// With metrics.jsonl limited to 4 KiB, train stops with an error naming the file and leaves only whole
    /// lines, which `report` reads without a warning; a torn line added by hand is skipped with one.
    func testTrainOnAFullDiskLeavesWholeMetricsLines() throws {
        let dir = temporaryDirectory()
        let config = try writeTinyTrainConfig(dir, outerSteps: 200)
        let out = dir.appendingPathComponent("run")
        var r = try metatrainWithFileSizeLimit(4, ["train", "--config", config, "--out", out.path])
        let metrics = out.appendingPathComponent("metrics.jsonl")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains(metrics.path) && r.err.contains("file too large") && r.err.contains("last whole record"), r.err)
        let data = try Data(contentsOf: metrics)
        XCTAssertEqual(data.last, 0x0A)
        let read = try MetricsRecord.readSkippingTornLine(path: metrics.path)
        XCTAssertFalse(read.skippedTornLine)
        XCTAssertGreaterThan(read.records.count, 2)
        r = try metatrain(["report", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(r.err.contains("warning"), r.err)

        try (data + Data(#"{"type":"step","metaLo"#.utf8)).write(to: metrics)
        r = try metatrain(["report", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("warning: \(metrics.path): skipped the unfinished last line"), r.err)
    }

    /// A checkpoint that cannot be written (4 KiB files; a checkpoint of this run is about 4.7 KiB) leaves
    /// the previous one, and the error says so.
    func testAFailedCheckpointWriteKeepsThePreviousOne() throws {
        let dir = temporaryDirectory()
        let config = try writeTinyTrainConfig(dir, outerSteps: 3)
        let out = dir.appendingPathComponent("run")
        XCTAssertEqual(try metatrain(["train", "--config", config, "--out", out.path]).status, 0)
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors").path
        let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        XCTAssertGreaterThan(before.count, 4096)
        let r = try metatrainWithFileSizeLimit(4, ["train", "--resume", checkpoint, "--out", out.path, "--outer-steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(checkpoint): cannot write: file too large (at outer step 5); the previous checkpoint.safetensors is kept unchanged"), r.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), before)
    }

    func testJSONSyntaxErrorsNameLineAndColumn() throws {
        let dir = temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.json")
        try "{\n  \"seed\": 1,\n  \"outerSteps\": 3 x\n}\n".write(to: bad, atomically: true, encoding: .utf8)
        var r = try metatrain(["train", "--config", bad.path, "--print-config"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(bad.path):3:19: not valid JSON"), r.err)
        r = try metatrain(["optimize", "--task", bad.path, "--optimizer", "adam"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(bad.path):3:19: not valid JSON"), r.err)
    }

    func testDeviceAsConfigIsNotARegularFile() throws {
        let r = try metatrain(["train", "--config", "/dev/zero", "--print-config"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("/dev/zero") && r.err.contains("not a regular file"), r.err)
        XCTAssertFalse(r.err.contains("permission denied"), r.err)
        let task = try metatrain(["optimize", "--task", "/dev/zero", "--optimizer", "adam", "--steps", "2"])
        XCTAssertNotEqual(task.status, 0)
        XCTAssertTrue(task.err.contains("/dev/zero: cannot read task spec: not a regular file"), task.err)
    }
}
