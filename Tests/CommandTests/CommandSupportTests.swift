// The small pieces the thin commands share: the flag-limit checks and their messages, the closed-set
// choices, the step progress line, shell quoting.

import MetaCore
import XCTest
@testable import MetaTrainCommands

final class CommandSupportTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    func testFlagLimitChecksNameTheFlagAndTheRange() {
        XCTAssertNil(message { try FlagLimits.check(1, FlagLimits.innerSteps, "--steps") })
        XCTAssertNil(message { try FlagLimits.check(10_000_000, FlagLimits.innerSteps, "--steps") })
        XCTAssertEqual(message { try FlagLimits.check(0, FlagLimits.innerSteps, "--steps") }, "--steps must be in 1…10000000, got 0")
        XCTAssertEqual(message { try FlagLimits.check(10_001, FlagLimits.seeds, "--seeds") }, "--seeds must be in 1…10000, got 10001")
        XCTAssertEqual(message { try FlagLimits.check(0, FlagLimits.positive, "--limit") }, "--limit must be at least 1, got 0")
        XCTAssertNil(message { try FlagLimits.check(0, FlagLimits.nonNegative, "--restart-after") })
        XCTAssertNil(message { try FlagLimits.check(nil as Int?, FlagLimits.positive, "--evaluate-every") }, "an absent flag passes")
        XCTAssertEqual(message { try FlagLimits.check(0 as Int?, FlagLimits.positive, "--evaluate-every") }, "--evaluate-every must be at least 1, got 0")
        XCTAssertEqual(message { try FlagLimits.checkPositive(Float(-1) as Float?, "--lr") }, "--lr must be a positive number, got -1.0")
        XCTAssertNotNil(message { try FlagLimits.checkPositive(Float.nan as Float?, "--lr") })
        XCTAssertNotNil(message { try FlagLimits.checkPositive(Float.infinity as Float?, "--lr") })
        XCTAssertNil(message { try FlagLimits.checkPositive(nil as Float?, "--lr") })
    }

    func testEveryLimitAdmitsOneAndItsBounds() {
        for range in [FlagLimits.innerSteps, FlagLimits.seeds, FlagLimits.workerThreads, FlagLimits.blasThreads, FlagLimits.sgdSteps,
                      FlagLimits.timedSteps, FlagLimits.sampleCount, FlagLimits.outerSteps, FlagLimits.tasksPerStep, FlagLimits.truncation] {
            XCTAssertEqual(range.lowerBound, 1)
            XCTAssertNil(message { try FlagLimits.check(range.upperBound, range, "--x") })
            XCTAssertNotNil(message { try FlagLimits.check(range.upperBound + 1, range, "--x") })
        }
    }

    func testClosedSets() throws {
        XCTAssertEqual(TaskListChoice.all.listNames, ["train", "valid", "heldout"])
        XCTAssertEqual(TaskListChoice.heldout.listNames, ["heldout"])
        XCTAssertEqual(try BenchWorkload.list("adam_1e6_ms,mlp_step_ms"), [.adam, .mlpStep])
        XCTAssertEqual(Set(BenchWorkload.allCases.map(\.rawValue)).count, BenchWorkload.allCases.count)
        let unknown = message { _ = try BenchWorkload.list("mlp_step_ms,nope_ms") } ?? ""
        XCTAssertTrue(unknown.contains("nope_ms") && unknown.contains("lo_step_ms"), unknown)
    }

    func testStepProgressOnTheSharedLine() {
        XCTAssertEqual(StepProgress.text(label: "t · sgd", done: 6, total: 10, elapsed: 3),
                       "t · sgd [##################............] 6/10 steps  2 steps/s  ETA 0:02")
        XCTAssertTrue(StepProgress.text(label: "t", done: 0, total: 10, elapsed: 0).hasSuffix("ETA ?"))
        // In a log: the first line, then only the last (the interval is far longer than the run).
        var written: [String] = []
        let progress = StepProgress(total: 3, label: "t", line: ProgressLine(interactive: false, logInterval: 1e9) { written.append($0) })
        for done in 1...3 { progress.update(done) }
        progress.finish()
        XCTAssertEqual(written.count, 2, "\(written)")
        XCTAssertTrue(written.last?.contains("3/3 steps") == true && written.last?.hasSuffix("\n") == true, "\(written)")
    }

    func testShellQuoting() {
        XCTAssertEqual(Shell.quoted("adam:lr=1e-3"), "adam:lr=1e-3")
        XCTAssertEqual(Shell.quoted("sgd;adam"), "'sgd;adam'")
        XCTAssertEqual(Shell.quoted("it's"), "'it'\\''s'")
        XCTAssertEqual(Shell.quoted(""), "''")
    }
}
