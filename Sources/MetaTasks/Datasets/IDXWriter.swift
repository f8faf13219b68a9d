// Writing IDX image / label file pairs (the MNIST format), plain or gzip: fixtures for tests and
// README examples. Files are written atomically (temporary file in the same folder, then rename).

import Foundation
import MetaCore

public enum IDXWriter {
    /// Writes `count` images of height×width unsigned bytes (row-major, image after image) and their
    /// labels as an IDX image file (magic 0x00000803) and an IDX label file (magic 0x00000801), gzip
    /// compressed when `gzip` is true. Throws `SpecError` located at the path that could not be written.
    public static func write(images: [UInt8], count: Int, height: Int, width: Int, labels: [UInt8],
                             imagesPath: String, labelsPath: String, gzip: Bool) throws {
        precondition(count >= 0 && height > 0 && width > 0, "IDXWriter: bad dimensions")
        precondition(images.count == count * height * width, "IDXWriter: images.count must be count·height·width")
        precondition(labels.count == count, "IDXWriter: labels.count must be count")
        precondition([count, height, width].allSatisfy { $0 <= Int(Int32.max) }, "IDXWriter: dimension too large")

        func header(_ magic: UInt32, _ dims: [Int]) -> [UInt8] {
            var bytes = [UInt8]()
            for v in [magic] + dims.map({ UInt32($0) }) {
                let word: [UInt8] = [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                                     UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
                bytes += word
            }
            return bytes
        }
        try writeAtomically(header(IDXLoader.imagesMagic, [count, height, width]) + images, to: imagesPath, gzip: gzip)
        try writeAtomically(header(IDXLoader.labelsMagic, [count]) + labels, to: labelsPath, gzip: gzip)
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String, gzip: Bool) throws {
        let payload: [UInt8]
        if gzip {
            do {
                payload = try Gzip.compress(bytes)
            } catch let failure as Gzip.Failure {
                throw SpecError(path, failure.message)
            }
        } else {
            payload = bytes
        }
        try AtomicFile.write(Data(payload), to: path)
    }
}
