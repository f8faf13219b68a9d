// Task families: distributions over task configs (learned_optimization's TaskFamily). A family is
// plain Codable data — its ranges — so `TaskZoo/families/*.json` is the family itself, and
// `sample(key:)` turns a key into a config from which the task is rebuilt exactly.

import MetaCore

/// A distribution over task configs.
public protocol TaskFamily: Codable, Sendable {
    static var familyName: TaskFamilyName { get }
    /// A config drawn with the key (same key → same config).
    func sample(key: RandomKey) -> TaskConfig
    /// Throws a `SpecError` naming the bad range.
    func validate() throws
}

/// Seeds of configs sampled by families stay below 2³¹ so they read well in JSON.
func sampleSeed(_ rng: inout RandomGenerator) -> UInt64 { rng.next() >> 33 }

/// Ranges of the generated classification datasets used by the MLP and CNN families.
public struct DatasetFamily: Codable, Hashable, Sendable {
    /// Weights over dataset kinds (blobs, spirals, teacher_student, glyphs).
    public var kinds: WeightedChoice
    public var classes: SamplingRange
    public var blobsDimension: SamplingRange
    public var blobsSpread: SamplingRange
    public var spiralsClasses: SamplingRange
    public var spiralsNoise: SamplingRange
    public var spiralsTurns: SamplingRange
    public var teacherDimension: SamplingRange
    public var teacherHidden: SamplingRange
    public var glyphSize: SamplingRange
    public var glyphClasses: SamplingRange
    public var glyphJitter: SamplingRange
    public var glyphNoise: SamplingRange
    public var samples: SamplingRange
    public var heldout: Int
    /// Dataset seeds are drawn from 0..<datasetSeeds, so tasks share a modest number of datasets
    /// (TaskSet's habit: many architectures over few datasets) and the cache stays small.
    public var datasetSeeds: Int

    public func sample(_ rng: inout RandomGenerator) -> DatasetConfig {
        let seed = UInt64(rng.int(below: max(1, datasetSeeds)))
        let samples = samples.sampleInt(&rng)
        switch DatasetConfig.Kind(rawValue: kinds.sample(&rng))! {
        case .blobs:
            return .blobs(BlobsConfig(
                classes: classes.sampleInt(&rng), dimension: blobsDimension.sampleInt(&rng),
                spread: blobsSpread.sample(&rng), samples: samples, heldout: heldout, seed: seed))
        case .spirals:
            return .spirals(SpiralsConfig(
                classes: spiralsClasses.sampleInt(&rng), noise: spiralsNoise.sample(&rng),
                turns: spiralsTurns.sample(&rng), samples: samples, heldout: heldout, seed: seed))
        case .teacherStudent:
            return .teacherStudent(TeacherStudentConfig(
                dimension: teacherDimension.sampleInt(&rng), classes: classes.sampleInt(&rng),
                teacherHidden: teacherHidden.sampleInt(&rng), samples: samples, heldout: heldout, seed: seed))
        case .glyphs, .idx, .cifar10:
            return .glyphs(sampleGlyphs(&rng, samples: samples, seed: seed))
        }
    }

    func sampleGlyphs(_ rng: inout RandomGenerator, samples: Int, seed: UInt64) -> GlyphsConfig {
        GlyphsConfig(
            size: glyphSize.sampleInt(&rng), classes: glyphClasses.sampleInt(&rng),
            jitter: glyphJitter.sample(&rng), noise: glyphNoise.sample(&rng),
            samples: samples, heldout: heldout, seed: seed)
    }

