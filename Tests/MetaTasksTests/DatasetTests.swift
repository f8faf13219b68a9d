// Datasets: generated sets are deterministic, balanced, standardized and learnable; file loaders
// round-trip exactly through IDXWriter / hand-made CIFAR files; every malformed file gives a SpecError
// that names the file and the problem.

import Foundation
import XCTest
import MetaCore
import MetaTasks

final class DatasetTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("DatasetTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: Generated datasets

    private let smallGenerated: [DatasetConfig] = [
        .blobs(BlobsConfig(classes: 5, dimension: 3, samples: 300, heldout: 100, seed: 7)),
        .spirals(SpiralsConfig(classes: 3, samples: 300, heldout: 100, seed: 7)),
        .teacherStudent(TeacherStudentConfig(dimension: 8, classes: 4, teacherHidden: 16, samples: 300, heldout: 100, seed: 7)),
        .glyphs(GlyphsConfig(size: 12, classes: 6, samples: 120, heldout: 60, seed: 7)),
    ]

    private func withSeed(_ config: DatasetConfig, _ seed: UInt64) -> DatasetConfig {
        switch config {
        case .blobs(var c): c.seed = seed; return .blobs(c)
        case .spirals(var c): c.seed = seed; return .spirals(c)
        case .teacherStudent(var c): c.seed = seed; return .teacherStudent(c)
        case .glyphs(var c): c.seed = seed; return .glyphs(c)
        default: return config
        }
    }

    func testGeneratedDatasetsAreDeterministicFromTheirSeed() throws {
        for config in smallGenerated {
            let a = try config.build(), b = try config.build()
            for split in DataSplit.allCases {
                XCTAssertEqual(a[split].inputs, b[split].inputs, "\(config.kind) \(split)")
                XCTAssertEqual(a[split].labels, b[split].labels, "\(config.kind) \(split)")
            }
            let other = try withSeed(config, 8).build()
            XCTAssertNotEqual(a.train.inputs, other.train.inputs, "\(config.kind): another seed gives other data")
            // The splits are independent draws, not copies of one another.
            XCTAssertNotEqual(Array(a.validation.inputs.prefix(20)), Array(a.test.inputs.prefix(20)), "\(config.kind)")
            XCTAssertNotEqual(Array(a.train.inputs.prefix(20)), Array(a.validation.inputs.prefix(20)), "\(config.kind)")
        }
    }

    func testGeneratedSplitSizesShapesAndBalance() throws {
        let shapes: [[Int]] = [[3], [2], [8], [12, 12, 1]]
        for (config, shape) in zip(smallGenerated, shapes) {
            let s = try config.build()
            let (samples, heldout): (Int, Int)
            switch config {
            case .glyphs: (samples, heldout) = (120, 60)
            default: (samples, heldout) = (300, 100)
            }
            XCTAssertEqual([s.train.count, s.validation.count, s.test.count], [samples, heldout, heldout], "\(config.kind)")
            XCTAssertEqual(s.featureShape, shape, "\(config.kind)")
            for split in DataSplit.allCases {
                XCTAssertEqual(s[split].featureShape, shape)
                XCTAssertTrue(s[split].labels.allSatisfy { $0 >= 0 && Int($0) < s.classes }, "\(config.kind) \(split) labels in range")
                XCTAssertTrue(s[split].inputs.allSatisfy(\.isFinite), "\(config.kind) \(split) finite")
            }
            if case .teacherStudent = config { continue }  // balance is checked separately: labels come from the teacher
            for split in DataSplit.allCases {
                let counts = classCounts(s[split].labels, classes: s.classes)
                XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "\(config.kind) \(split) balanced: \(counts)")
            }
        }
    }

    func testVectorInputsAreRoughlyStandardized() throws {
        let configs: [DatasetConfig] = [
            .blobs(BlobsConfig(classes: 8, dimension: 4, spread: 0.5, samples: 4000, seed: 1)),
            .blobs(BlobsConfig(classes: 8, dimension: 4, spread: 5, samples: 4000, seed: 1)),
            .spirals(SpiralsConfig(classes: 3, noise: 0.1, turns: 2, samples: 4000, seed: 1)),
            .teacherStudent(TeacherStudentConfig(dimension: 16, samples: 4000, seed: 1)),
        ]
        for config in configs {
            let data = try config.build().train
            let d = data.featureCount
            for j in 0..<d {
                let column = stride(from: j, to: data.inputs.count, by: d).map { Double(data.inputs[$0]) }
                let mean = column.reduce(0, +) / Double(column.count)
                let std = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
                // Blob centers are random, so a coordinate's mean is itself ~ N(0, 1/classes)-ish.
                XCTAssertLessThan(abs(mean), 1.2, "\(config.kind) column \(j) mean")
                XCTAssertTrue((0.3...2.0).contains(std), "\(config.kind) column \(j) std \(std)")
            }
        }
    }

    func testBlobsAndSpiralsCarryTheirLabels() throws {
        // Tight blobs: the nearest class mean of the training split labels held-out points almost perfectly.
        let blobs = try DatasetConfig.blobs(BlobsConfig(classes: 4, dimension: 8, spread: 0.2, samples: 400, seed: 3)).build()
        XCTAssertGreaterThan(nearestMeanAccuracy(train: blobs.train, test: blobs.test, classes: 4), 0.97)
        // Spirals: points of one arm lie at angle 2π(turns·r/2 + k/classes) (mod 2π) for radius r.
        let spirals = try DatasetConfig.spirals(SpiralsConfig(classes: 3, noise: 0, turns: 1.5, samples: 300, seed: 3)).build()
        for i in 0..<spirals.train.count {
            let x = Double(spirals.train.inputs[2 * i]), y = Double(spirals.train.inputs[2 * i + 1])
            let r = (x * x + y * y).squareRoot()
            guard r > 0.05 else { continue }
            let predicted = 2 * Double.pi * (1.5 * r / 2 + Double(spirals.train.labels[i]) / 3)
            let difference = remainder(atan2(y, x) - predicted, 2 * Double.pi)
            XCTAssertLessThan(abs(difference), 1e-4, "point \(i)")
        }
    }

    func testTeacherStudentClassesAreNotDegenerate() throws {
        // Includes teachers with 1–4 hidden units, where many classes can win only inside thin regions.
        for (classes, dimension, hidden, seeds) in [(2, 4, 8, 3), (4, 16, 32, 3), (10, 8, 4, 3), (20, 8, 16, 2), (12, 3, 1, 1)] {
            for seed in 0..<UInt64(seeds) {
                let config = TeacherStudentConfig(dimension: dimension, classes: classes, teacherHidden: hidden,
                                                  samples: 200 * classes, heldout: 50, seed: seed)
                let s = try DatasetConfig.teacherStudent(config).build()
                let counts = classCounts(s.train.labels, classes: classes)
                let least = Double(counts.min()!) / Double(s.train.count)
                XCTAssertGreaterThanOrEqual(least, 1 / (4 * Double(classes)), "classes \(classes) seed \(seed): \(counts)")
            }
        }
        // The labels carry information about the inputs: the nearest class mean beats chance (0.25).
        let s = try DatasetConfig.teacherStudent(TeacherStudentConfig(samples: 2000, seed: 5)).build()
        XCTAssertGreaterThan(nearestMeanAccuracy(train: s.train, test: s.test, classes: 4), 0.4)
    }

    func testGlyphImagesAreInUnitRangeAndClassesDistinct() throws {
        // Clean glyphs (no jitter, no noise; stroke width still varies): all 26 classes apart.
        let clean = try DatasetConfig.glyphs(GlyphsConfig(size: 16, classes: 26, jitter: 0, noise: 0, samples: 520, heldout: 260, seed: 2)).build()
        XCTAssertEqual(clean.featureShape, [16, 16, 1])
        XCTAssertTrue(clean.train.inputs.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertGreaterThanOrEqual(nearestMeanAccuracy(train: clean.train, test: clean.test, classes: 26), 0.99)
        // Every image has ink, and no image is all ink.
        let pixels = 16 * 16
        for i in 0..<clean.train.count {
            let ink = clean.train.inputs[(i * pixels)..<((i + 1) * pixels)].reduce(0, +)
            XCTAssertTrue(ink > 10 && ink < Float(pixels) / 2, "image \(i) ink \(ink)")
        }

        // Default jitter and noise: far above chance (0.1) for the simplest classifier, but not solved.
        let jittered = try DatasetConfig.glyphs(GlyphsConfig(samples: 1000, heldout: 500, seed: 2)).build()
        XCTAssertTrue(jittered.train.inputs.allSatisfy { $0 >= 0 && $0 <= 1 })
        let accuracy = nearestMeanAccuracy(train: jittered.train, test: jittered.test, classes: 10)
        XCTAssertGreaterThan(accuracy, 0.5)
        XCTAssertLessThan(accuracy, 0.98)
    }

    func testLoadIsCachedPerConfig() throws {
        let config = DatasetConfig.blobs(BlobsConfig(samples: 64, heldout: 16, seed: 991))
        let a = try config.load(), b = try config.load()
        XCTAssertTrue(a.train === b.train, "the same config shares one dataset")
        let c = try DatasetConfig.blobs(BlobsConfig(samples: 64, heldout: 16, seed: 992)).load()
        XCTAssertFalse(a.train === c.train)
        // Concurrent first loads of one config build it once and all get the same object.
        let concurrent = DatasetConfig.spirals(SpiralsConfig(samples: 500, heldout: 16, seed: 993))
        let results = Parallel.map(8, threads: 4) { _ in try! concurrent.load().train }
        XCTAssertTrue(results.allSatisfy { $0 === results[0] })
        XCTAssertEqual(results[0].inputs, try concurrent.build().train.inputs)
    }

    // MARK: IDX

    /// Random test images (count × height × width bytes) and labels in 0..<classes.
    private func randomImages(count: Int, height: Int, width: Int, classes: Int, seed: UInt64) -> ([UInt8], [UInt8]) {
        var rng = RandomKey(seed: seed).generator()
        let images = (0..<(count * height * width)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let labels = (0..<count).map { _ in UInt8(rng.int(below: classes)) }
        return (images, labels)
    }

    /// Checks that `data` holds exactly the examples `indices` of (images, labels), each scaled to [0, 1].
    private func assertExamples(_ data: LabeledData, images: [UInt8], labels: [UInt8], indices: [Int],
                                file: StaticString = #filePath, line: UInt = #line) {
        let f = data.featureCount
        XCTAssertEqual(data.count, indices.count, file: file, line: line)
        for (row, i) in indices.enumerated() where row < data.count {
            XCTAssertEqual(data.labels[row], Int32(labels[i]), file: file, line: line)
            let expected = images[(i * f)..<((i + 1) * f)].map { Float($0) / 255 }
            assertSameValues(Array(data.inputs[(row * f)..<((row + 1) * f)]), expected, "example \(i)", file: file, line: line)
        }
    }

    /// Which source example each row of `data` is (inputs are distinct random bytes, so unique).
    private func sourceIndices(_ data: LabeledData, images: [UInt8]) -> [Int] {
        let f = data.featureCount
        var lookup: [[UInt8]: Int] = [:]
        for i in 0..<(images.count / f) { lookup[Array(images[(i * f)..<((i + 1) * f)])] = i }
        return (0..<data.count).map { row in
            lookup[data.inputs[(row * f)..<((row + 1) * f)].map { UInt8(($0 * 255).rounded()) }] ?? -1
        }
    }

    func testIDXRoundTripPlainAndGzip() throws {
        let (count, height, width) = (60, 5, 4)
        let (images, labels) = randomImages(count: count, height: height, width: width, classes: 3, seed: 11)
        for gzip in [false, true] {
            let imagesPath = path("train-images-\(gzip)"), labelsPath = path("train-labels-\(gzip)")
            try IDXWriter.write(images: images, count: count, height: height, width: width, labels: labels,
                                imagesPath: imagesPath, labelsPath: labelsPath, gzip: gzip)
            let raw = try Data(contentsOf: URL(fileURLWithPath: imagesPath))
            XCTAssertEqual(raw.prefix(2) == Data([0x1F, 0x8B]), gzip, "gzip magic only when asked")
            if !gzip { XCTAssertEqual(raw.count, 16 + count * height * width) }

            let s = try DatasetConfig.idx(IDXConfig(images: imagesPath, labels: labelsPath, validationFraction: 0.1)).build()
            XCTAssertEqual(s.classes, 3)
            XCTAssertEqual(s.featureShape, [height, width, 1])
            XCTAssertEqual([s.train.count, s.validation.count, s.test.count], [48, 6, 6])
            // The three splits partition the file, each in file order, and hold its bytes exactly.
            let parts = [s.train, s.validation, s.test].map { sourceIndices($0, images: images) }
            XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<count))
            for (part, data) in zip(parts, [s.train, s.validation, s.test]) {
                XCTAssertEqual(part, part.sorted())
                assertExamples(data, images: images, labels: labels, indices: part)
            }
        }
        // Plain and gzip files give the same splits.
        let plain = try DatasetConfig.idx(IDXConfig(images: path("train-images-false"), labels: path("train-labels-false"))).build()
        let gzipped = try DatasetConfig.idx(IDXConfig(images: path("train-images-true"), labels: path("train-labels-true"))).build()
        XCTAssertEqual(plain.train.inputs, gzipped.train.inputs)
        XCTAssertEqual(plain.test.labels, gzipped.test.labels)
    }

    func testIDXWithTestFilesAndLimit() throws {
        let (images, labels) = randomImages(count: 40, height: 3, width: 3, classes: 5, seed: 12)
        let (testImages, testLabels) = randomImages(count: 7, height: 3, width: 3, classes: 7, seed: 13)
        try IDXWriter.write(images: images, count: 40, height: 3, width: 3, labels: labels,
                            imagesPath: path("a-img"), labelsPath: path("a-lab"), gzip: false)
        try IDXWriter.write(images: testImages, count: 7, height: 3, width: 3, labels: testLabels,
                            imagesPath: path("t-img.gz"), labelsPath: path("t-lab.gz"), gzip: true)
        let config = IDXConfig(images: path("a-img"), labels: path("a-lab"), testImages: path("t-img.gz"),
                               testLabels: path("t-lab.gz"), validationFraction: 0.25, limit: 12)
        let s = try DatasetConfig.idx(config).build()
        XCTAssertEqual([s.train.count, s.validation.count, s.test.count], [12, 10, 7])
        XCTAssertEqual(s.classes, Int(max(labels.max()!, testLabels.max()!)) + 1)
        assertExamples(s.test, images: testImages, labels: testLabels, indices: Array(0..<7))
        let train = sourceIndices(s.train, images: images), validation = sourceIndices(s.validation, images: images)
        XCTAssertTrue(Set(train).isDisjoint(with: validation))
        XCTAssertFalse(train.contains(-1) || validation.contains(-1))
        // The held-out choice does not depend on the limit.
        var unlimited = config
        unlimited.limit = nil
        XCTAssertEqual(try DatasetConfig.idx(unlimited).build().validation.inputs, s.validation.inputs)
    }

    // MARK: CIFAR-10

    /// A CIFAR-10 file of `count` random records; returns its bytes.
    @discardableResult
    private func writeCIFAR(_ name: String, count: Int, seed: UInt64, label: ((Int) -> UInt8)? = nil) throws -> [UInt8] {
        var rng = RandomKey(seed: seed).generator()
        var bytes = [UInt8]()
        for r in 0..<count {
            bytes.append(label?(r) ?? UInt8(rng.int(below: 10)))
            for _ in 0..<3072 { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return bytes
    }

    func testCIFARRoundTripConvertsPlanesToHWC() throws {
        let a = try writeCIFAR("data_batch_1.bin", count: 7, seed: 1)
        let b = try writeCIFAR("data_batch_2.bin", count: 5, seed: 2)
        let t = try writeCIFAR("test_batch.bin", count: 3, seed: 3)
        let s = try DatasetConfig.cifar10(CIFAR10Config(trainFiles: [path("data_batch_1.bin"), path("data_batch_2.bin")],
                                                        testFiles: [path("test_batch.bin")], validationFraction: 0.25)).build()
        XCTAssertEqual(s.classes, 10)
        XCTAssertEqual(s.featureShape, [32, 32, 3])
        XCTAssertEqual([s.train.count, s.validation.count, s.test.count], [9, 3, 3])

        // Reference conversion, written independently: pixel (y, x) channel c is byte 1 + c·1024 + y·32 + x.
        func hwc(_ file: [UInt8], record r: Int) -> (label: Int32, pixels: [Float]) {
            let base = r * 3073
            var out = [Float](repeating: 0, count: 3072)
            for y in 0..<32 { for x in 0..<32 { for c in 0..<3 {
                out[(y * 32 + x) * 3 + c] = Float(file[base + 1 + c * 1024 + y * 32 + x]) / 255
            } } }
            return (Int32(file[base]), out)
        }
        for r in 0..<3 {
            let (label, pixels) = hwc(t, record: r)
            XCTAssertEqual(s.test.labels[r], label)
            assertSameValues(Array(s.test.inputs[(r * 3072)..<((r + 1) * 3072)]), pixels, "test record \(r)")
        }
        // Train + validation are the 12 records of both files, concatenated in order.
        let all = (0..<7).map { hwc(a, record: $0) } + (0..<5).map { hwc(b, record: $0) }
        var found = 0
        for data in [s.train, s.validation] {
            var previous = -1
            for row in 0..<data.count {
                let pixels = Array(data.inputs[(row * 3072)..<((row + 1) * 3072)])
                guard let i = all.firstIndex(where: { $0.pixels == pixels }) else { XCTFail("row \(row) not in the files"); continue }
                XCTAssertEqual(data.labels[row], all[i].label)
                XCTAssertGreaterThan(i, previous, "file order kept")
                previous = i
                found += 1
            }
        }
        XCTAssertEqual(found, 12)

        // Without test files the test split is carved from the training files.
        let carved = try DatasetConfig.cifar10(CIFAR10Config(trainFiles: [path("data_batch_1.bin"), path("data_batch_2.bin")],
                                                             validationFraction: 0.25)).build()
        XCTAssertEqual([carved.train.count, carved.validation.count, carved.test.count], [6, 3, 3])
    }

    // MARK: Bad files

    private func assertSpecError(_ location: String, _ phrases: [String], file: StaticString = #filePath, line: UInt = #line,
                                 _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a SpecError at \(location)", file: file, line: line)
        } catch let error as SpecError {
            XCTAssertEqual(error.location, location, file: file, line: line)
            for phrase in phrases {
                XCTAssertTrue(error.message.contains(phrase), "'\(error.message)' lacks '\(phrase)'", file: file, line: line)
            }
        } catch {
            XCTFail("expected a SpecError, got \(error)", file: file, line: line)
        }
    }

    private func loadIDX(_ images: String, _ labels: String) throws {
        _ = try DatasetConfig.idx(IDXConfig(images: images, labels: labels)).build()
    }

    func testBadIDXFilesGiveErrorsNamingTheFile() throws {
        let (images, labels) = randomImages(count: 10, height: 4, width: 4, classes: 2, seed: 5)
        let (img, lab) = (path("img"), path("lab"))
        try IDXWriter.write(images: images, count: 10, height: 4, width: 4, labels: labels,
                            imagesPath: img, labelsPath: lab, gzip: false)
        let imageBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: img)))

        assertSpecError(path("nope"), ["file not found"]) { try loadIDX(path("nope"), lab) }
        assertSpecError(path("nope"), ["file not found"]) { try loadIDX(img, path("nope")) }
        assertSpecError(directory.path, ["unreadable", "directory"]) { try loadIDX(directory.path, lab) }
        // A device is not a data file (reading /dev/zero would never end); the error says so, not "permission denied".
        assertSpecError("/dev/zero", ["not a regular file", "character device"]) { try loadIDX("/dev/zero", lab) }
        assertSpecError("/dev/null", ["not a regular file"]) { try loadIDX(img, "/dev/null") }
        // Files swapped: each one's magic is the other's.
        assertSpecError(lab, ["wrong magic number 0x00000801", "expected 0x00000803", "label file"]) { try loadIDX(lab, img) }

        func variant(_ name: String, _ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
            return path(name)
        }
        let short = try variant("short", Array(imageBytes.dropLast(5)))
        assertSpecError(short, ["truncated", "expected 176 bytes", "found 171"]) { try loadIDX(short, lab) }
        let headerOnly = try variant("header", Array(imageBytes.prefix(10)))
        assertSpecError(headerOnly, ["truncated", "found 10"]) { try loadIDX(headerOnly, lab) }
        let long = try variant("long", imageBytes + [0, 0, 0])
        assertSpecError(long, ["expected 176 bytes", "found 179"]) { try loadIDX(long, lab) }
        let text = try variant("text", Array("hello, world".utf8))
        assertSpecError(text, ["wrong magic number 0x68656c6c", "not an IDX file"]) { try loadIDX(text, lab) }

        // Ten images, nine labels.
        try IDXWriter.write(images: Array(images.prefix(9 * 16)), count: 9, height: 4, width: 4, labels: Array(labels.prefix(9)),
                            imagesPath: path("img9"), labelsPath: path("lab9"), gzip: false)
        assertSpecError(img, ["count mismatch", "10 images", img, "9 labels", path("lab9")]) { try loadIDX(img, path("lab9")) }

        // Corrupt and truncated gzip streams.
        try IDXWriter.write(images: images, count: 10, height: 4, width: 4, labels: labels,
                            imagesPath: path("img.gz"), labelsPath: path("lab.gz"), gzip: true)
        let gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("img.gz"))))
        var corrupt = gz
        for i in 12..<(gz.count - 8) { corrupt[i] ^= 0x5A }
        let corruptPath = try variant("corrupt.gz", corrupt)
        assertSpecError(corruptPath, ["corrupt gzip stream"]) { try loadIDX(corruptPath, lab) }
        let cut = try variant("cut.gz", Array(gz.prefix(gz.count / 2)))
        assertSpecError(cut, ["gzip", "truncated"]) { try loadIDX(cut, lab) }
        // Test images of another size than the training images.
        try IDXWriter.write(images: Array(images.prefix(3 * 9)), count: 3, height: 3, width: 3, labels: [0, 1, 0],
                            imagesPath: path("img3x3"), labelsPath: path("lab3x3"), gzip: true)
        assertSpecError(path("img3x3"), ["3×3", "4×4", img]) {
            _ = try DatasetConfig.idx(IDXConfig(images: img, labels: lab, testImages: path("img3x3"), testLabels: path("lab3x3"))).build()
        }
        // An IDX file of another element type (float, 0x0D).
        let floats = try variant("floats", [0, 0, 0x0D, 3] + Array(imageBytes.dropFirst(4)))
        assertSpecError(floats, ["wrong magic number 0x00000d03", "not supported"]) { try loadIDX(floats, lab) }
        // Too few examples to hold any out.
        try IDXWriter.write(images: Array(images.prefix(32)), count: 2, height: 4, width: 4, labels: [0, 1],
                            imagesPath: path("img2"), labelsPath: path("lab2"), gzip: false)
        assertSpecError(path("img2"), ["only 2 examples"]) { try loadIDX(path("img2"), path("lab2")) }
    }

    func testBadCIFARFilesGiveErrorsNamingTheFile() throws {
        try writeCIFAR("good.bin", count: 4, seed: 1)
        func load(_ names: [String]) throws {
            _ = try DatasetConfig.cifar10(CIFAR10Config(trainFiles: names.map(path), testFiles: [path("good.bin")])).build()
        }
        assertSpecError(path("missing.bin"), ["file not found"]) { try load(["good.bin", "missing.bin"]) }
        try writeCIFAR("label.bin", count: 3, seed: 2) { $0 == 2 ? 12 : 3 }
        assertSpecError(path("label.bin"), ["label out of range", "record 2", "label 12"]) { try load(["good.bin", "label.bin"]) }
        let good = try Data(contentsOf: URL(fileURLWithPath: path("good.bin")))
        try good.prefix(3073 * 2 + 100).write(to: URL(fileURLWithPath: path("cut.bin")))
        assertSpecError(path("cut.bin"), ["not a multiple of 3073", "6246"]) { try load(["cut.bin"]) }
        try Data().write(to: URL(fileURLWithPath: path("empty.bin")))
        assertSpecError(path("empty.bin"), ["empty"]) { try load(["empty.bin"]) }
    }

    // MARK: Helpers

    /// Exact equality of two Float arrays, reporting the first difference instead of both arrays.
    private func assertSameValues(_ a: [Float], _ b: [Float], _ message: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        if let i = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) {
            XCTFail("\(message): element \(i) is \(a[i]), expected \(b[i])", file: file, line: line)
        }
    }

    private func classCounts(_ labels: [Int32], classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// Accuracy on `test` of the nearest class mean (Euclidean) of `train`.
    private func nearestMeanAccuracy(train: LabeledData, test: LabeledData, classes: Int) -> Double {
        let f = train.featureCount
        var means = [Double](repeating: 0, count: classes * f)
        let counts = classCounts(train.labels, classes: classes)
        for i in 0..<train.count {
            let c = Int(train.labels[i])
            for j in 0..<f { means[c * f + j] += Double(train.inputs[i * f + j]) / Double(max(1, counts[c])) }
        }
        var correct = 0
        for i in 0..<test.count {
            var best = (class: -1, distance: Double.infinity)
            for c in 0..<classes {
                var d = 0.0
                for j in 0..<f {
                    let e = Double(test.inputs[i * f + j]) - means[c * f + j]
                    d += e * e
                }
                if d < best.distance { best = (c, d) }
            }
            if best.class == Int(test.labels[i]) { correct += 1 }
        }
        return Double(correct) / Double(test.count)
    }
}
