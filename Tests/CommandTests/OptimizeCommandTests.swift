// `metatrain optimize` as a user runs it.

import Foundation
import TestSupport
import XCTest

final class OptimizeCommandTests: XCTestCase {
    func testTrainsAndWritesCurveAndSummary() throws {
        let out = temporaryDirectory().appendingPathComponent("run")
        let r = try metatrain(["optimize", "--task", "heldout/mlp-001", "--optimizer", "sgd:lr=0.1", "--steps", "60",
                               "--seed", "3", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("final test loss") && r.out.contains("accuracy"), r.out)
        let csv = try String(contentsOf: out.appendingPathComponent("curve.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "step,train_loss,validation_loss,test_loss")
        XCTAssertEqual(lines.count, 1 + 60 + 1)  // header, every step, the final evaluation
        struct Summary: Decodable { var steps: Int; var seed: UInt64; var optimizer: String; var diverged: Bool
            struct E: Decodable { var loss: Float }; var finalTest: E; var normalizedTestLoss: Float }
        let s = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        XCTAssertEqual(s.steps, 60)
        XCTAssertEqual(s.optimizer, "sgd:lr=0.1")
        XCTAssertFalse(s.diverged)
        XCTAssertTrue(s.finalTest.loss.isFinite && s.normalizedTestLoss.isFinite)
        // The task spec written beside the results is accepted back.
        let again = try metatrain(["optimize", "--task", out.appendingPathComponent("task.json").path, "--optimizer", "sgd:lr=0.1",
                                   "--steps", "60", "--seed", "3"])
        XCTAssertEqual(again.status, 0, again.err)
        let finalLine = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("final test loss") } }
        XCTAssertEqual(finalLine(again.out), finalLine(r.out), "same seed, same task from its file → same result")
    }

    func testBadOptimizerSpecsListWhatIsValid() throws {
        var r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "adamm", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("adamm") && r.err.contains("valid names") && r.err.contains("sgd"), r.err)
        r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "sgd:learning_rate=0.1", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("learning_rate") && r.err.contains("valid keys") && r.err.contains("lr"), r.err)
        r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "sgd:lr=fast", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("lr") && r.err.contains("fast"), r.err)
        r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "sgd:lr=", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("column"), r.err)
        r = try metatrain(["optimize", "--task", "nope.json", "--optimizer", "sgd", "--steps", "5"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("nope.json"), r.err)
    }
}

final class ReplayCommandTests: XCTestCase {
    func testSharedReferenceReplaysWithinFloat32Tolerance() throws {
        let shared = TestFixtures.optaxTrajectories
        let r = try metatrain(["replay", shared.path])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        for name in ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw", "lion", "adafactor", "lookahead_adam"] {
            XCTAssertTrue(r.out.contains(name), "\(name) missing: \(r.out)")
        }
        XCTAssertTrue(r.out.contains("10 passed, 0 failed"), r.out)
    }

    func testAFailingCaseGivesANonZeroExit() throws {
        // An Adam trajectory whose recorded parameters are off by 1% at step 2.
        let json = """
        {"cases": [{"optimizer": "adam", "hyper": {"lr": 0.1, "b1": 0.9, "b2": 0.999, "eps": 1e-8},
          "shapes": {"w": [2]}, "params0": {"w": [1.0, -1.0]},
          "grads": [{"w": [0.5, -0.25]}, {"w": [0.5, -0.25]}],
          "params": [{"w": [0.9, -0.9]}, {"w": [0.808, -0.8]}]}]}
        """
        let file = temporaryDirectory().appendingPathComponent("bad.json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        let r = try metatrain(["replay", file.path])
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertTrue(r.out.contains("FAILED (step 2)"), r.out + r.err)
        let broken = temporaryDirectory().appendingPathComponent("broken.json")
        try "{\"cases\": [{\"optimizer\": \"adam\"}]}".write(to: broken, atomically: true, encoding: .utf8)
        let e = try metatrain(["replay", broken.path])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.err.contains("broken.json"), e.err)
    }
}