    public func validate(_ name: String) throws {
        try kinds.validate("\(name).kinds", as: GeneratedDatasetKind.self)
        try classes.validate("\(name).classes", within: 2...1000)
        try blobsDimension.validate("\(name).blobsDimension", within: 1...4096)
        try blobsSpread.validate("\(name).blobsSpread", within: 1e-4...100)
        try spiralsClasses.validate("\(name).spiralsClasses", within: 2...100)
        try spiralsNoise.validate("\(name).spiralsNoise", within: 0...10)
        try spiralsTurns.validate("\(name).spiralsTurns", within: 0.1...10)
        try teacherDimension.validate("\(name).teacherDimension", within: 1...4096)
        try teacherHidden.validate("\(name).teacherHidden", within: 1...4096)
        try glyphSize.validate("\(name).glyphSize", within: 8...64)
        try glyphClasses.validate("\(name).glyphClasses", within: 2...26)
        try glyphJitter.validate("\(name).glyphJitter", within: 0...1)
        try glyphNoise.validate("\(name).glyphNoise", within: 0...2)
        try samples.validate("\(name).samples", within: 2...10_000_000)
        guard heldout >= 1 else { throw SpecError("\(name).heldout", "must be at least 1") }
        guard datasetSeeds >= 1 else { throw SpecError("\(name).datasetSeeds", "must be at least 1") }
    }
}

/// Draws configs with keys `key.fold(0)`, `key.fold(1)`, … until one's estimated step fits the budget
/// (after 1000 draws the last one is kept).
func sampleWithinBudget(key: RandomKey, maxStepMFLOP: Double, _ draw: (inout RandomGenerator) -> TaskConfig) -> TaskConfig {
    var attempt: UInt64 = 0
    while true {
        var rng = key.fold(attempt).generator()
        let task = draw(&rng)
        if task.estimatedStepMFLOP <= maxStepMFLOP || attempt >= 1000 { return task }
        attempt += 1
    }
}

/// The ranges the MLP and CNN families share.
func validateClassifierRanges(
    activations: WeightedChoice, initializers: WeightedChoice, initScale: SamplingRange,
    batchSize: SamplingRange, data: DatasetFamily, maxStepMFLOP: Double
) throws {
    try activations.validate("activations", as: Activation.self)
    try initializers.validate("initializers", as: Initializer.self)
    try initScale.validate("initScale", within: 1e-3...100)
    try batchSize.validate("batchSize", within: 1...65536)
    try data.validate("data")
    guard maxStepMFLOP > 0 else { throw SpecError("maxStepMFLOP", "must be positive") }
}

/// The dataset kinds a family can generate (files are not sampled).
public enum GeneratedDatasetKind: String, CaseIterable, Sendable {
    case blobs, spirals, teacherStudent = "teacher_student", glyphs
}

/// MLP classifiers (docs/architecture.md §5): 1–4 hidden layers, widths 8–128, mostly ReLU, four initializers,
/// batch 8–256, over generated datasets; configs whose step would exceed `maxStepMFLOP` are redrawn.
public struct MLPFamily: TaskFamily, Hashable {
    public static let familyName = TaskFamilyName.mlp
    public var layers: SamplingRange
    public var width: SamplingRange
    public var activations: WeightedChoice
    public var initializers: WeightedChoice
    public var initScale: SamplingRange
    public var batchSize: SamplingRange
    public var data: DatasetFamily
    /// Upper bound on the estimated forward + backward work of one step, in MFLOP.
    public var maxStepMFLOP: Double

    public static let standard = MLPFamily(
        layers: SamplingRange(1, 4),
        width: SamplingRange(8, 128, .log),
        activations: WeightedChoice(["relu": 6, "tanh": 1, "gelu": 1, "silu": 1, "sigmoid": 1, "leaky_relu": 1, "sin": 1]),
        initializers: WeightedChoice(["he": 3, "glorot": 3, "orthogonal": 1, "normal": 1]),
        initScale: SamplingRange(0.5, 2, .log),
        batchSize: SamplingRange(8, 256, .log),
        data: DatasetFamily(
            kinds: WeightedChoice(["blobs": 1, "spirals": 1, "teacher_student": 1, "glyphs": 2]),
            classes: SamplingRange(2, 10),
            blobsDimension: SamplingRange(2, 32, .log), blobsSpread: SamplingRange(0.3, 1.5, .log),
            spiralsClasses: SamplingRange(2, 5), spiralsNoise: SamplingRange(0.02, 0.3, .log),
            spiralsTurns: SamplingRange(0.5, 2),
            teacherDimension: SamplingRange(4, 64, .log), teacherHidden: SamplingRange(8, 64, .log),
            glyphSize: SamplingRange(8, 28), glyphClasses: SamplingRange(10, 26),
            glyphJitter: SamplingRange(0, 0.3), glyphNoise: SamplingRange(0, 0.3),
            samples: SamplingRange(1024, 4096, .log), heldout: 512, datasetSeeds: 4),
        maxStepMFLOP: 40)

