// Task specs as people write them: defaults, round trips, and errors that name the key.

import Foundation
import XCTest
import MetaCore
@testable import MetaTasks

final class SpecTests: XCTestCase {
    func decode(_ json: String) throws -> TaskConfig {
        try TaskSpec.decode(Data(json.utf8), file: "spec.json")
    }

    func assertSpecError(_ json: String, location: String, contains phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try decode(json)
            XCTFail("expected an error for \(json)", file: file, line: line)
        } catch let e as SpecError {
            XCTAssertEqual(e.location, "spec.json: \(location)", "\(e)", file: file, line: line)
            XCTAssertTrue(e.message.contains(phrase), "message '\(e.message)' lacks '\(phrase)'", file: file, line: line)
        } catch {
            XCTFail("not a SpecError: \(error)", file: file, line: line)
        }
    }

    func testMinimalSpecsTakeDefaults() throws {
        let c = try decode(#"{"family": "mlp", "dataset": {"kind": "spirals"}}"#)
        guard case .mlp(let m) = c, case .spirals(let s) = m.dataset else { return XCTFail("\(c)") }
        XCTAssertEqual(m.hidden, [32])
        XCTAssertEqual(m.activation, .relu)
        XCTAssertEqual(m.batchSize, 64)
        XCTAssertEqual(s.classes, 3)
        let q = try decode(#"{"family": "quadratic", "dimension": 100, "spectrum": "linear"}"#)
        XCTAssertEqual(q, .quadratic(QuadraticConfig(dimension: 100, spectrum: .linear)))
        let f = try decode(#"{"family": "function2d", "function": "styblinski_tang"}"#)
        XCTAssertEqual(f, .function2d(Function2DConfig(function: .styblinskiTang)))
    }

    func testErrorsNameTheKey() {
        assertSpecError(#"{"family": "mlp", "hiden": [3], "dataset": {"kind": "blobs"}}"#, location: "hiden", contains: "unknown key")
        assertSpecError(#"{"family": "mlp", "dataset": {"kind": "idx", "images": "a", "labels": "b", "imagez": 1}}"#,
                        location: "dataset.imagez", contains: "valid keys: images, labels")
        assertSpecError(#"{"family": "mlp", "batchSize": 0, "dataset": {"kind": "blobs"}}"#, location: "batchSize", contains: "out of range")
        assertSpecError(#"{"family": "mlp", "hidden": [8, 8, 0], "dataset": {"kind": "blobs"}}"#, location: "hidden[2]", contains: "out of range")
        assertSpecError(#"{"family": "mlp", "batchSize": "big", "dataset": {"kind": "blobs"}}"#, location: "batchSize", contains: "expected")
        assertSpecError(#"{"family": "mlp", "activation": "swish", "dataset": {"kind": "blobs"}}"#, location: "activation", contains: "relu, tanh")
        assertSpecError(#"{"family": "mlp"}"#, location: "dataset", contains: "missing")
        assertSpecError(#"{"hidden": [3]}"#, location: "family", contains: "missing")
        assertSpecError(#"{"family": "rnn"}"#, location: "family", contains: "unknown family")
        assertSpecError(#"{"family": "cnn", "dataset": {"kind": "spirals"}}"#, location: "dataset", contains: "image dataset")
        assertSpecError(#"{"family": "cnn", "channels": [4, 8], "strides": [2], "dataset": {"kind": "glyphs"}}"#, location: "strides", contains: "one stride per")
        assertSpecError(#"{"family": "quadratic", "condition": 0.5}"#, location: "condition", contains: "out of range")
        assertSpecError(#"{"family": "function2d"}"#, location: "function", contains: "rosenbrock")
        assertSpecError(#"{"family": "mlp", "dataset": {"kind": "idx", "images": "a"}}"#, location: "dataset.labels", contains: "missing")
        assertSpecError(#"{"family": "mlp", "dataset": {"kind": "idx", "images": "a", "labels": "b", "testImages": "c"}}"#,
                        location: "dataset.testLabels", contains: "go together")
        assertSpecError(#"{"family": "mlp", "dataset": {"kind": "mnist"}}"#, location: "dataset.kind", contains: "unknown dataset kind")
    }

    func testMalformedJSONIsAnError() {
        XCTAssertThrowsError(try decode(#"{"family": "mlp", "#)) { e in
            XCTAssertTrue("\(e)".contains("spec.json"), "\(e)")
        }
        // A syntax error names the line and column.
        XCTAssertThrowsError(try decode("{\n  \"family\": \"mlp\",\n  \"hidden\": [32 32]\n}")) { e in
            XCTAssertEqual((e as? SpecError)?.location, "spec.json:3:17", "\(e)")
        }
    }

    func testRelativeDatasetPathsResolveAgainstTheSpecFile() throws {
        let c = try TaskSpec.decode(
            Data(#"{"family": "mlp", "dataset": {"kind": "idx", "images": "data/img.gz", "labels": "/abs/lab"}}"#.utf8),
            file: "x", baseDirectory: URL(fileURLWithPath: "/tmp/specs"))
        guard case .idx(let d)? = c.dataset else { return XCTFail() }
        XCTAssertEqual(d.images, "/tmp/specs/data/img.gz")
        XCTAssertEqual(d.labels, "/abs/lab")
    }

    func testEverySampledConfigRoundTripsThroughJSON() throws {
        for family in TaskFamilyName.allCases {
            for i in 0..<30 {
                let c = ZooFamilies.standard.sample(family, key: RandomKey(seed: 7).fold(UInt64(i)))
                XCTAssertEqual(c.family, family)
                let back = try decode(TaskSpec.json(c))
                XCTAssertEqual(back, c)
            }
        }
    }

    func testSamplingIsDeterministicAndVaried() {
        for family in TaskFamilyName.allCases {
            let a = (0..<20).map { ZooFamilies.standard.sample(family, key: RandomKey(seed: 1).fold(UInt64($0))) }
            let b = (0..<20).map { ZooFamilies.standard.sample(family, key: RandomKey(seed: 1).fold(UInt64($0))) }
            XCTAssertEqual(a, b)
            XCTAssertGreaterThan(Set(a).count, 15, "\(family) samples repeat")
        }
    }

    func testSampledTasksRespectTheCostBudget() {
        for i in 0..<200 {
            let key = RandomKey(seed: 3).fold(UInt64(i))
            XCTAssertLessThanOrEqual(ZooFamilies.standard.mlp.sample(key: key).estimatedStepMFLOP, MLPFamily.standard.maxStepMFLOP)
            XCTAssertLessThanOrEqual(ZooFamilies.standard.cnn.sample(key: key).estimatedStepMFLOP, CNNFamily.standard.maxStepMFLOP)
        }
    }

    func testSampledRangesFollowTheFamilySpecs() {
        var activations = Set<Activation>()
        var spectra = Set<Spectrum>()
        var functions = Set<TestFunction2D>()
        for i in 0..<300 {
            let key = RandomKey(seed: 11).fold(UInt64(i))
            if case .mlp(let m) = MLPFamily.standard.sample(key: key) {
                XCTAssertTrue((1...4).contains(m.hidden.count))
                XCTAssertTrue(m.hidden.allSatisfy { (8...128).contains($0) })
                XCTAssertTrue((8...256).contains(m.batchSize))
                activations.insert(m.activation)
            } else { XCTFail() }
            if case .cnn(let c) = CNNFamily.standard.sample(key: key) {
                XCTAssertTrue((1...3).contains(c.channels.count))
                XCTAssertTrue(c.channels.allSatisfy { (4...32).contains($0) })
                XCTAssertTrue(c.dataset.isImageDataset)
                let size = c.dataset.expectedFeatureShape[0]
                XCTAssertTrue((8...28).contains(size))
            } else { XCTFail() }
            if case .quadratic(let q) = QuadraticFamily.standard.sample(key: key) {
                XCTAssertTrue((2...1000).contains(q.dimension))
                XCTAssertTrue((1...1e4).contains(q.condition))
                XCTAssertTrue((1e-3...1e3).contains(q.scale))
                spectra.insert(q.spectrum)
            } else { XCTFail() }
            if case .function2d(let f) = Function2DFamily.standard.sample(key: key) { functions.insert(f.function) } else { XCTFail() }
        }
        XCTAssertEqual(activations, Set(Activation.allCases))
        XCTAssertEqual(spectra, Set(Spectrum.allCases))
        XCTAssertEqual(functions, Set(TestFunction2D.allCases))
    }

    func testBadFamilySpecsNameTheRange() {
        var f = MLPFamily.standard
        f.width = SamplingRange(64, 8)
        XCTAssertThrowsError(try f.validate()) { XCTAssertEqual(($0 as? SpecError)?.location, "width") }
        f = MLPFamily.standard
        f.activations = WeightedChoice(["relu": 1, "swish": 1])
        XCTAssertThrowsError(try f.validate()) { XCTAssertEqual(($0 as? SpecError)?.location, "activations.swish") }
        var q = QuadraticFamily.standard
        q.condition = SamplingRange(0, 10, .log)
        XCTAssertThrowsError(try q.validate())
    }
}
