// Reading user data files (whole, gzip inflated transparently) with errors that name the file, and
// carving validation / test splits out of a training set with a fixed, seed-independent permutation.

import Foundation
import MetaCore

enum DataFile {
    /// The bytes of the file at `path`, inflated when they start with the gzip magic number.
    /// Every failure is a `SpecError` located at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        switch FileErrors.notARegularFile(path) {
        case nil: break
        case "file not found"?: throw SpecError(path, "file not found")
        case "is a directory"?: throw SpecError(path, "unreadable: is a directory, not a data file")
        case let why?: throw SpecError(path, "unreadable: \(why); a data file must be a regular file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(path, "unreadable: \(FileErrors.reason(error))")
        }
        let bytes = [UInt8](data)
        guard Gzip.isCompressed(bytes) else { return bytes }
        do {
            return try Gzip.decompress(bytes)
        } catch let failure as Gzip.Failure {
            throw SpecError(path, failure.message)
        }
    }

    /// A big-endian UInt32 at `offset` (the caller has checked the length).
    static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

/// Examples read from files, before splitting: pixels as bytes (converted to Float once per split).
struct ByteExamples {
    var pixels: [UInt8]
    var labels: [Int32]
    var featureShape: [Int]
    /// Maps a record's bytes to its Float features (identity order for IDX, CHW → HWC for CIFAR).
    var convert: (_ record: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutablePointer<Float>) -> Void

    var count: Int { labels.count }
    var featureCount: Int { featureShape.reduce(1, *) }

    /// The examples at `indices` (in that order) as Float data in [0, 1].
    func subset(_ indices: [Int]) -> LabeledData {
        let f = featureCount
        var inputs = [Float](repeating: 0, count: indices.count * f)
        inputs.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { src in
                for (row, i) in indices.enumerated() {
                    convert(UnsafeBufferPointer(rebasing: src[(i * f)..<((i + 1) * f)]), out.baseAddress! + row * f)
                }
            }
        }
        return LabeledData(inputs: inputs, labels: indices.map { labels[$0] }, featureShape: featureShape)
    }

    /// byte ↦ Float(byte) / 255, correctly rounded (a multiply by 1/255 would be off by an ulp for some).
    static let unitScale: [Float] = (0..<256).map { Float($0) / 255 }

    /// Bytes scaled to [0, 1] in file order.
    static func scaledInOrder(_ record: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutablePointer<Float>) {
        unitScale.withUnsafeBufferPointer { scale in
            for j in 0..<record.count { out[j] = scale[Int(record[j])] }
        }
    }
}

enum HoldoutSplitter {
    /// The permutation that decides which training-file examples are held out depends only on the
    /// number of examples, never on a task seed, so every run and every task sees the same splits.
    static let permutationKey = RandomKey(seed: 0x4D45_5441_5350_4C54).fold("holdout")

    /// Train / validation / test from one training set (and an optional separate test set).
    /// Validation gets round(count·fraction) examples (at least 1); without `test` files the test
    /// split gets as many again, disjoint. `limit` then caps the training examples. Each split is in
    /// file order. Throws when too few examples remain for training.
    static func split(_ train: ByteExamples, test: ByteExamples?, validationFraction: Double, limit: Int?,
                      classes: Int, location: String) throws -> DatasetSplits {
        let n = train.count
        let held = max(1, Int((Double(n) * validationFraction).rounded()))
        let carved = test == nil ? 2 * held : held
        guard n > carved else {
            let purpose = test == nil ? "validation and test" : "validation"
            throw SpecError(location, "has only \(n) examples: too few to hold out \(carved) for \(purpose) and keep any for training")
        }
        var rng = permutationKey.generator()
        let order = rng.permutation(n)
        let validation = Array(order[0..<held]).sorted()
        let carvedTest = test == nil ? Array(order[held..<(2 * held)]).sorted() : []
        var rest = Array(order[carved...])
        if let limit, limit < rest.count { rest = Array(rest.prefix(limit)) }
        return DatasetSplits(
            train: train.subset(rest.sorted()),
            validation: train.subset(validation),
            test: test.map { $0.subset(Array(0..<$0.count)) } ?? train.subset(carvedTest),
            classes: classes)
    }
}
