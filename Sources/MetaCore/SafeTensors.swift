// The safetensors file format (huggingface/safetensors): an 8-byte little-endian header length, a
// JSON header mapping tensor names to {dtype, shape, data_offsets} plus an optional string→string
// "__metadata__", then the raw little-endian tensor bytes. PLACEHOLDER: the checkpoint work implements it.

import Foundation

/// One tensor of a safetensors file.
public struct SafeTensor: Hashable, Sendable {
    public enum DType: String, Sendable { case f32 = "F32", u8 = "U8" }
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

    public init(bytes: Data) {
        dtype = .u8
        shape = [bytes.count]
        self.bytes = bytes
    }

    /// The values of an F32 tensor.
    public var floats: [Float] {
        precondition(dtype == .f32)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[bytes.startIndex + i]) | UInt32(bytes[bytes.startIndex + i + 1]) << 8
                | UInt32(bytes[bytes.startIndex + i + 2]) << 16 | UInt32(bytes[bytes.startIndex + i + 3]) << 24)
        }
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

    /// Writes atomically (temporary file, then rename).
    public func write(to path: String) throws {
        throw SpecError(path, "safetensors writing is not implemented yet")
    }

    /// Reads and validates a file; every problem is a `SpecError` naming the file.
    public static func read(from path: String) throws -> SafeTensorsFile {
        throw SpecError(path, "safetensors reading is not implemented yet")
    }
}
