// The safetensors file format (huggingface/safetensors): an 8-byte little-endian header length, a
// JSON header mapping tensor names to {dtype, shape, data_offsets} plus an optional string→string
// "__metadata__", then the raw little-endian tensor bytes. Only F32 and U8 are supported (all that
// checkpoints need); the reader rejects anything the Rust reference would reject and never traps.

import Foundation

/// One tensor of a safetensors file.
public struct SafeTensor: Hashable, Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", u8 = "U8"

        /// Bytes per element.
        public var itemSize: Int {
            switch self {
            case .f32: return 4
            case .u8: return 1
            }
        }
    }

    public var dtype: DType
    public var shape: [Int]
    /// The raw little-endian bytes.
    public var bytes: Data

    public init(floats: [Float], shape: [Int]) {
        dtype = .f32
        self.shape = shape
        var d = Data(capacity: floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        bytes = d
    }

    /// A one-dimensional U8 tensor holding `bytes` (an opaque blob).
    public init(bytes: Data) {
        dtype = .u8
        shape = [bytes.count]
        self.bytes = bytes
    }

    /// Any dtype with its raw bytes (unchecked: `write` and `read` check sizes).
    public init(dtype: DType, shape: [Int], bytes: Data) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements (1 for a scalar, whose shape is `[]`); nil when the product overflows.
    public var elementCount: Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }

    /// The byte count that `shape` and `dtype` call for; nil on overflow or a negative dimension.
    public var expectedByteCount: Int? {
        guard let n = elementCount else { return nil }
        let (b, o) = n.multipliedReportingOverflow(by: dtype.itemSize)
        return o ? nil : b
    }

    /// The values of an F32 tensor (bit-exact: NaN payloads and signed zeros survive).
    public var floats: [Float] {
        precondition(dtype == .f32)
        let n = bytes.count / 4
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        return out
    }
}

/// A safetensors file in memory.
public struct SafeTensorsFile: Sendable {
    public var tensors: [String: SafeTensor]
    public var metadata: [String: String]

