// Dataset configs: generated datasets (deterministic from a seed) and files in standard formats.
// JSON: `{"kind": "idx", "images": "train-images-idx3-ubyte.gz", "labels": "..."}`.

import Foundation

/// Where a classification dataset comes from.
public enum DatasetConfig: Codable, Hashable, Sendable {
    case blobs(BlobsConfig)
    case spirals(SpiralsConfig)
    case teacherStudent(TeacherStudentConfig)
    case glyphs(GlyphsConfig)
    case idx(IDXConfig)
    case cifar10(CIFAR10Config)

    public enum Kind: String, CaseIterable, Sendable {
        case blobs, spirals, teacherStudent = "teacher_student", glyphs, idx, cifar10
    }

    public var kind: Kind {
        switch self {
        case .blobs: return .blobs
        case .spirals: return .spirals
        case .teacherStudent: return .teacherStudent
        case .glyphs: return .glyphs
        case .idx: return .idx
        case .cifar10: return .cifar10
        }
    }

    /// Whether inputs are images (H×W×C), as a CNN needs.
    public var isImageDataset: Bool {
        switch self {
        case .glyphs, .idx, .cifar10: return true
        default: return false
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        guard c.contains(AnyKey("kind")) else {
            throw SpecError(SpecError.path(decoder.codingPath + [AnyKey("kind")]), "required key is missing; one of: \(kinds)")
        }
        let raw = try c.decode(String.self, forKey: AnyKey("kind"))
        guard let kind = Kind(rawValue: raw) else {
            throw SpecError(SpecError.path(decoder.codingPath + [AnyKey("kind")]), "unknown dataset kind '\(raw)'; one of: \(kinds)")
        }
        switch kind {
        case .blobs: self = .blobs(try BlobsConfig(from: decoder))
        case .spirals: self = .spirals(try SpiralsConfig(from: decoder))
        case .teacherStudent: self = .teacherStudent(try TeacherStudentConfig(from: decoder))
        case .glyphs: self = .glyphs(try GlyphsConfig(from: decoder))
        case .idx: self = .idx(try IDXConfig(from: decoder))
        case .cifar10: self = .cifar10(try CIFAR10Config(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(kind.rawValue, forKey: AnyKey("kind"))
        switch self {
        case .blobs(let x): try x.encode(to: encoder)
        case .spirals(let x): try x.encode(to: encoder)
        case .teacherStudent(let x): try x.encode(to: encoder)
        case .glyphs(let x): try x.encode(to: encoder)
        case .idx(let x): try x.encode(to: encoder)
        case .cifar10(let x): try x.encode(to: encoder)
        }
    }

    /// The same config with relative file paths made absolute against `directory`.
    public func resolvingPaths(relativeTo directory: URL) -> DatasetConfig {
        func abs(_ p: String) -> String {
            if p.hasPrefix("/") { return p }
            return directory.appendingPathComponent(p).standardizedFileURL.path
        }
        switch self {
        case .idx(var c):
            c.images = abs(c.images)
            c.labels = abs(c.labels)
            c.testImages = c.testImages.map(abs)
            c.testLabels = c.testLabels.map(abs)
            return .idx(c)
        case .cifar10(var c):
            c.trainFiles = c.trainFiles.map(abs)
            c.testFiles = c.testFiles?.map(abs)
            return .cifar10(c)
        default:
            return self
        }
    }
}

let sharedDatasetKeys = ["kind"]

/// Isotropic Gaussian clusters, one per class, centers ~ N(0, I).
public struct BlobsConfig: Codable, Hashable, Sendable {
    public var classes: Int = 4
    public var dimension: Int = 2
    /// Standard deviation of each cluster around its center.
    public var spread: Double = 0.5
    /// Training examples; validation and test get `heldout` each.
    public var samples: Int = 1024
    public var heldout: Int = 512
    public var seed: UInt64 = 0

    public init(classes: Int = 4, dimension: Int = 2, spread: Double = 0.5, samples: Int = 1024, heldout: Int = 512, seed: UInt64 = 0) {
        self.classes = classes
        self.dimension = dimension
        self.spread = spread
        self.samples = samples
        self.heldout = heldout
        self.seed = seed
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["classes", "dimension", "spread", "samples", "heldout", "seed"] + sharedDatasetKeys)
        classes = try r.value("classes", default: 4, in: 2...1000)
        dimension = try r.value("dimension", default: 2, in: 1...4096)
        spread = try r.value("spread", default: 0.5, in: 1e-4...100)
        samples = try r.value("samples", default: 1024, in: 2...10_000_000)
        heldout = try r.value("heldout", default: 512, in: 1...1_000_000)
        seed = try r.value("seed", default: 0)
    }
}

/// Interleaved noisy spirals in the plane, one arm per class.
public struct SpiralsConfig: Codable, Hashable, Sendable {
    public var classes: Int = 3
    /// Standard deviation of Gaussian noise added to each point.
    public var noise: Double = 0.1
    /// Number of turns of each arm.
    public var turns: Double = 1
    public var samples: Int = 1024
    public var heldout: Int = 512
    public var seed: UInt64 = 0

    public init(classes: Int = 3, noise: Double = 0.1, turns: Double = 1, samples: Int = 1024, heldout: Int = 512, seed: UInt64 = 0) {
        self.classes = classes
        self.noise = noise
        self.turns = turns
        self.samples = samples
        self.heldout = heldout
        self.seed = seed
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["classes", "noise", "turns", "samples", "heldout", "seed"] + sharedDatasetKeys)
        classes = try r.value("classes", default: 3, in: 2...100)
        noise = try r.value("noise", default: 0.1, in: 0...10)
        turns = try r.value("turns", default: 1, in: 0.1...10)
        samples = try r.value("samples", default: 1024, in: 2...10_000_000)
        heldout = try r.value("heldout", default: 512, in: 1...1_000_000)
        seed = try r.value("seed", default: 0)
    }
}

/// Inputs ~ N(0, I); labels are the argmax of a random one-hidden-layer tanh "teacher" network.
public struct TeacherStudentConfig: Codable, Hashable, Sendable {
    public var dimension: Int = 16
    public var classes: Int = 4
    public var teacherHidden: Int = 32
    public var samples: Int = 2048
    public var heldout: Int = 512
    public var seed: UInt64 = 0

    public init(dimension: Int = 16, classes: Int = 4, teacherHidden: Int = 32, samples: Int = 2048, heldout: Int = 512, seed: UInt64 = 0) {
        self.dimension = dimension
        self.classes = classes
        self.teacherHidden = teacherHidden
        self.samples = samples
        self.heldout = heldout
        self.seed = seed
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["dimension", "classes", "teacherHidden", "samples", "heldout", "seed"] + sharedDatasetKeys)
        dimension = try r.value("dimension", default: 16, in: 1...4096)
        classes = try r.value("classes", default: 4, in: 2...1000)
        teacherHidden = try r.value("teacherHidden", default: 32, in: 1...4096)
        samples = try r.value("samples", default: 2048, in: 2...10_000_000)
        heldout = try r.value("heldout", default: 512, in: 1...1_000_000)
        seed = try r.value("seed", default: 0)
    }
}

/// Procedural grayscale images of glyphs (one stroke pattern per class) drawn with random affine
/// jitter (rotation, scale, shear, shift), stroke width variation and pixel noise.
public struct GlyphsConfig: Codable, Hashable, Sendable {
    /// Image side in pixels (square images, one channel).
    public var size: Int = 16
    public var classes: Int = 10
    /// Strength of the random affine jitter (0 = none).
    public var jitter: Double = 0.15
    /// Standard deviation of additive pixel noise.
    public var noise: Double = 0.1
    public var samples: Int = 2048
    public var heldout: Int = 512
    public var seed: UInt64 = 0

