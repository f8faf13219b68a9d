// The flags several commands share, as a user meets them through the binary: out-of-range values and
// unknown choices fail with a message naming the flag, and a shared flag reads the same in every
// command's --help.

import Foundation
import XCTest

final class SharedFlagsTests: XCTestCase {
    func testOutOfRangeValuesNameTheFlagAndTheRange() throws {
        let out = temporaryDirectory().path
        let cases: [([String], String)] = [
            (["optimize", "--task", "heldout/quadratic-001", "--optimizer", "sgd", "--steps", "0"], "--steps must be in 1…10000000, got 0"),
            (["optimize", "--task", "heldout/quadratic-001", "--optimizer", "sgd", "--threads", "300"], "--threads must be in 1…256, got 300"),
            (["compare", "--tasks", "heldout", "--optimizers", "sgd", "--steps", "5", "--seeds", "0", "--out", out], "--seeds must be in 1…10000, got 0"),
            (["compare", "--tasks", "heldout", "--optimizers", "sgd", "--steps", "5", "--evaluate-every", "0", "--out", out],
             "--evaluate-every must be at least 1, got 0"),
            (["compare", "--tasks", "heldout", "--optimizers", "sgd", "--steps", "5", "--out", ""], "--out must name a directory"),
            (["search", "--budget", "4", "--out", out, "--threads", "2000"], "--threads must be in 1…1024, got 2000"),
            (["search", "--budget", "4", "--out", out, "--population", "1"], "--population must be at least 2, got 1"),
            (["bench", "--threads", "0"], "--threads must be in 1…256, got 0"),
            (["zoo", "cost", "--steps", "0"], "--steps must be in 1…10000, got 0"),
            (["zoo", "sample", "--family", "mlp", "--count", "0"], "--count must be in 1…100000, got 0"),
            (["zoo", "validate", "train/quadratic-001", "--lr=-1"], "--lr must be a positive number, got -1.0"),
        ]
        for (args, expected) in cases {
            let r = try metatrain(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(expected), "\(args.joined(separator: " ")):\n\(r.err)")
        }
    }

    func testUnknownChoicesNameTheFlagAndTheChoices() throws {
        let cases: [([String], [String])] = [
            (["zoo", "cost", "--list", "test"], ["--list", "'test'", "heldout", "all"]),
            (["zoo", "sample", "--family", "rnn"], ["--family", "'rnn'", "function2d"]),
            (["compare", "--tasks", "heldout", "--optimizers", "sgd", "--steps", "5", "--out", "x", "--family", "rnn"], ["--family", "function2d"]),
            (["bench", "--only", "mlp_step_ms,nope_ms"], ["--only", "nope_ms", "lo_step_ms"]),
        ]
        for (args, expected) in cases {
            let r = try metatrain(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            for text in expected { XCTAssertTrue(r.err.contains(text), "\(args.joined(separator: " ")): \(text) missing:\n\(r.err)") }
        }
        let help = try metatrain(["zoo", "cost", "--help"]).out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("values: train, valid, heldout, all"), help)
    }

    /// The help entry of `flag` in `command --help`, whitespace collapsed.
    func helpEntry(_ command: [String], _ flag: String) throws -> String {
        let r = try metatrain(command + ["--help"])
        XCTAssertEqual(r.status, 0, r.err)
        var entry: [Substring] = []
        for line in r.out.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if entry.isEmpty {
                if trimmed.hasPrefix(flag + " ") || trimmed == flag { entry.append(trimmed) }
            } else if trimmed.hasPrefix("-") || trimmed.isEmpty {
                break
            } else {
                entry.append(trimmed)
            }
        }
        return entry.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func testASharedFlagReadsTheSameInEveryCommand() throws {
        let shared: [(String, [[String]])] = [
            ("--zoo", [["optimize"], ["compare"], ["search"], ["zoo", "list"], ["zoo", "validate"], ["zoo", "cost"]]),
            ("--json", [["zoo", "list"], ["zoo", "validate"], ["zoo", "cost"], ["bench"]]),
            ("--out", [["compare"], ["search"]]),
            ("--threads", [["compare"], ["search"]]),
            ("--evaluate-every", [["optimize"], ["compare"]]),
            ("--seed", [["optimize"], ["zoo", "validate"]]),
        ]
        for (flag, commands) in shared {
            let entries = try commands.map { try helpEntry($0, flag) }
            XCTAssertFalse(entries[0].isEmpty, "\(flag) missing from \(commands[0].joined(separator: " ")) --help")
            for (command, entry) in zip(commands, entries) {
                XCTAssertEqual(entry, entries[0], "\(flag) in \(command.joined(separator: " ")) differs from \(commands[0].joined(separator: " "))")
            }
        }
        // The comparison can fail: optimize's --threads (matrix-product threads, default 1) is not compare's.
        XCTAssertNotEqual(try helpEntry(["optimize"], "--threads"), try helpEntry(["compare"], "--threads"))
    }
}