    public func sample(key: RandomKey) -> TaskConfig {
        sampleWithinBudget(key: key, maxStepMFLOP: maxStepMFLOP) { rng in
            let depth = layers.sampleInt(&rng)
            return .mlp(MLPConfig(
                hidden: (0..<depth).map { _ in width.sampleInt(&rng) },
                activation: Activation(rawValue: activations.sample(&rng))!,
                initializer: Initializer(rawValue: initializers.sample(&rng))!,
                initScale: Float(initScale.sample(&rng)),
                batchSize: batchSize.sampleInt(&rng),
                dataset: data.sample(&rng),
                seed: sampleSeed(&rng)))
        }
    }

    public func validate() throws {
        try layers.validate("layers", within: 0...8)
        try width.validate("width", within: 1...4096)
        try validateClassifierRanges(
            activations: activations, initializers: initializers, initScale: initScale,
            batchSize: batchSize, data: data, maxStepMFLOP: maxStepMFLOP)
    }
}

/// Small CNN classifiers (docs/architecture.md §5): 1–3 conv layers 3×3, 4–32 channels, stride 1 or 2, global mean
/// pooling, linear head, on procedural glyph images 8×8 to 28×28.
public struct CNNFamily: TaskFamily, Hashable {
    public static let familyName = TaskFamilyName.cnn
    public var layers: SamplingRange
    public var channels: SamplingRange
    /// Weights over strides "1" and "2".
    public var strides: WeightedChoice
    public var activations: WeightedChoice
    public var initializers: WeightedChoice
    public var initScale: SamplingRange
    public var batchSize: SamplingRange
    public var data: DatasetFamily
    public var maxStepMFLOP: Double

    public static let standard = CNNFamily(
        layers: SamplingRange(1, 3),
        channels: SamplingRange(4, 32, .log),
        strides: WeightedChoice(["1": 1, "2": 2]),
        activations: WeightedChoice(["relu": 4, "leaky_relu": 1, "gelu": 1, "silu": 1, "tanh": 1]),
        initializers: WeightedChoice(["he": 3, "glorot": 2, "orthogonal": 1, "normal": 1]),
        initScale: SamplingRange(0.5, 2, .log),
        batchSize: SamplingRange(8, 64, .log),
        data: MLPFamily.standard.data,
        maxStepMFLOP: 60)

    public func sample(key: RandomKey) -> TaskConfig {
        sampleWithinBudget(key: key, maxStepMFLOP: maxStepMFLOP) { rng in
            let depth = layers.sampleInt(&rng)
            let chans = (0..<depth).map { _ in channels.sampleInt(&rng) }
            let strideList = (0..<depth).map { _ in Int(strides.sample(&rng))! }
            return .cnn(CNNConfig(
                channels: chans, strides: strideList,
                activation: Activation(rawValue: activations.sample(&rng))!,
                initializer: Initializer(rawValue: initializers.sample(&rng))!,
                initScale: Float(initScale.sample(&rng)),
                batchSize: batchSize.sampleInt(&rng),
                dataset: .glyphs(data.sampleGlyphs(&rng, samples: data.samples.sampleInt(&rng), seed: UInt64(rng.int(below: max(1, data.datasetSeeds))))),
                seed: sampleSeed(&rng)))
        }
    }

