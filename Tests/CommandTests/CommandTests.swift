// The `metatrain` binary as a user runs it: outputs, exit codes and error messages.

import Foundation
import XCTest
import MetaCore
import MetaTasks

/// The built `metatrain` binary.
func metatrainExecutable() throws -> URL {
    let candidates = [
        Bundle.main.bundleURL.appendingPathComponent("metatrain"),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("metatrain"),
        packageRoot.appendingPathComponent(".build/debug/metatrain"),
    ]
    guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw XCTSkip("metatrain binary not built (run `swift build` first)")
    }
    return exe
}

/// Runs the built `metatrain` binary with the package root as working directory.
func metatrain(_ args: [String], cwd: String? = nil) throws -> (status: Int32, out: String, err: String) {
    try runProcess(try metatrainExecutable(), args, cwd: cwd ?? packageRoot.path)
}

/// Runs `executable` with `args` in `cwd`; returns its exit status and what it printed.
func runProcess(_ executable: URL, _ args: [String], cwd: String) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A small, fast meta-training config: learnable Adam on two quadratics (10 and 6 dimensions).
func writeTinyTrainConfig(_ dir: URL, outerSteps: Int) throws -> String {
    let config = """
    {"architecture": {"name": "learnable_adam"}, "estimator": "pes",
     "tasks": [{"family": "quadratic", "dimension": 10, "seed": 1}, {"family": "quadratic", "dimension": 6, "seed": 2}],
     "tasksPerStep": 2, "truncationLength": 10, "horizon": [20, 40], "outerSteps": \(outerSteps),
     "outerOptimizer": "adam:lr=3e-2", "seed": 5, "evaluateEveryMinutes": 0, "checkpointEveryMinutes": 60}
    """
    let path = dir.appendingPathComponent("config.json").path
    try config.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Starts `metatrain args` in the background and returns once `file` has `lines` lines (or after 60 s).
func startMetatrain(_ args: [String], waitingFor file: URL, lines: Int) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = try metatrainExecutable()
    p.arguments = args
    p.currentDirectoryURL = packageRoot
    let err = Pipe()
    p.standardError = err
    p.standardOutput = Pipe()
    try p.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        if let t = try? String(contentsOfFile: file.path, encoding: .utf8), t.split(separator: "\n").count >= lines { break }
        usleep(20_000)
    }
    return (p, err)
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func temporaryDirectory() -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("metatrain-test-\(UInt32.random(in: 0...UInt32.max))")
    try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

