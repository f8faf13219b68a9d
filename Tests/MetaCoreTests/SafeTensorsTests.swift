// safetensors: bit-exact round trips, byte layout checked by hand, every kind of corruption rejected
// with a SpecError naming the file, atomic writes, and interoperability with Python's reference.

import Foundation
import XCTest
import MetaCore
import TestSupport

final class SafeTensorsTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-test-\(UInt32.random(in: 0...UInt32.max))")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Awkward floats: NaN with payloads (quiet and signalling), signed zeros, subnormals, extremes.
    static let oddFloats: [Float] = [
        Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFFC1_2345), Float(bitPattern: 0x7F80_0001), -0.0, 0.0,
        Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude / 3, .infinity, -.infinity, .greatestFiniteMagnitude, 1, -2.5,
    ]

    func sample() -> SafeTensorsFile {
        SafeTensorsFile(
            tensors: [
                "b/odd": SafeTensor(floats: Self.oddFloats, shape: [3, 4]),
                "a/scalar": SafeTensor(floats: [3.25], shape: []),
                "blob": SafeTensor(bytes: Data("{\"k\": [1, 2, \"é\"]}".utf8)),
                "empty": SafeTensor(floats: [], shape: [0, 5]),
                "odd-length-blob": SafeTensor(bytes: Data([1, 2, 3])),
            ],
            metadata: ["format": "test", "quote\"key": "line\nbreak \\ ünïcode", "json": "{\"a\": [1]}"])
    }

    func testRoundTripIsBitExact() throws {
        let f = sample()
        try f.write(to: path("a.safetensors"))
        let g = try SafeTensorsFile.read(from: path("a.safetensors"))
        XCTAssertEqual(g.metadata, f.metadata)
        XCTAssertEqual(Set(g.tensors.keys), Set(f.tensors.keys))
        for (name, t) in f.tensors { XCTAssertEqual(g.tensors[name], t, name) }  // compares raw bytes
        XCTAssertEqual(g.tensors["b/odd"]!.floats.map(\.bitPattern), Self.oddFloats.map(\.bitPattern))
        XCTAssertEqual(g.tensors["a/scalar"]!.shape, [])
        // Deterministic: the same contents give the same bytes.
        XCTAssertEqual(try f.encoded(), try SafeTensorsFile(tensors: f.tensors, metadata: f.metadata).encoded())
    }

    func testByteLayoutMatchesTheSpecification() throws {
        let f = SafeTensorsFile(tensors: ["x": SafeTensor(floats: [1, -2], shape: [2]), "a": SafeTensor(bytes: Data([7]))], metadata: ["k": "v"])
        let data = try f.encoded()
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        XCTAssertEqual((8 + Int(n)) % 8, 0, "header padded to a multiple of 8")
        let header = String(decoding: data[8..<(8 + Int(n))], as: UTF8.self)
        XCTAssertEqual(
            header.trimmingCharacters(in: .whitespaces),
            #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},"__metadata__":{"k":"v"}}"#)
        XCTAssertEqual([UInt8](data[(8 + Int(n))...]), [7, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
    }

    func testWriterRejectsInconsistentTensors() {
        var t = SafeTensor(floats: [1, 2, 3], shape: [3])
        t.shape = [2, 2]
        assertSpecError(try SafeTensorsFile(tensors: ["t": t], metadata: [:]).write(to: path("x")), contains: "do not match shape")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x")))
    }

    // MARK: corruption

    /// Writes `bytes` and expects reading to fail with a SpecError naming the file and saying `why`.
    func assertRejected(_ bytes: [UInt8], _ why: String, file: StaticString = #filePath, line: UInt = #line) {
        let p = path("bad-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        try! Data(bytes).write(to: URL(fileURLWithPath: p))
        do {
            _ = try SafeTensorsFile.read(from: p)
            XCTFail("accepted a corrupt file (expected: \(why))", file: file, line: line)
        } catch let e as SpecError {
            XCTAssertEqual(e.location, p, file: file, line: line)
            XCTAssertTrue(e.message.contains(why), "'\(e.message)' does not mention '\(why)'", file: file, line: line)
        } catch {
            XCTFail("not a SpecError: \(error)", file: file, line: line)
        }
    }

    /// A file with this header text and `dataBytes` zero bytes of data.
    func file(header: String, dataBytes: Int = 0) -> [UInt8] {
        var h = Array(header.utf8)
        while (h.count + 8) % 8 != 0 { h.append(0x20) }
        return withUnsafeBytes(of: UInt64(h.count).littleEndian, Array.init) + h + [UInt8](repeating: 0, count: dataBytes)
    }

    func testTruncationAtEveryLengthIsRejected() throws {
        let good = [UInt8](try sample().encoded())
        XCTAssertNoThrow(try SafeTensorsFile.decode(Data(good)))
        let n = Int(good[0]) | Int(good[1]) << 8
        for length in Set([0, 1, 7, 8, 9, 20, 8 + n - 1, 8 + n, 8 + n + 1, good.count - 4, good.count - 1]) {
            XCTAssertThrowsError(try SafeTensorsFile.decode(Data(good.prefix(length))), "truncated to \(length)") { e in
                XCTAssertTrue(e is SpecError, "\(e)")
            }
        }
        assertRejected(Array(good.prefix(5)), "file too short")
        assertRejected(Array(good.prefix(8 + n - 3)), "runs past the end of the file")
        assertRejected(Array(good.prefix(good.count - 1)), "beyond the")
    }

    func testEveryHeaderByteFlipIsRejectedOrHarmless() throws {
        // Flipping any header byte either still gives a valid file or a SpecError — never a trap.
        let good = [UInt8](try sample().encoded())
        let n = Int(good[0]) | Int(good[1]) << 8
        for i in 0..<(8 + n) {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var bad = good
                bad[i] ^= mask
                do { _ = try SafeTensorsFile.decode(Data(bad)) } catch { XCTAssertTrue(error is SpecError, "byte \(i): \(error)") }
            }
        }
    }

    func testMalformedHeadersAreRejected() {
        assertRejected(withUnsafeBytes(of: UInt64.max.littleEndian, Array.init) + [0x7B, 0x7D], "runs past the end")
        assertRejected(file(header: "{\"a\": "), "not JSON")
        assertRejected(file(header: "[1, 2, 3]"), "does not start with '{'")
        assertRejected(file(header: "{\"a\": 1}"), "tensor 'a' is not an object")
        assertRejected(file(header: #"{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, dataBytes: 2), "dtype 'F16'")
        assertRejected(file(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4), "no dtype")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataBytes: 4), "hold 4 bytes")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, dataBytes: 4), "non-negative integer")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, dataBytes: 4), "non-negative integer")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#, dataBytes: 4), "not an integer")
        assertRejected(
            file(header: #"{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, dataBytes: 4),
            "overflows")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, dataBytes: 4), "data_offsets pair")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, dataBytes: 4), "begin after end")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 4), "beyond the 4 data bytes")
        assertRejected(
            file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#, dataBytes: 4),
            "overlaps")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8), "belong to no tensor")
        assertRejected(file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 7), "3 bytes of trailing garbage")
        assertRejected(file(header: #"{"__metadata__":{"k":1}}"#), "value of 'k' is not a string")
        assertRejected(file(header: #"{"__metadata__":["k"]}"#), "__metadata__ is not an object")
        assertRejected(file(header: "{\"a\":\"\u{1}\"}"), "not JSON")
        assertRejected([0xFF, 0, 0, 0, 0, 0, 0, 0] + [0x7B] + [UInt8](repeating: 0xFE, count: 254), "not valid UTF-8")
        // A valid empty file is fine.
        XCTAssertNoThrow(try SafeTensorsFile.decode(Data(file(header: "{}"))))
    }

    func testMissingFileAndDirectoryAreSpecErrors() {
        assertSpecError(try SafeTensorsFile.read(from: path("none.safetensors")), contains: "no such file")
        assertSpecError(try SafeTensorsFile.read(from: dir.path), contains: "directory")
        // A device (lo:/dev/zero) is named as one, not as "permission denied".
        assertSpecError(try SafeTensorsFile.read(from: "/dev/zero"), contains: "/dev/zero: cannot read: not a regular file (a character device)")
    }

    // MARK: atomic writes

    func testFailedWriteLeavesNoTemporaryFileAndKeepsTheOldOne() throws {
        let target = path("keep.safetensors")
        try sample().write(to: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        // A path whose parent is a regular file cannot be written, even by root.
        let blocker = path("blocker")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        assertSpecError(try sample().write(to: blocker + "/x.safetensors"), contains: "cannot")
        // Renaming onto a directory fails after the temporary file was written: it must be removed.
        let asDirectory = path("is-a-dir.safetensors")
        try FileManager.default.createDirectory(atPath: asDirectory + "/child", withIntermediateDirectories: true)
        assertSpecError(try sample().write(to: asDirectory), contains: "renaming")
        // Overwriting works and replaces the contents.
        let other = SafeTensorsFile(tensors: ["z": SafeTensor(floats: [9], shape: [1])], metadata: [:])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
        try other.write(to: target)
        XCTAssertEqual(try SafeTensorsFile.read(from: target).tensors, other.tensors)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
        // Missing parent directories are created.
        try other.write(to: path("new/sub/x.safetensors"))
        XCTAssertEqual(try SafeTensorsFile.read(from: path("new/sub/x.safetensors")).tensors, other.tensors)
    }

    // MARK: Python's reference implementation

    func testPythonReadsOurFilesAndWeReadTheirs() throws {
        try requirePythonSafetensors()
        let f = SafeTensorsFile(
            tensors: [
                "w": SafeTensor(floats: Self.oddFloats, shape: [2, 6]),
                "s": SafeTensor(floats: [0.5], shape: []),
                "blob": SafeTensor(bytes: Data([0, 255, 7])),
            ],
            metadata: ["k": "v", "ü": "a\nb"])
        let ours = path("ours.safetensors")
        try f.write(to: ours)
        let theirs = path("theirs.safetensors")
        let script = """
            import json, sys, numpy as np
            from safetensors.numpy import load_file, save_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as h:
                meta = h.metadata()
            print(json.dumps({
                "w": [int(x) for x in t["w"].view(np.uint32).ravel()], "w_shape": list(t["w"].shape),
                "s": float(t["s"]), "s_shape": list(t["s"].shape), "blob": t["blob"].tolist(), "dtype": str(t["blob"].dtype),
                "meta": meta}))
            save_file({"m": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5, "u": np.array([3, 1, 4], dtype=np.uint8),
                       "z": np.array(-0.0, dtype=np.float32)}, sys.argv[2], metadata={"from": "python"})
            """
        let out = try runPython(script, [ours, theirs])
        let j = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual((j["w"] as! [NSNumber]).map(\.uint32Value), Self.oddFloats.map(\.bitPattern))
        XCTAssertEqual((j["w_shape"] as! [NSNumber]).map(\.intValue), [2, 6])
        XCTAssertEqual((j["s"] as! NSNumber).doubleValue, 0.5)
        XCTAssertEqual((j["s_shape"] as! [Any]).count, 0)
        XCTAssertEqual((j["blob"] as! [NSNumber]).map(\.intValue), [0, 255, 7])
        XCTAssertEqual(j["dtype"] as? String, "uint8")
        XCTAssertEqual(j["meta"] as? [String: String], f.metadata)

        let g = try SafeTensorsFile.read(from: theirs)
        XCTAssertEqual(g.metadata, ["from": "python"])
        XCTAssertEqual(g.tensors["m"]?.shape, [2, 3])
        XCTAssertEqual(g.tensors["m"]?.floats, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
        XCTAssertEqual(g.tensors["u"], SafeTensor(bytes: Data([3, 1, 4])))
        XCTAssertEqual(g.tensors["z"]?.shape, [])
        XCTAssertEqual(g.tensors["z"]?.floats.map(\.bitPattern), [(-0.0 as Float).bitPattern])
    }
}

/// Skips unless `python3` can import safetensors and numpy.
func requirePythonSafetensors() throws {
    guard (try? runPython("import safetensors, numpy", [])) != nil else {
        throw XCTSkip("python3 with safetensors and numpy is not available (python3 -m pip install safetensors numpy)")
    }
}
