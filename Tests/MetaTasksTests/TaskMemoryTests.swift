// Memory estimates are checked before a task allocates: specs inside the documented ranges that need more
// than the machine has are errors saying how much and why; the zoo's tasks fit easily.

import Foundation
import XCTest
@testable import MetaTasks

final class TaskMemoryTests: XCTestCase {
    func config(_ json: String) throws -> TaskConfig { try TaskSpec.decode(Data(json.utf8), file: "t.json") }

    func testHugeSpecsAreRefusedBeforeAllocating() throws {
        let cnn = try config(#"{"family": "cnn", "channels": [512, 512, 512, 512, 512, 512], "strides": [1, 1, 1, 1, 1, 1], "batchSize": 65536, "dataset": {"kind": "glyphs", "size": 28}}"#)
        XCTAssertGreaterThan(cnn.estimatedMemory.network, 1e12)
        XCTAssertThrowsError(try cnn.makeTask()) { e in
            XCTAssertTrue("\(e)".contains("needs about") && "\(e)".contains("TB"), "\(e)")
        }
        let blobs = try config(#"{"family": "mlp", "hidden": [8], "dataset": {"kind": "blobs", "dimension": 4096, "samples": 10000000}}"#)
        XCTAssertEqual(blobs.estimatedMemory.dataset, Double(10_000_000 + 2 * 512) * 4097 * 4, accuracy: 1)
        XCTAssertThrowsError(try blobs.checkMemory(budget: (16e9, "a 16 GB test budget"))) { e in
            XCTAssertTrue("\(e)".contains("dataset 164 GB") && "\(e)".contains("a 16 GB test budget"), "\(e)")
        }
    }

    func testEveryZooTaskFitsInAGigabyte() throws {
        let zoo = try TaskZoo.locate(nil)
        for list in ["train", "valid", "heldout"] {
            for entry in try zoo.list(list).tasks {
                let e = entry.config.resolvingPaths(relativeTo: zoo.directory).estimatedMemory
                XCTAssertLessThan(e.total, 1e9, entry.id)
                XCTAssertNoThrow(try entry.config.checkMemory(budget: (2e9, "2 GB")), entry.id)
            }
        }
    }

    /// A gzip file's uncompressed size is read from its trailer, not by decompressing it.
    func testGzipIDXSizeComesFromTheTrailer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mem-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = Data(count: 1_000_000)
        try raw.write(to: dir.appendingPathComponent("images"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-k", dir.appendingPathComponent("images").path]
        try p.run()
        p.waitUntilExit()
        let idx = DatasetConfig.idx(IDXConfig(images: dir.appendingPathComponent("images.gz").path, labels: dir.appendingPathComponent("none").path))
        XCTAssertEqual(idx.estimatedBytes(), 4_000_000, accuracy: 1)
    }
}

final class NumberFitTests: XCTestCase {
    /// A fraction for a whole-number key names the key (Foundation alone says only "not valid JSON").
    func testAFractionForAnIntegerKeyNamesTheKey() {
        for (json, key) in [(#"{"family": "quadratic", "dimension": 1.5}"#, "dimension"),
                            (#"{"family": "mlp", "hidden": [1.5], "dataset": {"kind": "blobs"}}"#, "hidden"),
                            (#"{"family": "mlp", "dataset": {"kind": "blobs", "samples": 2.5}}"#, "dataset.samples")] {
            XCTAssertThrowsError(try TaskSpec.decode(Data(json.utf8), file: "t.json")) { e in
                XCTAssertTrue("\(e)".hasPrefix("t.json: \(key): a number here does not fit"), "\(e)")
            }
        }
    }
}
