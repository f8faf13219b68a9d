// A diverged run is a result: `optimize`, `zoo validate --json` and programs report it with exit 0 and the
// reason (the JSON holds "nan" for the non-finite losses), and a finite run that ends far above its start
// is flagged too.

import Foundation
import XCTest
import MetaEvaluation

final class DivergedRunTests: XCTestCase {
    func testOptimizeReportsANaNRunAndWritesItsJSON() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for spec in ["sgd:lr=1e3", "program:lion,lr=1e3"] {
            let out = dir.appendingPathComponent(spec.replacingOccurrences(of: ":", with: "-")).path
            let r = try metatrain(["optimize", "--task", "heldout/mlp-003", "--optimizer", spec, "--steps", "40", "--out", out])
            XCTAssertEqual(r.status, 0, "\(spec): \(r.err)")
            XCTAssertTrue(r.out.contains("diverged: the loss became NaN or infinite at step"), r.out)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            XCTAssertEqual(summary["diverged"] as? Bool, true)
            XCTAssertTrue((summary["divergence"] as? String)?.contains("NaN") == true)
            XCTAssertEqual((summary["finalTest"] as? [String: Any])?["loss"] as? String, "nan")
        }
    }

    func testAFiniteRunThatBlowsUpIsFlagged() throws {
        let r = try metatrain(["optimize", "--task", "heldout/mlp-003", "--optimizer", "lo:default,scale=1e4", "--steps", "60"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("diverged: the validation loss ended"), r.out)
        let healthy = try metatrain(["optimize", "--task", "heldout/mlp-003", "--optimizer", "adam", "--steps", "60"])
        XCTAssertFalse(healthy.out.contains("diverged"), healthy.out)
    }

    func testZooValidateJSONOfADivergingRate() throws {
        let r = try metatrain(["zoo", "validate", "heldout/mlp-003", "--lr", "1e4", "--steps", "20", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual((report["sgd"] as? [String: Any])?["diverged"] as? Bool, true)
    }

    func testDivergenceRule() {
        XCTAssertNil(DivergenceRule.rose(initial: 2.3, final: 2.0))
        XCTAssertNil(DivergenceRule.rose(initial: 2.3, final: 20))   // 8.7× : under the factor of 10
        XCTAssertNotNil(DivergenceRule.rose(initial: 2.3, final: 60))
        XCTAssertNil(DivergenceRule.rose(initial: -50, final: -40))  // negative losses (2D functions)
        XCTAssertNotNil(DivergenceRule.rose(initial: 0, final: 1))   // from 0, against the floor
        XCTAssertNil(DivergenceRule.rose(initial: 1, final: .nan))
    }
}
