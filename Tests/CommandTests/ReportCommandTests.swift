// `metatrain report RUN_DIR`: a real (small) training run's metrics become plots and a summary whose
// numbers are recomputed here from metrics.jsonl; damaged metrics give errors naming file and line.

import Foundation
import XCTest

final class ReportCommandTests: XCTestCase {
    func testReportOfARealRun() throws {
        let dir = temporaryDirectory()
        let config = """
        {"architecture": {"name": "learnable_adam"}, "estimator": "pes",
         "tasks": [{"family": "quadratic", "dimension": 10, "seed": 1}, {"family": "quadratic", "dimension": 6, "seed": 2}],
         "tasksPerStep": 2, "truncationLength": 10, "horizon": [20, 40], "outerSteps": 300,
         "outerOptimizer": "adam:lr=3e-2", "innerWrapper": "hypergrad:beta=0.05,inner=[theta]", "seed": 5,
         "evaluateEveryMinutes": 0, "checkpointEveryMinutes": 60}
        """
        let configPath = dir.appendingPathComponent("c.json").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run")
        var r = try metatrain(["train", "--config", configPath, "--out", run.path])
        XCTAssertEqual(r.status, 0, r.err)
        // A held-out check line as `train` writes them, so the evaluation plots are exercised too.
        let eval = #"{"type":"eval","step":299,"elapsed":1.5,"tasks":["a","b"],"steps":200,"learnedOptimizer":0.25,"adam":0.5,"wins":2}"#
        let metricsURL = run.appendingPathComponent("metrics.jsonl")
        let handle = try FileHandle(forWritingTo: metricsURL)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((eval + "\n").utf8))
        try handle.close()

        r = try metatrain(["report", run.path])
        XCTAssertEqual(r.status, 0, r.err)
        let report = run.appendingPathComponent("report")
        for f in ["report.md", "meta-loss.svg", "meta-loss-time.svg", "heldout.svg", "heldout-time.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent(f).path), f)
        }
        let md = try String(contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
        // The first/last-100 means, recomputed from the metrics file.
        let losses = try String(contentsOf: metricsURL, encoding: .utf8).split(separator: "\n").compactMap { line -> Double? in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return o["type"] as? String == "step" ? (o["metaLoss"] as! NSNumber).doubleValue : nil
        }
        XCTAssertEqual(losses.count, 300)
        let first = losses.prefix(100).reduce(0, +) / 100, last = losses.suffix(100).reduce(0, +) / 100
        XCTAssertTrue(md.contains(String(format: "| first 100 outer steps | %.4f |", first)), md)
        XCTAssertTrue(md.contains(String(format: "| last 100 outer steps | %.4f |", last)), md)
        XCTAssertTrue(md.contains("| 299 | 0.0 | 0.2500 | 0.5000 | 2/2 |"), md)
        XCTAssertTrue(md.contains("learnable_adam"))
        XCTAssertTrue(md.contains("| inner wrapper (θ trained inside it) | `hypergrad:beta=0.05,inner=[theta]` |"), md)
        let svg = try String(contentsOf: report.appendingPathComponent("meta-loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))

        // A damaged line: the error names the file and the line; no report is half-written.
        try (String(contentsOf: metricsURL, encoding: .utf8) + "{\"type\": \"step\", \"step\": 3}\n")
            .write(to: metricsURL, atomically: true, encoding: .utf8)
        r = try metatrain(["report", run.path, "--out", dir.appendingPathComponent("r2").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("metrics.jsonl:302"), r.err)
        XCTAssertTrue(r.err.contains("metaLoss"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r2").path))

        // Not a run directory.
        r = try metatrain(["report", dir.appendingPathComponent("missing").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("not a directory"), r.err)
    }
}
