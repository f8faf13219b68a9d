// Trajectory files written with optax's own argument names replay too.

import Foundation
import XCTest
import MetaOptimizers
import TestSupport

final class OptaxSpellingTests: XCTestCase {
    func testOptaxArgumentNamesMapToOurOptimizers() throws {
        let data = try Data(contentsOf: TestFixtures.optaxTrajectories)
        var root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var cases = root["cases"] as! [[String: Any]]
        for i in cases.indices {
            var hyper = cases[i]["hyper"] as! [String: Any]
            if let lr = hyper.removeValue(forKey: "lr") { hyper["learning_rate"] = lr }
            switch cases[i]["optimizer"] as! String {
            case "momentum":  // optax.sgd(learning_rate, momentum, nesterov=False)
                cases[i]["optimizer"] = "sgd"
                hyper["nesterov"] = false
            case "nesterov":  // optax.sgd(learning_rate, momentum, nesterov=True)
                cases[i]["optimizer"] = "sgd"
                hyper["nesterov"] = true
            case "adam", "adamw":
                hyper["eps_root"] = 0.0
            case "rmsprop":
                hyper["centered"] = false
                hyper["momentum"] = NSNull()
            default: break
            }
            cases[i]["hyper"] = hyper
        }
        root["cases"] = cases
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("optax-names-\(UInt32.random(in: 0...UInt32.max)).json")
        try JSONSerialization.data(withJSONObject: root).write(to: file)
        let results = try TrajectoryReplay.replay(fileAt: file.path)
        XCTAssertEqual(results.count, 10)
        for r in results { XCTAssertTrue(r.passed, "\(r.name): \(r.spec) error \(r.maxRelativeError)") }
        XCTAssertTrue(results.contains { $0.spec.hasPrefix("nesterov:") })
    }

    /// optax.adamw(nesterov=True) is optax.nadamw, and optax's zero eps_root is dropped.
    func testAdamWWithNesterovIsNAdamW() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/baseline-trajectories.json")
        var root = try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as! [String: Any]
        var cases = (root["cases"] as! [[String: Any]]).filter { $0["optimizer"] as! String == "nadamw" }
        for i in cases.indices {
            var hyper = cases[i]["hyper"] as! [String: Any]
            hyper["nesterov"] = true
            hyper["eps_root"] = 0.0
            cases[i]["hyper"] = hyper
            cases[i]["optimizer"] = "adamw"
        }
        root["cases"] = cases
        let results = try TrajectoryReplay.replay(data: JSONSerialization.data(withJSONObject: root), source: "adamw-nesterov")
        XCTAssertEqual(results.count, 3)
        for r in results {
            XCTAssertTrue(r.passed && r.spec.hasPrefix("nadamw:") && !r.spec.contains("nesterov"), "\(r.spec) error \(r.maxRelativeError)")
        }
    }
}