    public init(tensors: [String: SafeTensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The reference implementation refuses larger headers (100 MB).
    public static let maximumHeaderSize = 100_000_000

    /// The whole file: header length, header (space-padded to a multiple of 8), tensor bytes laid out
    /// back to back in name order. Fails on a tensor whose byte count does not match its shape.
    public func encoded(path: String = "safetensors") throws -> Data {
        var header = "{"
        var offset = 0
        var first = true
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            guard name != "__metadata__" else { throw SpecError(path, "'__metadata__' is reserved and cannot name a tensor") }
            guard let expected = t.expectedByteCount, expected == t.bytes.count else {
                throw SpecError(path, "tensor '\(name)': \(t.bytes.count) bytes do not match shape \(t.shape) of \(t.dtype.rawValue)")
            }
            if !first { header += "," }
            first = false
            header += Self.jsonString(name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":["
                + t.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}"
            offset += t.bytes.count
        }
        if !metadata.isEmpty {
            if !first { header += "," }
            header += "\"__metadata__\":{"
                + metadata.keys.sorted().map { Self.jsonString($0) + ":" + Self.jsonString(metadata[$0]!) }.joined(separator: ",") + "}"
        }
        header += "}"
        var headerBytes = Data(header.utf8)
        let pad = (8 - (8 + headerBytes.count) % 8) % 8
        headerBytes.append(contentsOf: [UInt8](repeating: 0x20, count: pad))
        guard headerBytes.count <= Self.maximumHeaderSize else { throw SpecError(path, "header of \(headerBytes.count) bytes is too large") }
        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(headerBytes)
        for name in names { out.append(tensors[name]!.bytes) }
        return out
    }

    /// Writes atomically (temporary file in the same directory, fsync, rename): a reader or a crash
    /// sees the old file or the new one, never a mix. An existing file is left intact on failure.
    public func write(to path: String) throws {
        let data = try encoded(path: path)
        do {
            try AtomicFile.write(data, to: path, sync: true)
        } catch let e as SpecError {
            throw e
        } catch {
            throw SpecError(path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads and validates a file; every problem is a `SpecError` naming the file.
    public static func read(from path: String) throws -> SafeTensorsFile {
        switch FileErrors.notARegularFile(path) {
        case nil: break
        case "file not found"?: throw SpecError(path, "no such file")
        case "is a directory"?: throw SpecError(path, "is a directory, not a safetensors file")
        case let why?: throw SpecError(path, "cannot read: \(why)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(path, "cannot read: \(FileErrors.reason(error))")
        }
        return try decode(data, path: path)
    }

    /// Parses and validates the bytes of a file (`path` only names it in errors).
    public static func decode(_ data: Data, path: String = "safetensors") throws -> SafeTensorsFile {
        func fail(_ message: String) -> SpecError { SpecError(path, "not a valid safetensors file: " + message) }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw fail("file too short (\(bytes.count) bytes; the header length alone takes 8)") }
        var n64: UInt64 = 0
        for i in 0..<8 { n64 |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n64 <= UInt64(bytes.count - 8) else {
            throw fail("header length \(n64) runs past the end of the file (\(bytes.count) bytes): truncated or not safetensors")
        }
        let headerSize = Int(n64)
        guard headerSize <= maximumHeaderSize else { throw fail("header length \(headerSize) exceeds the limit of \(maximumHeaderSize)") }
        guard headerSize >= 2 else { throw fail("header of \(headerSize) bytes cannot hold a JSON object") }
        let headerBytes = Data(bytes[8..<(8 + headerSize)])
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("the header does not start with '{'") }
        guard String(data: headerBytes, encoding: .utf8) != nil else { throw fail("the header is not valid UTF-8") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw fail("the header is not JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"))")
        }
        guard let object = json as? [String: Any] else { throw fail("the header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let m = object["__metadata__"] {
            guard let dict = m as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (k, v) in dict {
                guard let s = v as? String, !(v is NSNumber) else { throw fail("__metadata__ value of '\(k)' is not a string") }
                metadata[k] = s
            }
        }

        func integer(_ v: Any, _ what: String) throws -> Int {
            guard let n = v as? NSNumber, !(v is String) else { throw fail("\(what) is not an integer") }
            let d = n.doubleValue
            guard d >= 0, d <= 9_007_199_254_740_992, d == d.rounded(.towardZero) else {
                throw fail("\(what) is not a non-negative integer (\(n))")
            }
            // Beyond 2^53 doubles are exact only for some integers; the file cannot be that large anyway.
            return Int(d)
        }

        let dataStart = 8 + headerSize
        let dataSize = bytes.count - dataStart
        var tensors: [String: SafeTensor] = [:]
        var ranges: [(name: String, range: Range<Int>)] = []
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw fail("tensor '\(name)' is not an object") }
            guard let dtypeText = entry["dtype"] as? String, !(entry["dtype"] is NSNumber) else {
                throw fail("tensor '\(name)' has no dtype string")
            }
            guard let dtype = SafeTensor.DType(rawValue: dtypeText) else {
                throw fail("tensor '\(name)' has dtype '\(dtypeText)'; this reader supports \(SafeTensor.DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let shapeArray = entry["shape"] as? [Any] else { throw fail("tensor '\(name)' has no shape array") }
            let shape = try shapeArray.enumerated().map { try integer($0.element, "tensor '\(name)': shape[\($0.offset)]") }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2 else {
                throw fail("tensor '\(name)' has no data_offsets pair [begin, end]")
            }
            let begin = try integer(offsets[0], "tensor '\(name)': data_offsets[0]")
            let end = try integer(offsets[1], "tensor '\(name)': data_offsets[1]")
            guard begin <= end else { throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] with begin after end") }
            guard end <= dataSize else {
                throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] beyond the \(dataSize) data bytes: truncated file?")
            }
            var t = SafeTensor(dtype: dtype, shape: shape, bytes: Data())
            guard let expected = t.expectedByteCount else { throw fail("tensor '\(name)' has shape \(shape) whose size overflows") }
            guard expected == end - begin else {
                throw fail("tensor '\(name)' has shape \(shape) of \(dtype.rawValue) (\(expected) bytes) but data_offsets [\(begin), \(end)] hold \(end - begin) bytes")
            }
            t.bytes = Data(bytes[(dataStart + begin)..<(dataStart + end)])
            tensors[name] = t
            ranges.append((name, begin..<end))
        }
        // Tensors must tile the data buffer exactly: no overlap, no gap, nothing after the last one.
        ranges.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        var covered = 0
        var previous: String?
        for (name, r) in ranges {
            if r.lowerBound < covered {
                throw fail("tensor '\(name)' (bytes \(r.lowerBound)..<\(r.upperBound)) overlaps tensor '\(previous ?? "")'")
            }
            if r.lowerBound > covered {
                throw fail("data bytes \(covered)..<\(r.lowerBound) belong to no tensor (before '\(name)')")
            }
            covered = r.upperBound
            previous = name
        }
        if covered < dataSize {
            throw fail("\(dataSize - covered) bytes of trailing garbage after the last tensor")
        }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
