// `metatrain compare` as a user runs it: files written, the summary printed, flag errors.

import Foundation
import XCTest
import MetaOptimizers

final class CompareCommandTests: XCTestCase {
    func testQuickComparisonWritesTheReport() throws {
        let dir = temporaryDirectory().appendingPathComponent("out")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        // adam-tuned joins once the registry has adam (a short sweep keeps the test quick).
        let hasAdam = OptimizerCatalogue.handDesigned.kinds.contains { $0.name == "adam" }
        let optimizers = "sgd:lr=0.01;sgd:lr=0.001" + (hasAdam ? ";adam-tuned:count=3" : "")
        let tasks = ["heldout/quadratic-000", "heldout/function2d-000", "heldout/mlp-000"]
        let r = try metatrain([
            "compare", "--tasks", tasks.joined(separator: ","), "--optimizers", optimizers,
            "--steps", "20", "--seeds", "2", "--threads", "2", "--out", dir.path,
        ])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("report: \(dir.path)/report.md"), r.out)
        XCTAssertTrue(r.out.contains("sgd:lr=0.001") && r.out.contains("median"), r.out)
        // stderr is a pipe here: one log line per finished run.
        let runs = tasks.count * 2 * (2 + (hasAdam ? 3 : 0))
        XCTAssertTrue(r.err.contains("[\(runs)/\(runs)]"), r.err)
        let fm = FileManager.default
        for file in ["report.md", "curves.csv", "summary.json", "results.json", "aggregate.svg", "summary.svg"] {
            XCTAssertTrue(fm.fileExists(atPath: dir.appendingPathComponent(file).path), file)
        }
        for t in tasks {
            XCTAssertTrue(fm.fileExists(atPath: dir.appendingPathComponent("plots/" + t.replacingOccurrences(of: "/", with: "_") + ".svg").path), t)
        }
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        for t in tasks { XCTAssertTrue(report.contains(t), t) }
        XCTAssertTrue(report.contains("--steps 20"), "the command line is recorded")
        let csv = try String(contentsOf: dir.appendingPathComponent("curves.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("task,family,optimizer,seed,step,train_loss,validation_loss,test_loss\n"))
    }

    func testTaskListFileFamilyAndLimit() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.appendingPathComponent("tasks.json")
        try #"["heldout/quadratic-001", {"family": "function2d", "function": "booth"}, {"id": "mine", "config": {"family": "quadratic", "dimension": 3}}]"#
            .write(to: list, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try metatrain([
            "compare", "--tasks", list.path, "--optimizers", "sgd", "--steps", "5", "--out", out.path,
            "--family", "quadratic", "--limit", "1",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("heldout/quadratic-001"))
        XCTAssertFalse(report.contains("mine") || report.contains("function2d"), report)
    }

    func testBadFlagsGiveClearErrors() throws {
        let out = temporaryDirectory().appendingPathComponent("out").path
        var r = try metatrain(["compare", "--tasks", "heldout/quadratic-000", "--optimizers", "sgd;nosuch", "--steps", "5", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--optimizers") && r.err.contains("nosuch") && r.err.contains("valid names: sgd"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-000", "--optimizers", "sgd:rate=1", "--steps", "5", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("rate") && r.err.contains("valid keys: lr"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-000", "--optimizers", "sgd", "--steps", "0", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--steps"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout", "--family", "rnn", "--optimizers", "sgd", "--steps", "5", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--family") && r.err.contains("function2d"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout/mlp-9999", "--optimizers", "sgd", "--steps", "5", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("heldout/mlp-9999"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written on errors")
    }
}
