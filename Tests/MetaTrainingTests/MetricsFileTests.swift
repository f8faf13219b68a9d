// metrics.jsonl under faults: a torn last line is skipped and reported, and a write that fails part
// way (a full disk; here a file-size limit) is cut back to the last whole line.

import Foundation
import MetaCore
import MetaTraining
import XCTest

final class MetricsFileTests: XCTestCase {
    func check(_ step: Int) -> MetricsRecord {
        .evaluation(HeldOutCheck(step: step, elapsed: Double(step), tasks: ["heldout/mlp-000"], steps: 200,
                                 learnedOptimizer: 0.5, adam: 0.6, wins: 1))
    }

    func scratchFile() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UInt32.random(in: 0...UInt32.max))")
        try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.appendingPathComponent("metrics.jsonl").path
    }

    func testTornLastLineIsSkippedAndReported() throws {
        let path = scratchFile()
        let writer = try MetricsWriter(path: path, resumingAt: 0)
        for s in 0..<3 { try writer.append(check(s)) }
        var read = try MetricsRecord.readSkippingTornLine(path: path)
        XCTAssertEqual(read.records, [check(0), check(1), check(2)])
        XCTAssertFalse(read.skippedTornLine)

        // A run killed inside a line, even inside a multi-byte character.
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        var torn = whole + Data(try check(3).jsonLine().prefix(40))
        torn += Data([0xC3])
        try torn.write(to: URL(fileURLWithPath: path))
        read = try MetricsRecord.readSkippingTornLine(path: path)
        XCTAssertEqual(read.records, [check(0), check(1), check(2)])
        XCTAssertTrue(read.skippedTornLine)
        XCTAssertEqual(try MetricsRecord.read(path: path).count, 3)

        // A bad line that is not the last is still an error naming the line.
        try (whole + Data("{\"type\": \"step\"}\n".utf8) + whole).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try MetricsRecord.read(path: path)) { e in XCTAssertTrue("\(e)".contains("metrics.jsonl:4"), "\(e)") }
    }

    func testAFailedAppendLeavesOnlyWholeLines() throws {
        let path = scratchFile()
        let writer = try MetricsWriter(path: path, resumingAt: 0)
        try writer.append(check(0))
        try writer.append(check(1))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // Files may grow only 30 bytes more: the next line is written in part, then the write fails
        // (EFBIG, as ENOSPC would on a full disk).
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var saved = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved)
        var limited = saved
        limited.rlim_cur = rlim_t(before.count + 30)
        setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limited)
        var failure: Error?
        do { try writer.append(check(2)) } catch { failure = error }
        setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)

        let e = try XCTUnwrap(failure as? SpecError, "\(String(describing: failure))")
        XCTAssertEqual(e.location, path)
        XCTAssertTrue(e.message.contains("outer step 2") && e.message.contains("kept up to the last whole record"), e.message)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the partial line is cut off")
        // The writer goes on appending whole lines once writes succeed again.
        try writer.append(check(3))
        XCTAssertEqual(try MetricsRecord.readSkippingTornLine(path: path).records, [check(0), check(1), check(3)])
    }
}
