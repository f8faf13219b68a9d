// IDX files (MNIST, Fashion-MNIST): unsigned-byte images N×H×W (magic 0x00000803) and labels N
// (magic 0x00000801), big-endian 32-bit dimensions, plain or gzip. Other IDX element types (int,
// float) are rejected with a message, not read.

import Foundation

enum IDXLoader {
    static let imagesMagic: UInt32 = 0x0000_0803
    static let labelsMagic: UInt32 = 0x0000_0801

    static func hex(_ x: UInt32) -> String {
        let digits = String(x, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Checks the magic number and reads `rank` dimensions; returns them and the header length.
    private static func header(_ bytes: [UInt8], path: String, magic expected: UInt32, rank: Int, what: String) throws -> [Int] {
        let headerLength = 4 + 4 * rank
        guard bytes.count >= 4 else {
            throw SpecError(path, "truncated: expected at least \(headerLength) bytes of IDX header, found \(bytes.count)")
        }
        let magic = DataFile.bigEndianUInt32(bytes, at: 0)
        guard magic == expected else {
            var message = "wrong magic number \(hex(magic)), expected \(hex(expected)) (IDX \(what))"
            let type = magic >> 8 & 0xFF
            if magic == imagesMagic {
                message += "; this looks like an IDX image file, not a label file"
            } else if magic == labelsMagic {
                message += "; this looks like an IDX label file, not an image file"
            } else if magic >> 16 == 0, [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(type) {
                message += type == 0x08
                    ? "; it has \(magic & 0xFF) dimensions instead of \(rank)"
                    : "; IDX element type \(hex(type)) is not supported, only unsigned bytes (0x08)"
            } else {
                message += "; not an IDX file"
            }
            throw SpecError(path, message)
        }
        guard bytes.count >= headerLength else {
            throw SpecError(path, "truncated: expected at least \(headerLength) bytes of IDX header, found \(bytes.count)")
        }
        return try (0..<rank).map { i in
            let d = DataFile.bigEndianUInt32(bytes, at: 4 + 4 * i)
            guard d <= UInt32(Int32.max) else {
                throw SpecError(path, "invalid IDX header: dimension \(i) is \(d)")
            }
            return Int(d)
        }
    }

    /// Checks that the body holds exactly `count` records after a header of `headerLength` bytes.
    private static func checkLength(_ bytes: [UInt8], path: String, headerLength: Int, dims: [Int]) throws {
        var body = 1
        for d in dims {
            let (product, overflow) = body.multipliedReportingOverflow(by: d)
            guard !overflow, product <= 1 << 40 else {
                throw SpecError(path, "invalid IDX header: dimensions \(dims.map(String.init).joined(separator: "×")) are too large")
            }
            body = product
        }
        let expected = headerLength + body
        let shape = dims.map(String.init).joined(separator: "×")
        if bytes.count < expected {
            throw SpecError(path, "truncated: expected \(expected) bytes for \(shape) (header \(headerLength) + data \(body)), found \(bytes.count)")
        }
        if bytes.count > expected {
            throw SpecError(path, "size mismatch: expected \(expected) bytes for \(shape), found \(bytes.count) (trailing data)")
        }
    }

    /// Images from an IDX image file: count, height, width and the pixel bytes (count·height·width).
    static func readImages(_ path: String) throws -> (count: Int, height: Int, width: Int, pixels: [UInt8]) {
        let bytes = try DataFile.read(path)
        let dims = try header(bytes, path: path, magic: imagesMagic, rank: 3, what: "images, unsigned bytes, N×H×W")
        guard dims[1] > 0, dims[2] > 0 else {
            throw SpecError(path, "invalid IDX header: image size \(dims[1])×\(dims[2])")
        }
        guard dims[0] > 0 else { throw SpecError(path, "contains no images") }
        try checkLength(bytes, path: path, headerLength: 16, dims: dims)
        return (dims[0], dims[1], dims[2], Array(bytes[16...]))
    }

    /// Labels from an IDX label file.
    static func readLabels(_ path: String) throws -> [UInt8] {
        let bytes = try DataFile.read(path)
        let dims = try header(bytes, path: path, magic: labelsMagic, rank: 1, what: "labels, unsigned bytes, N")
        guard dims[0] > 0 else { throw SpecError(path, "contains no labels") }
        try checkLength(bytes, path: path, headerLength: 8, dims: dims)
        return Array(bytes[8...])
    }

    /// Images and labels of one image file / label file pair, checked against each other.
    static func readPair(images: String, labels: String) throws -> ByteExamples {
        let (count, height, width, pixels) = try readImages(images)
        let labelBytes = try readLabels(labels)
        guard labelBytes.count == count else {
            throw SpecError(images, "image/label count mismatch: \(count) images in \(images) but \(labelBytes.count) labels in \(labels)")
        }
        return ByteExamples(pixels: pixels, labels: labelBytes.map { Int32($0) }, featureShape: [height, width, 1],
                            convert: ByteExamples.scaledInOrder)
    }

    static func load(_ config: IDXConfig) throws -> DatasetSplits {
        let train = try readPair(images: config.images, labels: config.labels)
        var test: ByteExamples?
        if let testImages = config.testImages, let testLabels = config.testLabels {
            let t = try readPair(images: testImages, labels: testLabels)
            guard t.featureShape == train.featureShape else {
                let (test, training) = (t.featureShape.prefix(2).map(String.init), train.featureShape.prefix(2).map(String.init))
                throw SpecError(testImages, "test images are \(test.joined(separator: "×")) but training images in "
                    + "\(config.images) are \(training.joined(separator: "×"))")
            }
            test = t
        }
        let maxLabel = max(train.labels.max() ?? 0, test?.labels.max() ?? 0)
        return try HoldoutSplitter.split(train, test: test, validationFraction: config.validationFraction,
                                         limit: config.limit, classes: max(2, Int(maxLabel) + 1), location: config.images)
    }
}
