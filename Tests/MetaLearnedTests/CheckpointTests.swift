// Learned-optimizer checkpoints: round trip, θ applied, every way a file can be wrong rejected with
// a SpecError naming it, and Python's safetensors reading what we write.

import Foundation
import XCTest
import MetaCore
import TestSupport
import MetaLearned
import MetaOptimizers

/// A tiny learned optimizer for tests: SGD with θ = [log lr] plus `width` unused numbers (so two
/// "widths" give different meta-layouts). Its architecture is `.learnableAdam` (metadata only).
struct LearnableSGD: LearnedOptimizer {
    var width = 2
    var architecture: LearnedOptimizerArchitecture { .learnableAdam }
    var metaLayout: ParameterLayout { ParameterLayout([("log_lr", []), ("unused", [width])]) }
    func initialMetaParameters(key: RandomKey) -> [Float] { [log(0.1)] + [Float](repeating: 0, count: width) }
    func optimizer(metaParameters: [Float]) -> any Optimizer { Scale(-exp(metaParameters[0])) }

    static func builder(width: Int = 2) -> LearnedOptimizerCheckpoint.Builder { { _ in LearnableSGD(width: width) } }
}

final class CheckpointTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-test-\(UInt32.random(in: 0...UInt32.max))")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    struct OuterState: Codable, Equatable {
        var step: Int
        var m: [Float]
    }

    func sample() throws -> LearnedOptimizerCheckpoint {
        var c = LearnedOptimizerCheckpoint(
            learnedOptimizer: LearnableSGD(), metaParameters: [log(0.05), -0.0, Float.leastNonzeroMagnitude],
            config: #"{"estimator":"pes","sigma":0.01}"#, outerStep: 1234,
            created: Date(timeIntervalSince1970: 1_790_000_000.125), metadata: ["note": "test"])
        try c.setBlob("state/outer", OuterState(step: 7, m: [1, .nan, 3]))
        c.blobs["state/trainer"] = Data("opaque".utf8)
        return c
    }

    func load(_ p: String, width: Int = 2) throws -> LearnedOptimizerCheckpoint {
        try LearnedOptimizerCheckpoint.load(from: p, build: LearnableSGD.builder(width: width))
    }

    func testRoundTrip() throws {
        let c = try sample()
        try c.write(to: path("a.safetensors"))
        let d = try load(path("a.safetensors"))
        XCTAssertEqual(d.architecture, .learnableAdam)
        XCTAssertEqual(d.metaLayout, c.metaLayout)
        XCTAssertEqual(d.metaParameters.map(\.bitPattern), c.metaParameters.map(\.bitPattern))
        XCTAssertEqual(d.config, c.config)
        XCTAssertEqual(d.outerStep, 1234)
        XCTAssertEqual(d.featureSpecVersion, featureSpecVersion)
        XCTAssertEqual(try XCTUnwrap(d.created).timeIntervalSince1970, try XCTUnwrap(c.created).timeIntervalSince1970, accuracy: 1e-3)
        XCTAssertEqual(d.metadata, ["note": "test"])
        XCTAssertEqual(d.blobs, c.blobs)
        let outer = try d.blob("state/outer", as: OuterState.self)
        XCTAssertEqual(outer?.step, 7)
        XCTAssertEqual(outer?.m[0], 1)
        XCTAssertTrue(outer?.m[1].isNaN == true)
        XCTAssertNil(try d.blob("state/none", as: OuterState.self))

        // The file itself: θ tensors named from the layout, metadata as documented.
        let f = try SafeTensorsFile.read(from: path("a.safetensors"))
        XCTAssertEqual(Set(f.tensors.keys), ["theta/log_lr", "theta/unused", "state/outer", "state/trainer"])
        XCTAssertEqual(f.tensors["theta/log_lr"]?.shape, [])
        XCTAssertEqual(f.metadata["format"], "metatrain-lo")
        XCTAssertEqual(f.metadata["format_version"], "1")
        XCTAssertEqual(f.metadata["outer_step"], "1234")
        XCTAssertEqual(f.metadata["created"], "2026-09-21T14:13:20.125Z")
        XCTAssertEqual(try JSONDecoder().decode(ParameterLayout.self, from: Data(f.metadata["meta_layout"]!.utf8)), c.metaLayout)
        XCTAssertEqual(
            try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: Data(f.metadata["architecture"]!.utf8)), .learnableAdam)
    }

    func testOptimizerAppliesTheta() throws {
        try sample().write(to: path("a.safetensors"))
        let opt = try load(path("a.safetensors")).optimizer(build: LearnableSGD.builder())
        func step<O: Optimizer>(_ o: O) -> [Float] {
            let layout = ParameterLayout([("p", [2])])
            var p: [Float] = [1, 2], g: [Float] = [10, -20]
            var s = o.initialState(parameters: p, layout: layout)
            o.step(&p, gradient: &g, state: &s, context: StepContext(step: 0, layout: layout))
            return p
        }
        let p = step(opt)
        XCTAssertEqual(p[0], 1 - 0.05 * 10, accuracy: 1e-5)
        XCTAssertEqual(p[1], 2 + 0.05 * 20, accuracy: 1e-5)
        XCTAssertTrue(p.allSatisfy(\.isFinite))
    }

    func testReservedNamesAreRefused() throws {
        var c = try sample()
        c.metadata["format"] = "mine"
        assertSpecError(try c.write(to: path("x")), contains: "reserved")
        c = try sample()
        c.blobs["theta/x"] = Data()
        assertSpecError(try c.write(to: path("x")), contains: "reserved")
    }

    // MARK: corruption

    /// Writes the sample with `edit` applied to its safetensors contents and expects loading to fail.
    func assertRejected(
        _ why: String, width: Int = 2, file: StaticString = #filePath, line: UInt = #line, _ edit: (inout SafeTensorsFile) -> Void
    ) throws {
        let p = path("bad-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        var f = try sample().safeTensorsFile()
        edit(&f)
        try f.write(to: p)
        assertLoadFails(p, why, width: width, file: file, line: line)
    }

    func assertLoadFails(_ p: String, _ why: String, width: Int = 2, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try load(p, width: width)
            XCTFail("accepted a bad checkpoint (expected: \(why))", file: file, line: line)
        } catch let e as SpecError {
            XCTAssertEqual(e.location, p, file: file, line: line)
            XCTAssertTrue(e.message.contains(why), "'\(e.message)' does not mention '\(why)'", file: file, line: line)
        } catch {
            XCTFail("not a SpecError: \(error)", file: file, line: line)
        }
    }

    func testNotSafetensorsAndTruncatedFilesAreRejected() throws {
        let text = path("text.safetensors")
        try Data("hello, this is not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: text))
        assertLoadFails(text, "not a valid safetensors file")
        try sample().write(to: path("good.safetensors"))
        let good = try Data(contentsOf: URL(fileURLWithPath: path("good.safetensors")))
        for length in [0, 4, 8, 100, good.count / 2, good.count - 1] {
            let p = path("cut-\(length).safetensors")
            try good.prefix(length).write(to: URL(fileURLWithPath: p))
            assertLoadFails(p, "not a valid safetensors file")
        }
        assertLoadFails(path("missing.safetensors"), "no such file")
    }

    func testMetadataProblemsAreRejected() throws {
        try assertRejected("has no 'format'") { $0.metadata["format"] = nil }
        try assertRejected("format is 'other'") { $0.metadata["format"] = "other" }
        try assertRejected("written by a newer metatrain: format 2, this build reads ≤ 1") { $0.metadata["format_version"] = "2" }
        try assertRejected("format_version is missing") { $0.metadata["format_version"] = "one" }
        try assertRejected("not an architecture this build knows") { $0.metadata["architecture"] = #"{"lstmFF":{"hidden":64}}"# }
        try assertRejected("not an architecture this build knows") { $0.metadata["architecture"] = "not json" }
        try assertRejected("'architecture' is missing") { $0.metadata["architecture"] = nil }
        try assertRejected("'meta_layout' does not decode") { $0.metadata["meta_layout"] = "[]" }
        try assertRejected("'meta_layout' is inconsistent") {
            $0.metadata["meta_layout"] = #"{"count":3,"tensors":[{"name":"log_lr","shape":[],"offset":1},{"name":"unused","shape":[2],"offset":1}]}"#
        }
        try assertRejected("feature-spec version 99") { $0.metadata["feature_spec_version"] = "99" }
        try assertRejected("'outer_step' is not a non-negative integer") { $0.metadata["outer_step"] = "-3" }
        try assertRejected("'created' is not an ISO 8601 date") { $0.metadata["created"] = "yesterday" }
    }

    func testWrongArchitectureWidthsAreRejected() throws {
        try sample().write(to: path("a.safetensors"))
        assertLoadFails(path("a.safetensors"), "meta-layout does not match architecture", width: 3)
        XCTAssertThrowsError(try load(path("a.safetensors")).learnedOptimizer(build: LearnableSGD.builder(width: 5)))
        let failing: LearnedOptimizerCheckpoint.Builder = { _ in throw SpecError("", "not built in") }
        XCTAssertThrowsError(try LearnedOptimizerCheckpoint.load(from: path("a.safetensors"), build: failing)) { e in
            XCTAssertTrue("\(e)".contains("cannot build architecture"), "\(e)")
        }
    }

    func testThetaProblemsAreRejected() throws {
        try assertRejected("θ tensor 'theta/unused' is missing") { $0.tensors["theta/unused"] = nil }
        try assertRejected("has shape [1, 2], expected [2]") { $0.tensors["theta/unused"]!.shape = [1, 2] }
        try assertRejected("has dtype U8, expected F32") { $0.tensors["theta/unused"] = SafeTensor(bytes: Data(count: 8)) }
        try assertRejected("non-finite value (nan) at element 1") {
            $0.tensors["theta/unused"] = SafeTensor(floats: [0, .nan], shape: [2])
        }
        try assertRejected("non-finite value (inf) at element 0") { $0.tensors["theta/log_lr"] = SafeTensor(floats: [.infinity], shape: []) }
        try assertRejected("'theta/stray' is not in the meta-layout") { $0.tensors["theta/stray"] = SafeTensor(floats: [1], shape: [1]) }
        try assertRejected("neither θ nor a U8 blob") { $0.tensors["state/x"] = SafeTensor(floats: [1], shape: [1]) }
    }

    func testBlobThatDoesNotDecodeIsASpecError() throws {
        let c = try sample()
        assertSpecError(try c.blob("state/trainer", as: OuterState.self, path: "f"), contains: "cannot decode")
    }

    // MARK: Python

    func testPythonReadsCheckpoints() throws {
        guard (try? runPython("import safetensors, numpy", [])) != nil else {
            throw XCTSkip("python3 with safetensors and numpy is not available (python3 -m pip install safetensors numpy)")
        }
        let c = try sample()
        try c.write(to: path("a.safetensors"))
        let out = try runPython(
            """
            import json, sys, numpy as np
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as h:
                meta = h.metadata()
            print(json.dumps({"theta": {k: [int(x) for x in np.atleast_1d(v).view(np.uint32)] for k, v in t.items() if k.startswith("theta/")},
                              "outer": json.loads(bytes(t["state/outer"]).decode()), "meta": meta}))
            """, [path("a.safetensors")])
        let j = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let theta = j["theta"] as! [String: [NSNumber]]
        XCTAssertEqual(theta["theta/log_lr"]?.map(\.uint32Value), [c.metaParameters[0].bitPattern])
        XCTAssertEqual(theta["theta/unused"]?.map(\.uint32Value), c.metaParameters[1...].map(\.bitPattern))
        XCTAssertEqual((j["outer"] as? [String: Any])?["step"] as? Int, 7)
        let meta = j["meta"] as! [String: String]
        XCTAssertEqual(meta, try c.safeTensorsFile().metadata)
        XCTAssertEqual(meta["format"], "metatrain-lo")
        XCTAssertEqual(meta["config"], c.config)
    }
}