    public func validate() throws {
        try layers.validate("layers", within: 1...6)
        try channels.validate("channels", within: 1...512)
        guard !strides.weights.isEmpty, strides.weights.keys.allSatisfy({ $0 == "1" || $0 == "2" }) else {
            throw SpecError("strides", "choices must be \"1\" and/or \"2\"")
        }
        try validateClassifierRanges(
            activations: activations, initializers: initializers, initScale: initScale,
            batchSize: batchSize, data: data, maxStepMFLOP: maxStepMFLOP)
    }
}

/// Quadratics (docs/architecture.md §5): dims 2–1000, linear or log spectra, condition numbers up to 1e4, optional
/// gradient noise, loss scale 1e-3–1e3.
public struct QuadraticFamily: TaskFamily, Hashable {
    public static let familyName = TaskFamilyName.quadratic
    public var dimension: SamplingRange
    public var spectra: WeightedChoice
    public var condition: SamplingRange
    /// Probability that a task has gradient noise, and the noise's range when it has.
    public var noiseProbability: Double
    public var noise: SamplingRange
    public var scale: SamplingRange
    public var rotateProbability: Double

    public static let standard = QuadraticFamily(
        dimension: SamplingRange(2, 1000, .log),
        spectra: WeightedChoice(["linear": 1, "log": 1]),
        condition: SamplingRange(1, 1e4, .log),
        noiseProbability: 0.4,
        noise: SamplingRange(0.01, 1, .log),
        scale: SamplingRange(1e-3, 1e3, .log),
        rotateProbability: 0.7)

    public func sample(key: RandomKey) -> TaskConfig {
        var rng = key.generator()
        return .quadratic(QuadraticConfig(
            dimension: dimension.sampleInt(&rng),
            spectrum: Spectrum(rawValue: spectra.sample(&rng))!,
            condition: condition.sample(&rng),
            noise: rng.uniformDouble() < noiseProbability ? noise.sample(&rng) : 0,
            scale: scale.sample(&rng),
            rotate: rng.uniformDouble() < rotateProbability,
            seed: sampleSeed(&rng)))
    }

    public func validate() throws {
        try dimension.validate("dimension", within: 1...100_000)
        try spectra.validate("spectra", as: Spectrum.self)
        try condition.validate("condition", within: 1...1e8)
        guard (0...1).contains(noiseProbability) else { throw SpecError("noiseProbability", "must be in 0…1") }
        try noise.validate("noise", within: 0...100)
        try scale.validate("scale", within: 1e-8...1e8)
        guard (0...1).contains(rotateProbability) else { throw SpecError("rotateProbability", "must be in 0…1") }
    }
}

/// 2D test functions (docs/architecture.md §5) with the gradient-noise and rescale wrappers.
public struct Function2DFamily: TaskFamily, Hashable {
    public static let familyName = TaskFamilyName.function2d
    public var functions: WeightedChoice
    public var noiseProbability: Double
    public var noise: SamplingRange
    public var rescaleProbability: Double
    public var scale: SamplingRange

    public static let standard = Function2DFamily(
        functions: WeightedChoice(Dictionary(uniqueKeysWithValues: TestFunction2D.allCases.map { ($0.rawValue, 1.0) })),
        noiseProbability: 0.3,
        noise: SamplingRange(0.01, 1, .log),
        rescaleProbability: 0.3,
        scale: SamplingRange(0.01, 100, .log))

    public func sample(key: RandomKey) -> TaskConfig {
        var rng = key.generator()
        return .function2d(Function2DConfig(
            function: TestFunction2D(rawValue: functions.sample(&rng))!,
            noise: rng.uniformDouble() < noiseProbability ? noise.sample(&rng) : 0,
            scale: rng.uniformDouble() < rescaleProbability ? scale.sample(&rng) : 1,
            seed: sampleSeed(&rng)))
    }

    public func validate() throws {
        try functions.validate("functions", as: TestFunction2D.self)
        guard (0...1).contains(noiseProbability) else { throw SpecError("noiseProbability", "must be in 0…1") }
        try noise.validate("noise", within: 0...1e4)
        guard (0...1).contains(rescaleProbability) else { throw SpecError("rescaleProbability", "must be in 0…1") }
        try scale.validate("scale", within: 1e-8...1e8)
    }
}
