// Generated vector datasets (blobs, spirals, teacher–student), deterministic from their seed: the
// dataset's fixed parts (centers, teacher weights) come from `key.fold("…")` children, and each split
// from its own child key (`"train"`, `"validation"`, `"test"`), so the splits are independent draws from
// one distribution. Arithmetic is scalar Double, no BLAS: labels must not depend on the CPU's kernels.

import Foundation
import MetaCore

/// The three split names and their sizes, in the order the splits are built.
func generatedSplitSizes(samples: Int, heldout: Int) -> [(name: String, count: Int)] {
    [("train", samples), ("validation", heldout), ("test", heldout)]
}

/// `count` labels with every class equally often (±1), in a random order.
func balancedLabels(count: Int, classes: Int, rng: inout RandomGenerator) -> [Int32] {
    let order = rng.permutation(count)
    return order.map { Int32($0 % classes) }
}

enum BlobsGenerator {
    /// Centers are N(0, I)·separation; points are center + spread·N(0, I). Everything is divided by
    /// sqrt(separation² + spread²), the per-coordinate standard deviation of the mixture, so inputs
    /// are standardized whatever the spread.
    static let separation = 2.0

    static func make(_ config: BlobsConfig) -> DatasetSplits {
        let key = RandomKey(seed: config.seed).fold("blobs")
        let d = config.dimension
        var centerRNG = key.fold("centers").generator()
        let centers = (0..<(config.classes * d)).map { _ in separation * centerRNG.normal() }
        let scale = 1 / (separation * separation + config.spread * config.spread).squareRoot()

        let splits = generatedSplitSizes(samples: config.samples, heldout: config.heldout).map { split -> LabeledData in
            var rng = key.fold(split.name).generator()
            let labels = balancedLabels(count: split.count, classes: config.classes, rng: &rng)
            var inputs = [Float](repeating: 0, count: split.count * d)
            for i in 0..<split.count {
                let c = Int(labels[i])
                for j in 0..<d {
                    inputs[i * d + j] = Float((centers[c * d + j] + config.spread * rng.normal()) * scale)
                }
            }
            return LabeledData(inputs: inputs, labels: labels, featureShape: [d])
        }
        return DatasetSplits(train: splits[0], validation: splits[1], test: splits[2], classes: config.classes)
    }
}

enum SpiralsGenerator {
    /// Outer radius of the arms; with radius r ~ U(0, 2)·… the coordinates have standard deviation ≈ 0.8.
    static let radius = 2.0

    /// Arm k: t ~ U(0, 1), r = radius·t, angle = 2π·(turns·t + k/classes); plus noise·N(0, I).
    static func make(_ config: SpiralsConfig) -> DatasetSplits {
        let key = RandomKey(seed: config.seed).fold("spirals")
        let c = Double(config.classes)
        let splits = generatedSplitSizes(samples: config.samples, heldout: config.heldout).map { split -> LabeledData in
            var rng = key.fold(split.name).generator()
            let labels = balancedLabels(count: split.count, classes: config.classes, rng: &rng)
            var inputs = [Float](repeating: 0, count: split.count * 2)
            for i in 0..<split.count {
                let t = rng.uniformDouble()
                let r = radius * t
                let angle = 2 * Double.pi * (config.turns * t + Double(labels[i]) / c)
                inputs[2 * i] = Float(r * cos(angle) + config.noise * rng.normal())
                inputs[2 * i + 1] = Float(r * sin(angle) + config.noise * rng.normal())
            }
            return LabeledData(inputs: inputs, labels: labels, featureShape: [2])
        }
        return DatasetSplits(train: splits[0], validation: splits[1], test: splits[2], classes: config.classes)
    }
}

/// A random one-hidden-layer tanh network that labels N(0, I) inputs: label = argmax(W2·tanh(W1·x + b1) + b2).
struct TeacherNetwork {
    let dimension: Int, hidden: Int, classes: Int
    /// hidden × dimension, std 1.5/√dimension: pre-activations of std ≈ 1.5, so tanh bends.
    var w1: [Double]
    var b1: [Double]
    /// classes × hidden, std 1/√hidden.
    var w2: [Double]
    /// Calibrated so that no class is rare (see `calibrate`).
    var b2: [Double]

    init(dimension: Int, hidden: Int, classes: Int, key: RandomKey) {
        self.dimension = dimension
        self.hidden = hidden
        self.classes = classes
        var rng = key.generator()
        let s1 = 1.5 / Double(dimension).squareRoot()
        w1 = (0..<(hidden * dimension)).map { _ in s1 * rng.normal() }
        b1 = (0..<hidden).map { _ in 0.5 * rng.normal() }
        let s2 = 1 / Double(hidden).squareRoot()
        w2 = (0..<(classes * hidden)).map { _ in s2 * rng.normal() }
        b2 = [Double](repeating: 0, count: classes)
    }

    /// Logits without b2 for one input, written into `out` (count `classes`); `h` is scratch (count `hidden`).
    func rawLogits(_ x: UnsafePointer<Float>, hiddenScratch h: inout [Double], into out: inout [Double]) {
        for u in 0..<hidden {
            var s = b1[u]
            let row = u * dimension
            for j in 0..<dimension { s += w1[row + j] * Double(x[j]) }
            h[u] = tanh(s)
        }
        for k in 0..<classes {
            var s = 0.0
            let row = k * hidden
            for u in 0..<hidden { s += w2[row + u] * h[u] }
            out[k] = s
        }
    }

