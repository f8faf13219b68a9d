// `zoo validate` on hand-written specs, including ones that read IDX files, and on bad data files.

import Foundation
import XCTest
import MetaCore
import MetaTasks

final class ValidateCommandTests: XCTestCase {
    struct Report: Decodable {
        struct Eval: Decodable { var loss: Float; var accuracy: Float? }
        struct SGD: Decodable { var initialTrain: Eval; var finalTrain: Eval; var finalValidation: Eval; var learningRate: Float }
        var parameters: Int
        var sgd: SGD
    }

    /// 10 classes of 8×8 images: class c lights a 2×2 block at one of 10 positions, plus noise.
    func writeIDX(_ dir: URL, count: Int, seed: UInt64, prefix: String, gzip: Bool) throws {
        var rng = RandomKey(seed: seed).generator()
        var images = [UInt8](repeating: 0, count: count * 64), labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let c = rng.int(below: 10)
            labels[i] = UInt8(c)
            let (r0, c0) = ((c / 5) * 4 + 1, (c % 5) + (c / 5))
            for p in 0..<64 { images[i * 64 + p] = UInt8(rng.int(below: 60)) }
            for dr in 0..<2 { for dc in 0..<2 { images[i * 64 + (r0 + dr) * 8 + min(7, c0 + dc)] = 255 } }
        }
        try IDXWriter.write(
            images: images, count: count, height: 8, width: 8, labels: labels,
            imagesPath: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte\(gzip ? ".gz" : "")").path,
            labelsPath: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte\(gzip ? ".gz" : "")").path, gzip: gzip)
    }

    func testHandWrittenIDXSpecsTrain() throws {
        let dir = temporaryDirectory()
        try writeIDX(dir, count: 600, seed: 1, prefix: "train", gzip: true)
        try writeIDX(dir, count: 200, seed: 2, prefix: "t10k", gzip: false)
        let mlp = dir.appendingPathComponent("mlp.json")
        try """
        {"family": "mlp", "hidden": [32], "batchSize": 32,
         "dataset": {"kind": "idx", "images": "train-images-idx3-ubyte.gz", "labels": "train-labels-idx1-ubyte.gz",
                     "testImages": "t10k-images-idx3-ubyte", "testLabels": "t10k-labels-idx1-ubyte"}}
        """.write(to: mlp, atomically: true, encoding: .utf8)
        let cnn = dir.appendingPathComponent("cnn.json")
        try """
        {"family": "cnn", "channels": [8, 16], "strides": [1, 2], "batchSize": 32,
         "dataset": {"kind": "idx", "images": "train-images-idx3-ubyte.gz", "labels": "train-labels-idx1-ubyte.gz"}}
        """.write(to: cnn, atomically: true, encoding: .utf8)
        for spec in [mlp, cnn] {
            // Run from another directory: relative data paths resolve against the spec's folder.
            let r = try metatrain(["zoo", "validate", spec.path, "--json"], cwd: "/")
            XCTAssertEqual(r.status, 0, r.err)
            let report = try JSONDecoder().decode(Report.self, from: Data(r.out.utf8))
            XCTAssertGreaterThan(report.parameters, 100)
            XCTAssertLessThan(report.sgd.finalTrain.loss, 0.5 * report.sgd.initialTrain.loss, "\(spec.lastPathComponent): \(r.out)")
            XCTAssertGreaterThan(report.sgd.finalValidation.accuracy ?? 0, 0.5, r.out)
        }
    }

    func testZooTasksOfEveryFamilyValidate() throws {
        for id in ["heldout/mlp-001", "heldout/cnn-001", "heldout/quadratic-001", "heldout/function2d-001"] {
            let r = try metatrain(["zoo", "validate", id, "--json", "--steps", "50"])
            XCTAssertEqual(r.status, 0, "\(id): \(r.err)")
            let report = try JSONDecoder().decode(Report.self, from: Data(r.out.utf8))
            XCTAssertLessThan(report.sgd.finalTrain.loss, report.sgd.initialTrain.loss, "\(id): \(r.out)")
        }
    }

    func testBadDataFilesAreNamedInTheError() throws {
        let dir = temporaryDirectory()
        try writeIDX(dir, count: 50, seed: 1, prefix: "train", gzip: false)
        // Corrupt the magic number of the images file.
        let images = dir.appendingPathComponent("train-images-idx3-ubyte")
        var bytes = try Data(contentsOf: images)
        bytes[3] = 0x07
        try bytes.write(to: images)
        let spec = dir.appendingPathComponent("spec.json")
        try """
        {"family": "mlp", "dataset": {"kind": "idx", "images": "train-images-idx3-ubyte", "labels": "train-labels-idx1-ubyte"}}
        """.write(to: spec, atomically: true, encoding: .utf8)
        var r = try metatrain(["zoo", "validate", spec.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("train-images-idx3-ubyte") && r.err.lowercased().contains("magic"), r.err)
        // A missing data file.
        try """
        {"family": "mlp", "dataset": {"kind": "idx", "images": "nope-images", "labels": "train-labels-idx1-ubyte"}}
        """.write(to: spec, atomically: true, encoding: .utf8)
        r = try metatrain(["zoo", "validate", spec.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("nope-images"), r.err)
    }
}
