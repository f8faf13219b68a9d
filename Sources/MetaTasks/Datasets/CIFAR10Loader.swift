// The CIFAR-10 binary format: records of 1 label byte (0–9) and 3072 pixel bytes, the R, G and B
// planes of a 32×32 image one after another, each row-major. Converted to HWC [32, 32, 3] in [0, 1].

import Foundation

enum CIFAR10Loader {
    static let side = 32
    static let pixelBytes = 3 * 32 * 32
    static let recordBytes = 1 + pixelBytes
    static let classes = 10

    /// Labels and pixel bytes (still channel-major per record) of several files, concatenated.
    static func read(_ paths: [String]) throws -> ByteExamples {
        var pixels = [UInt8]()
        var labels = [Int32]()
        for path in paths {
            let bytes = try DataFile.read(path)
            guard !bytes.isEmpty else { throw SpecError(path, "is empty: expected records of \(recordBytes) bytes") }
            guard bytes.count % recordBytes == 0 else {
                let whole = bytes.count / recordBytes, extra = bytes.count % recordBytes
                throw SpecError(path, "file size \(bytes.count) is not a multiple of \(recordBytes) (a CIFAR-10 record is "
                    + "1 label byte + \(pixelBytes) pixel bytes); truncated or not CIFAR-10: \(whole) whole records and \(extra) extra bytes")
            }
            let count = bytes.count / recordBytes
            pixels.reserveCapacity(pixels.count + count * pixelBytes)
            labels.reserveCapacity(labels.count + count)
            for r in 0..<count {
                let start = r * recordBytes
                let label = bytes[start]
                guard Int(label) < classes else {
                    throw SpecError(path, "label out of range: record \(r) has label \(label), CIFAR-10 labels are 0–9")
                }
                labels.append(Int32(label))
                pixels.append(contentsOf: bytes[(start + 1)..<(start + recordBytes)])
            }
        }
        return ByteExamples(pixels: pixels, labels: labels, featureShape: [side, side, 3], convert: planesToHWC)
    }

    /// R, G, B planes (each 32×32 row-major) → interleaved HWC, scaled to [0, 1].
    static func planesToHWC(_ record: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutablePointer<Float>) {
        let plane = side * side
        ByteExamples.unitScale.withUnsafeBufferPointer { scale in
            for p in 0..<plane {
                for c in 0..<3 { out[p * 3 + c] = scale[Int(record[c * plane + p])] }
            }
        }
    }

    static func load(_ config: CIFAR10Config) throws -> DatasetSplits {
        let train = try read(config.trainFiles)
        // An empty test list means the same as none: carve the test split from the training files.
        let test = try config.testFiles.flatMap { $0.isEmpty ? nil : $0 }.map { try read($0) }
        return try HoldoutSplitter.split(train, test: test, validationFraction: config.validationFraction,
                                         limit: config.limit, classes: classes,
                                         location: config.trainFiles.joined(separator: ", "))
    }
}