    /// Raw logits (without b2) of `count` row-major inputs: count × classes.
    func rawLogits(_ inputs: [Float], count: Int) -> [Double] {
        var logits = [Double](repeating: 0, count: count * classes)
        let chunk = 256
        logits.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            inputs.withUnsafeBufferPointer { xs in
                Parallel.forEach((count + chunk - 1) / chunk) { c in
                    var h = [Double](repeating: 0, count: hidden)
                    var z = [Double](repeating: 0, count: classes)
                    for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                        rawLogits(xs.baseAddress! + i * dimension, hiddenScratch: &h, into: &z)
                        for k in 0..<classes { base[i * classes + k] = z[k] }
                    }
                }
            }
        }
        return logits
    }

    /// argmax over classes of raw logits + b2 (first index wins ties).
    func labels(rawLogits z: [Double], count: Int) -> [Int32] {
        (0..<count).map { i in
            var best = 0
            var bestValue = -Double.infinity
            for k in 0..<classes {
                let v = z[i * classes + k] + b2[k]
                if v > bestValue { bestValue = v; best = k }
            }
            return Int32(best)
        }
    }

    /// Adjusts b2 on a sample of raw logits until every class gets between half and twice its fair
    /// share 1/classes (the contract is ≥ 1/(4·classes); the margin absorbs sampling error on other
    /// draws). Two phases:
    /// 1. cheap rounds (O(count·classes) each) moving every b_k by −η_t·log(share_k·classes) in units
    ///    of the logits' spread, η_t shrinking like 1/t; this settles almost every teacher;
    /// 2. for what is still out of band (teachers with very few hidden units, where some classes win
    ///    only inside thin regions): Sinkhorn scaling of softmax((z + b)/τ) to equal class masses,
    ///    b_k −= τ·log(classes·mass_k), annealing τ down so that the soft shares approach the argmax
    ///    shares. Sinkhorn converges for every τ, unlike the hard-share updates, which can cycle.
    mutating func calibrate(rawLogits z: [Double], count: Int) {
        let mean = z.reduce(0, +) / Double(z.count)
        let spread = max(1e-6, (z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(z.count)).squareRoot())
        let fair = 1 / Double(classes)
        let band = (0.5 * fair)...(2 * fair)
        func inBand() -> Bool {
            var counts = [Int](repeating: 0, count: classes)
            for l in labels(rawLogits: z, count: count) { counts[Int(l)] += 1 }
            return counts.allSatisfy { band.contains(Double($0) / Double(count)) }
        }
        for round in 0..<100 {
            var counts = [Int](repeating: 0, count: classes)
            for l in labels(rawLogits: z, count: count) { counts[Int(l)] += 1 }
            let shares = counts.map { Double($0) / Double(count) }
            if shares.allSatisfy(band.contains) { return }
            let step = 0.3 * spread / (1 + Double(round) / 10)
            for k in 0..<classes {
                let ratio = max(shares[k], 0.25 / Double(count)) / fair
                b2[k] -= step * min(3, max(-3, log(ratio)))
            }
        }
        var tau = 0.3 * spread
        var mass = [Double](repeating: 0, count: classes)
        var row = [Double](repeating: 0, count: classes)
        for iteration in 0..<600 {
            for k in 0..<classes { mass[k] = 0 }
            for i in 0..<count {
                var top = -Double.infinity
                for k in 0..<classes {
                    row[k] = (z[i * classes + k] + b2[k]) / tau
                    top = max(top, row[k])
                }
                var total = 0.0
                for k in 0..<classes { row[k] = exp(row[k] - top); total += row[k] }
                for k in 0..<classes { mass[k] += row[k] / total }
            }
            for k in 0..<classes { b2[k] -= tau * log(max(mass[k], 1e-300) * Double(classes) / Double(count)) }
            if iteration % 5 == 4 {
                if inBand() { return }
                tau = max(1e-4 * spread, 0.8 * tau)
            }
        }
    }
}

enum TeacherStudentGenerator {
    static func make(_ config: TeacherStudentConfig) -> DatasetSplits {
        let key = RandomKey(seed: config.seed).fold("teacher_student")
        let d = config.dimension
        var teacher = TeacherNetwork(dimension: d, hidden: config.teacherHidden, classes: config.classes, key: key.fold("teacher"))

        func gaussianInputs(_ count: Int, _ name: String) -> [Float] {
            var rng = key.fold(name).generator()
            return (0..<(count * d)).map { _ in rng.normalFloat() }
        }
        // Enough calibration points that a fair share is ≥ 16 points, capped for very many classes.
        let calibrationCount = min(max(4096, 16 * config.classes), 1 << 16)
        let calibration = gaussianInputs(calibrationCount, "calibration")
        teacher.calibrate(rawLogits: teacher.rawLogits(calibration, count: calibrationCount), count: calibrationCount)

        let splits = generatedSplitSizes(samples: config.samples, heldout: config.heldout).map { split -> LabeledData in
            let inputs = gaussianInputs(split.count, split.name)
            let labels = teacher.labels(rawLogits: teacher.rawLogits(inputs, count: split.count), count: split.count)
            return LabeledData(inputs: inputs, labels: labels, featureShape: [d])
        }
        return DatasetSplits(train: splits[0], validation: splits[1], test: splits[2], classes: config.classes)
    }
}