    public init(size: Int = 16, classes: Int = 10, jitter: Double = 0.15, noise: Double = 0.1, samples: Int = 2048, heldout: Int = 512, seed: UInt64 = 0) {
        self.size = size
        self.classes = classes
        self.jitter = jitter
        self.noise = noise
        self.samples = samples
        self.heldout = heldout
        self.seed = seed
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["size", "classes", "jitter", "noise", "samples", "heldout", "seed"] + sharedDatasetKeys)
        size = try r.value("size", default: 16, in: 8...64)
        classes = try r.value("classes", default: 10, in: 2...26)
        jitter = try r.value("jitter", default: 0.15, in: 0...1)
        noise = try r.value("noise", default: 0.1, in: 0...2)
        samples = try r.value("samples", default: 2048, in: 2...10_000_000)
        heldout = try r.value("heldout", default: 512, in: 1...1_000_000)
        seed = try r.value("seed", default: 0)
    }
}

/// IDX files (MNIST, Fashion-MNIST; plain or gzip). Pixels are scaled to [0, 1]. When the test
/// files are absent, the test split is carved from the training files too.
public struct IDXConfig: Codable, Hashable, Sendable {
    public var images: String
    public var labels: String
    public var testImages: String?
    public var testLabels: String?
    /// Fraction of the training files held out for validation (and for test when no test files).
    public var validationFraction: Double = 0.1
    /// Use at most this many training examples (after the validation carve-out); nil = all.
    public var limit: Int?

    public init(images: String, labels: String, testImages: String? = nil, testLabels: String? = nil, validationFraction: Double = 0.1, limit: Int? = nil) {
        self.images = images
        self.labels = labels
        self.testImages = testImages
        self.testLabels = testLabels
        self.validationFraction = validationFraction
        self.limit = limit
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["images", "labels", "testImages", "testLabels", "validationFraction", "limit"] + sharedDatasetKeys)
        images = try r.require("images")
        labels = try r.require("labels")
        testImages = try r.optional("testImages")
        testLabels = try r.optional("testLabels")
        if (testImages == nil) != (testLabels == nil) {
            throw r.error(testImages == nil ? "testImages" : "testLabels", "testImages and testLabels go together")
        }
        validationFraction = try r.value("validationFraction", default: 0.1, in: 0.01...0.5)
        limit = try r.optional("limit")
        if let l = limit { try r.check("limit", l, in: 1...100_000_000) }
    }
}

/// The CIFAR-10 binary format (`data_batch_*.bin`, `test_batch.bin`: records of 1 label byte and
/// 3072 pixel bytes, channel-major 3×32×32). Pixels are scaled to [0, 1] and stored HWC.
public struct CIFAR10Config: Codable, Hashable, Sendable {
    public var trainFiles: [String]
    public var testFiles: [String]?
    public var validationFraction: Double = 0.1
    public var limit: Int?

    public init(trainFiles: [String], testFiles: [String]? = nil, validationFraction: Double = 0.1, limit: Int? = nil) {
        self.trainFiles = trainFiles
        self.testFiles = testFiles
        self.validationFraction = validationFraction
        self.limit = limit
    }

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: ["trainFiles", "testFiles", "validationFraction", "limit"] + sharedDatasetKeys)
        trainFiles = try r.require("trainFiles")
        if trainFiles.isEmpty { throw r.error("trainFiles", "needs at least one file") }
        testFiles = try r.optional("testFiles")
        validationFraction = try r.value("validationFraction", default: 0.1, in: 0.01...0.5)
        limit = try r.optional("limit")
        if let l = limit { try r.check("limit", l, in: 1...100_000_000) }
    }
}
