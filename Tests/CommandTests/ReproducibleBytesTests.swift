// Two runs with the same seed and settings write byte-identical checkpoints and summaries (no timestamps
// inside them), so "bit-identical" can be checked with `cmp`.

import Foundation
import XCTest

final class ReproducibleBytesTests: XCTestCase {
    func bytes(_ dir: URL, _ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    func testTrainWritesTheSameCheckpointsTwice() throws {
        let config = packageRoot.appendingPathComponent("Tests/MetaTrainingTests/Fixtures/small-config.json").path
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        for out in [a, b] {
            let r = try metatrain(["train", "--config", config, "--outer-steps", "3", "--threads", "2", "--out", out.path])
            XCTAssertEqual(r.status, 0, r.err)
        }
        for name in ["final.safetensors", "checkpoint.safetensors", "config.json"] {
            XCTAssertEqual(try bytes(a, name), try bytes(b, name), name)
        }
    }

    func testOptimizeAndCompareWriteTheSameSummariesTwice() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for run in ["a", "b"] {
            let o = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "adam", "--steps", "20",
                                   "--out", dir.appendingPathComponent("opt-\(run)").path])
            XCTAssertEqual(o.status, 0, o.err)
            let c = try metatrain(["compare", "--tasks", "heldout", "--family", "quadratic", "--limit", "2", "--optimizers", "adam;sgd",
                                   "--steps", "20", "--seeds", "2", "--out", dir.appendingPathComponent("cmp-\(run)").path])
            XCTAssertEqual(c.status, 0, c.err)
        }
        XCTAssertEqual(try bytes(dir.appendingPathComponent("opt-a"), "summary.json"), try bytes(dir.appendingPathComponent("opt-b"), "summary.json"))
        let sa = try bytes(dir.appendingPathComponent("cmp-a"), "summary.json"), sb = try bytes(dir.appendingPathComponent("cmp-b"), "summary.json")
        // The command line differs in --out only; everything else is the same bytes.
        XCTAssertEqual(String(decoding: sa, as: UTF8.self).replacingOccurrences(of: "cmp-a", with: "cmp-b"), String(decoding: sb, as: UTF8.self))
    }
}
