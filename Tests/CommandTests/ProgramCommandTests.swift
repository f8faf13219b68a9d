// Programs through the binary: `program:PATH` in optimize and compare, clear errors for bad files, and
// `metatrain search` (same seed → same results; interrupted and resumed → the same results).

import Foundation
import XCTest

final class ProgramCommandTests: XCTestCase {
    func testProgramSpecsInOptimizeAndCompare() throws {
        var r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "program:Programs/lion.prog,lr=0.01", "--steps", "30"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("final test loss"), r.out)
        let out = temporaryDirectory().appendingPathComponent("cmp")
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-001,heldout/function2d-000", "--steps", "30",
                           "--optimizers", "program:Programs/adamw.prog;tuned:inner=[program:Programs/lion.prog],min=1e-3,max=1e-1,count=3;program:signsgd",
                           "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("program:Programs/adamw.prog") && r.out.contains("tuned:"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.md").path))
    }

    func testBadProgramFilesAreClearErrors() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("bad.prog")
        try "# a typo on line 3\nm = interp(g, m, 0.9)\nupdate = m * * lr\n".write(to: bad, atomically: true, encoding: .utf8)
        var r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "program:\(bad.path)", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.prog:3:14") && r.err.contains("expected a variable or a number"), r.err)
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-001", "--steps", "5", "--optimizers", "program:\(dir.path)/missing.prog",
                           "--out", dir.appendingPathComponent("c").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("missing.prog") && r.err.contains("cannot read"), r.err)
        r = try metatrain(["compare", "--tasks", "heldout/quadratic-001", "--steps", "5", "--optimizers", "tuned:min=1e-3",
                           "--out", dir.appendingPathComponent("c").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("needs the optimizer to sweep"), r.err)
        r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "program:Programs/lion.prog,beta=2", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("unknown key 'beta'") && r.err.contains("lr"), r.err)
    }

    func testSearchIsDeterministicAndResumable() throws {
        let base = temporaryDirectory()
        let args = ["search", "--budget", "16", "--proxy-tasks", "1", "--proxy-steps", "15", "--funnel-steps", "15",
                    "--population", "6", "--batch", "4", "--max-step-mflop", "0.05", "--seed", "5"]
        func run(_ name: String, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
            try metatrain(args + ["--out", base.appendingPathComponent(name).path] + extra)
        }
        func results(_ name: String) throws -> String {
            let dir = base.appendingPathComponent(name)
            let csv = try String(contentsOf: dir.appendingPathComponent("progress.csv"), encoding: .utf8)
            // All but the wall-time column.
            let rows = csv.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
            return rows.joined(separator: "\n")
        }
        let a = try run("a")
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertTrue(a.out.contains("cache hit rate") && a.err.contains("cache hits"), a.out + a.err)
        for file in ["progress.csv", "progress.svg", "summary.md", "search-state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: base.appendingPathComponent("a/\(file)").path), file)
        }
        let b = try run("b")
        XCTAssertEqual(b.status, 0, b.err)
        XCTAssertEqual(try results("a"), try results("b"))
        // End at once on the time limit (results written from the state so far), then resume: the same search.
        let c = try run("c", ["--max-minutes", "0"])
        XCTAssertEqual(c.status, 0, c.err)
        XCTAssertTrue(c.err.contains("--max-minutes reached") && c.err.contains("--resume"), c.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: base.appendingPathComponent("c/summary.md").path))
        let again = try run("c")
        XCTAssertNotEqual(again.status, 0, "an existing search is not overwritten")
        XCTAssertTrue(again.err.contains("--resume"), again.err)
        let resumed = try metatrain(["search", "--resume", "--budget", "16", "--out", base.appendingPathComponent("c").path])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertEqual(try results("c"), try results("a"))
    }

    func testCtrlCStopsASearchWithStatus130AndItResumes() throws {
        let out = temporaryDirectory().appendingPathComponent("search")
        let args = ["search", "--budget", "100000", "--proxy-tasks", "1", "--proxy-steps", "15", "--funnel-steps", "15",
                    "--population", "6", "--batch", "4", "--max-step-mflop", "0.05", "--seed", "5", "--save-every", "0", "--out", out.path]
        // The state is saved after every generation: wait for the first save, then press Ctrl-C.
        let (p, err) = try startMetatrain(args, waitingFor: out.appendingPathComponent("search-state.json"), lines: 1)
        p.interrupt()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, log)
        XCTAssertTrue(log.contains("stopped at generation") && log.contains("--resume"), log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.md").path))
        let resumed = try metatrain(["search", "--resume", "--budget", "1", "--max-minutes", "0", "--out", out.path])
        XCTAssertEqual(resumed.status, 0, resumed.err)
    }
}