final class ZooCommandTests: XCTestCase {
    func testZooListJSONCounts() throws {
        let r = try metatrain(["zoo", "list", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        struct Row: Decodable { var name: String; var train: Int; var valid: Int; var heldout: Int }
        struct Listing: Decodable { var families: [Row] }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(r.out.utf8))
        XCTAssertEqual(listing.families.map(\.name), ["mlp", "cnn", "quadratic", "function2d"])
        let zoo = try TaskZoo.locate(packageRoot.appendingPathComponent("TaskZoo").path)
        let train = try zoo.list("train"), heldout = try zoo.list("heldout")
        for row in listing.families {
            let f = TaskFamilyName(rawValue: row.name)!
            XCTAssertEqual(row.train, train.count(f))
            XCTAssertEqual(row.heldout, heldout.count(f))
            XCTAssertEqual(row.valid, try zoo.list("valid").count(f))
        }
        XCTAssertGreaterThanOrEqual(listing.families.map(\.train).reduce(0, +), 200)
        XCTAssertGreaterThanOrEqual(listing.families.map(\.heldout).reduce(0, +), 50)
    }

    func testZooShowPrintsASpecThatLoadsBack() throws {
        let r = try metatrain(["zoo", "show", "train/quadratic-004"])
        XCTAssertEqual(r.status, 0, r.err)
        let config = try TaskSpec.decode(Data(r.out.utf8), file: "shown")
        let zoo = try TaskZoo.locate(packageRoot.appendingPathComponent("TaskZoo").path)
        XCTAssertEqual(config, try zoo.entry(id: "train/quadratic-004").config)
    }

    func testZooSampleIsDeterministic() throws {
        let a = try metatrain(["zoo", "sample", "--family", "cnn", "--count", "3", "--seed", "5"])
        let b = try metatrain(["zoo", "sample", "--family", "cnn", "--count", "3", "--seed", "5"])
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(a.out, b.out)
        let configs = try JSONDecoder().decode([TaskConfig].self, from: Data(a.out.utf8))
        XCTAssertEqual(configs.count, 3)
        XCTAssertTrue(configs.allSatisfy { $0.family == .cnn })
    }

    /// `TaskZoo/beyond/tasks.json`, the tasks in no zoo list: each lies outside the ranges the zoo's
    /// families sample (wider, deeper, larger, or read from files), and `compare` runs them all.
    func testBeyondZooTasksAreOutsideTheFamiliesAndRun() throws {
        let root = packageRoot.appendingPathComponent("TaskZoo")
        func json(_ path: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(path))) as? [String: Any])
        }
        func range(_ family: [String: Any], _ key: String) -> Double {
            ((family[key] as? [String: Any])?["max"] as? Double) ?? .infinity
        }
        let mlp = try json("families/mlp.json"), cnn = try json("families/cnn.json"), quadratic = try json("families/quadratic.json")
        let tasks = try XCTUnwrap(try json("beyond/tasks.json")["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 10)
        let zoo = try TaskZoo.locate(root.path)
        let listed = Set(try zoo.list("train").tasks.map(\.config) + zoo.list("heldout").tasks.map(\.config))
        for task in tasks {
            let id = try XCTUnwrap(task["id"] as? String)
            let c = try XCTUnwrap(task["config"] as? [String: Any])
            let fromFiles = ((c["dataset"] as? [String: Any])?["kind"] as? String) == "idx"
            let beyond: Bool
            switch c["family"] as? String {
            case "mlp":
                let h = (c["hidden"] as? [Int]) ?? []
                beyond = fromFiles || Double(h.count) > range(mlp, "layers") || Double(h.max() ?? 0) > range(mlp, "width")
            case "cnn":
                let ch = (c["channels"] as? [Int]) ?? []
                beyond = fromFiles || Double(ch.count) > range(cnn, "layers") || Double(ch.max() ?? 0) > range(cnn, "channels")
            case "quadratic":
                beyond = Double((c["dimension"] as? Int) ?? 0) > range(quadratic, "dimension")
                    || ((c["condition"] as? Double) ?? 0) > range(quadratic, "condition")
                    || ((c["noise"] as? Double) ?? 0) > range(quadratic, "noise")
            default:
                beyond = false
            }
            XCTAssertTrue(beyond, "\(id) lies inside the zoo's family ranges")
            let config = try TaskSpec.decode(JSONSerialization.data(withJSONObject: c), file: id)
            XCTAssertFalse(listed.contains(config), "\(id) is in a zoo list")
        }
        let out = temporaryDirectory()
        let r = try metatrain(["compare", "--tasks", "TaskZoo/beyond/tasks.json", "--optimizers", "sgd", "--steps", "2",
                               "--seeds", "1", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        let printed = r.out + r.err
        XCTAssertTrue(printed.contains("10 tasks") && printed.contains("beyond/digits-cnn-deep"), printed)
        XCTAssertTrue(printed.contains("0/10"), printed)
    }

    func testBadInputGivesAClearErrorAndNonZeroExit() throws {
        let dir = temporaryDirectory()
        let spec = dir.appendingPathComponent("bad.json")
        try #"{"family": "mlp", "hidden": [16], "batchsize": 8, "dataset": {"kind": "blobs"}}"#.write(to: spec, atomically: true, encoding: .utf8)
        var r = try metatrain(["zoo", "validate", spec.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.json") && r.err.contains("batchsize") && r.err.contains("unknown key"), r.err)
        r = try metatrain(["zoo", "validate", dir.appendingPathComponent("missing.json").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("missing.json"), r.err)
        r = try metatrain(["zoo", "show", "train/mlp-9999"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("train/mlp-9999"), r.err)
        r = try metatrain(["zoo", "sample", "--family", "rnn"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("rnn"), r.err)
        r = try metatrain(["bench", "--only", "nope_ms"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("nope_ms") && r.err.contains("mlp_step_ms"), r.err)
    }

    func testHelpListsTheCommands() throws {
        let r = try metatrain(["--help"])
        XCTAssertEqual(r.status, 0)
        for c in ["zoo", "bench"] { XCTAssertTrue(r.out.contains(c), r.out) }
        let z = try metatrain(["zoo", "--help"])
        for c in ["list", "show", "sample", "validate"] { XCTAssertTrue(z.out.contains(c), z.out) }
    }
}
