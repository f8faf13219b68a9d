// Task configs: plain Codable data from which a task is rebuilt exactly (docs/architecture.md §5). The JSON form is
// what people write by hand: `{"family": "mlp", "hidden": [64], "dataset": {"kind": "spirals"}}`.
// Absent keys take the defaults below; unknown keys and out-of-range values are errors naming the key.

import Foundation
import MetaCore

/// The four task families of the zoo.
public enum TaskFamilyName: String, Codable, CaseIterable, Sendable {
    case mlp, cnn, quadratic, function2d
}

/// A complete description of one task.
public enum TaskConfig: Codable, Hashable, Sendable {
    case mlp(MLPConfig)
    case cnn(CNNConfig)
    case quadratic(QuadraticConfig)
    case function2d(Function2DConfig)

    public var family: TaskFamilyName {
        switch self {
        case .mlp: return .mlp
        case .cnn: return .cnn
        case .quadratic: return .quadratic
        case .function2d: return .function2d
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        guard c.contains(AnyKey("family")) else {
            throw SpecError(
                SpecError.path(decoder.codingPath + [AnyKey("family")]),
                "required key is missing; one of: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let raw = try c.decode(String.self, forKey: AnyKey("family"))
        guard let family = TaskFamilyName(rawValue: raw) else {
            throw SpecError(
                SpecError.path(decoder.codingPath + [AnyKey("family")]),
                "unknown family '\(raw)'; one of: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch family {
        case .mlp: self = .mlp(try MLPConfig(from: decoder))
        case .cnn: self = .cnn(try CNNConfig(from: decoder))
        case .quadratic: self = .quadratic(try QuadraticConfig(from: decoder))
        case .function2d: self = .function2d(try Function2DConfig(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(family.rawValue, forKey: AnyKey("family"))
        switch self {
        case .mlp(let x): try x.encode(to: encoder)
        case .cnn(let x): try x.encode(to: encoder)
        case .quadratic(let x): try x.encode(to: encoder)
        case .function2d(let x): try x.encode(to: encoder)
        }
    }

    /// The dataset, for the families that have one.
    public var dataset: DatasetConfig? {
        switch self {
        case .mlp(let c): return c.dataset
        case .cnn(let c): return c.dataset
        default: return nil
        }
    }

    /// The same config with dataset file paths made absolute against `directory`.
    public func resolvingPaths(relativeTo directory: URL) -> TaskConfig {
        switch self {
        case .mlp(var c):
            c.dataset = c.dataset.resolvingPaths(relativeTo: directory)
            return .mlp(c)
        case .cnn(var c):
            c.dataset = c.dataset.resolvingPaths(relativeTo: directory)
            return .cnn(c)
        default: return self
        }
    }

    /// Builds the task (loading and caching its dataset if it has one), after checking that its
    /// estimated memory fits what the process may use.
    public func makeTask() throws -> TrainingTask {
        try checkMemory()
        switch self {
        case .mlp(let c): return try MLPTask(config: c)
        case .cnn(let c): return try CNNTask(config: c)
        case .quadratic(let c): return try QuadraticTask(config: c)
        case .function2d(let c): return try Function2DTask(config: c)
        }
    }
}

/// Keys every family's object may carry besides its own.
let sharedTaskKeys = ["family"]

/// A multilayer perceptron classifier: dense layers, one activation, softmax cross-entropy.
public struct MLPConfig: Codable, Hashable, Sendable {
    /// Hidden layer widths (the output layer has one unit per class).
    public var hidden: [Int] = [32]
    public var activation: Activation = .relu
    public var initializer: Initializer = .he
    /// Scale for the `normal` and `orthogonal` initializers.
    public var initScale: Float = 1
    public var batchSize: Int = 64
    public var dataset: DatasetConfig
    /// Seeds the task's own randomness (minibatch order when none is given by the caller).
    public var seed: UInt64 = 0

    public init(
        hidden: [Int] = [32], activation: Activation = .relu, initializer: Initializer = .he,
        initScale: Float = 1, batchSize: Int = 64, dataset: DatasetConfig, seed: UInt64 = 0
    ) {
        self.hidden = hidden
        self.activation = activation
        self.initializer = initializer
        self.initScale = initScale
        self.batchSize = batchSize
        self.dataset = dataset
        self.seed = seed
    }

    static let keys = ["hidden", "activation", "initializer", "initScale", "batchSize", "dataset", "seed"]

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: Self.keys + sharedTaskKeys)
        hidden = try r.array("hidden", default: [32], count: 0...8, each: 1...4096)
        activation = try r.choice("activation", default: .relu)
        initializer = try r.choice("initializer", default: .he)
        initScale = try r.value("initScale", default: 1, in: 1e-3...100)
        batchSize = try r.value("batchSize", default: 64, in: 1...65536)
        dataset = try r.require("dataset")
        seed = try r.value("seed", default: 0)
    }
}

/// A small convolutional classifier: 3×3 convolutions (padding 1, stride 1 or 2), activation after
/// each, global mean pooling, a linear head, softmax cross-entropy. Images are NHWC.
public struct CNNConfig: Codable, Hashable, Sendable {
    /// Output channels of each convolution.
    public var channels: [Int] = [16, 32]
    /// Stride (1 or 2) of each convolution; same length as `channels`.
    public var strides: [Int] = [2, 2]
    public var activation: Activation = .relu
    public var initializer: Initializer = .he
    public var initScale: Float = 1
    public var batchSize: Int = 32
    /// An image dataset (glyphs, idx, cifar10).
    public var dataset: DatasetConfig
    public var seed: UInt64 = 0

    public init(
        channels: [Int] = [16, 32], strides: [Int] = [2, 2], activation: Activation = .relu,
        initializer: Initializer = .he, initScale: Float = 1, batchSize: Int = 32,
        dataset: DatasetConfig, seed: UInt64 = 0
    ) {
        self.channels = channels
        self.strides = strides
        self.activation = activation
        self.initializer = initializer
        self.initScale = initScale
        self.batchSize = batchSize
        self.dataset = dataset
        self.seed = seed
    }

    static let keys = ["channels", "strides", "activation", "initializer", "initScale", "batchSize", "dataset", "seed"]

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: Self.keys + sharedTaskKeys)
        channels = try r.array("channels", default: [16, 32], count: 1...6, each: 1...512)
        strides = try r.array("strides", default: [Int](repeating: 1, count: channels.count), count: 1...6, each: 1...2)
        guard strides.count == channels.count else {
            throw r.error("strides", "needs one stride per convolution (\(channels.count)), found \(strides.count)")
        }
        activation = try r.choice("activation", default: .relu)
        initializer = try r.choice("initializer", default: .he)
        initScale = try r.value("initScale", default: 1, in: 1e-3...100)
        batchSize = try r.value("batchSize", default: 32, in: 1...65536)
        dataset = try r.require("dataset")
        guard dataset.isImageDataset else {
            throw r.error("dataset", "a CNN needs an image dataset (glyphs, idx or cifar10), found '\(dataset.kind)'")
        }
        seed = try r.value("seed", default: 0)
    }
}

/// Eigenvalue spacing of a quadratic's Hessian.
public enum Spectrum: String, Codable, CaseIterable, Sendable {
    case linear, log
}

/// `scale · ½ (p − p*)ᵀ H (p − p*)` with H = Qᵀ diag(λ) Q, λ spread from 1/condition to 1
/// linearly or log-spaced, Q a random rotation, p* ~ N(0, I); optional Gaussian gradient noise.
public struct QuadraticConfig: Codable, Hashable, Sendable {
    public var dimension: Int = 10
    public var spectrum: Spectrum = .log
    /// Ratio of the largest to the smallest eigenvalue.
    public var condition: Double = 10
    /// Standard deviation of Gaussian noise added to each gradient element, relative to the gradient's RMS.
    public var noise: Double = 0
    /// Multiplies the loss (and gradient).
    public var scale: Double = 1
    /// Whether H is rotated (a dense Hessian) or diagonal.
    public var rotate: Bool = true
    public var seed: UInt64 = 0

    public init(
        dimension: Int = 10, spectrum: Spectrum = .log, condition: Double = 10, noise: Double = 0,
        scale: Double = 1, rotate: Bool = true, seed: UInt64 = 0
    ) {
        self.dimension = dimension
        self.spectrum = spectrum
        self.condition = condition
        self.noise = noise
        self.scale = scale
        self.rotate = rotate
        self.seed = seed
    }

    static let keys = ["dimension", "spectrum", "condition", "noise", "scale", "rotate", "seed"]

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: Self.keys + sharedTaskKeys)
        dimension = try r.value("dimension", default: 10, in: 1...100_000)
        spectrum = try r.choice("spectrum", default: .log)
        condition = try r.value("condition", default: 10, in: 1...1e8)
        noise = try r.value("noise", default: 0, in: 0...100)
        scale = try r.value("scale", default: 1, in: 1e-8...1e8)
        rotate = try r.value("rotate", default: true)
        seed = try r.value("seed", default: 0)
    }
}

/// The classic 2D optimization test functions.
public enum TestFunction2D: String, Codable, CaseIterable, Sendable {
    case rosenbrock, beale, booth, matyas, himmelblau, styblinskiTang = "styblinski_tang", ackley, branin
}

/// A 2D test function with its usual initialization range, optionally with gradient noise and rescaled.
public struct Function2DConfig: Codable, Hashable, Sendable {
    public var function: TestFunction2D = .rosenbrock
    /// Standard deviation of Gaussian noise added to each gradient element (absolute).
    public var noise: Double = 0
    /// Multiplies the loss (and gradient).
    public var scale: Double = 1
    public var seed: UInt64 = 0

    public init(function: TestFunction2D = .rosenbrock, noise: Double = 0, scale: Double = 1, seed: UInt64 = 0) {
        self.function = function
        self.noise = noise
        self.scale = scale
        self.seed = seed
    }

    static let keys = ["function", "noise", "scale", "seed"]

    public init(from decoder: Decoder) throws {
        let r = try SpecReader(decoder, allowed: Self.keys + sharedTaskKeys)
        function = try r.choice("function", default: nil)
        noise = try r.value("noise", default: 0, in: 0...1e4)
        scale = try r.value("scale", default: 1, in: 1e-8...1e8)
        seed = try r.value("seed", default: 0)
    }
}
