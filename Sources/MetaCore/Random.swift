// One explicit, splittable, seeded source of randomness (JAX's key discipline): a `RandomKey` is a
// value; `split` and `fold` derive independent child keys; a `RandomGenerator` drawn from a key
// produces a stream. Same seed → bit-identical results on every platform (no Foundation randomness,
// no platform-dependent float formatting of draws).

import CKernels
import Foundation

@inline(__always)
func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A splittable random key. Keys are cheap values; derive a child key for every independent use.
public struct RandomKey: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: UInt64

    /// The root key of a seed.
    public init(seed: UInt64) { value = splitMix64(seed ^ 0x6A09_E667_F3BC_C908) }

    init(raw: UInt64) { value = raw }

    /// The child key number `index` (different indices give independent keys).
    public func fold(_ index: UInt64) -> RandomKey {
        RandomKey(raw: splitMix64(value ^ splitMix64(index &+ 0xA076_1D64_78BD_642F)))
    }

    /// The child key named `name` (FNV-1a of the UTF-8 bytes, folded in).
    public func fold(_ name: String) -> RandomKey {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return fold(h)
    }

    /// `n` independent child keys.
    public func split(_ n: Int) -> [RandomKey] { (0..<n).map { fold(UInt64($0)) } }

    /// A generator whose stream is determined by this key.
    public func generator() -> RandomGenerator { RandomGenerator(key: self) }

    public var description: String { "RandomKey(\(value))" }
}

/// xoshiro256** seeded from a key through SplitMix64.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Double?

    public init(key: RandomKey) {
        var x = key.value
        x = splitMix64(x); s0 = x
        x = splitMix64(x); s1 = x
        x = splitMix64(x); s2 = x
        x = splitMix64(x); s3 = x
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniformDouble()
    }

    /// Log-uniform in [low, high] (both > 0): uniform in the exponent, as for ranges spanning decades.
    public mutating func logUniform(_ low: Double, _ high: Double) -> Double {
        precondition(low > 0 && high >= low, "logUniform needs 0 < low ≤ high")
        return exp(uniform(log(low), log(high)))
    }

    /// Log-uniform integer in [low, high], both inclusive.
    public mutating func logUniformInt(_ low: Int, _ high: Int) -> Int {
        let x = logUniform(Double(low), Double(high) + 1)
        return min(high, max(low, Int(x.rounded(.down))))
    }

    /// Uniform integer in 0..<n (unbiased: rejection of the short tail).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// Uniform integer in the closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// Standard normal (Box–Muller in Double).
    public mutating func normal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniformDouble()
        while u1 <= 0 { u1 = uniformDouble() }
        let u2 = uniformDouble()
        let r = (-2 * log(u1)).squareRoot()
        let a = 2 * Double.pi * u2
        spareNormal = r * sin(a)
        return r * cos(a)
    }

    /// Standard normal as Float.
    public mutating func normalFloat() -> Float { Float(normal()) }

    /// `count` normal draws scaled by `std` by the ziggurat method (a C kernel on this generator's
    /// stream): several times faster than `normals`, and a different sequence. Meta-training draws its
    /// perturbations (tens of thousands per task and step) with it.
    public mutating func zigguratNormals(_ count: Int, std: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var s: [UInt64] = [s0, s1, s2, s3]
        out.withUnsafeMutableBufferPointer { o in
            s.withUnsafeMutableBufferPointer { sp in
                if let base = o.baseAddress { mt_ziggurat_normals(count, base, std, sp.baseAddress!) }
            }
        }
        (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3])
        return out
    }

    /// `count` normal draws scaled by `std`.
    public mutating func normals(_ count: Int, std: Float = 1) -> [Float] {
        (0..<count).map { _ in std * normalFloat() }
    }

    /// `count` draws of a standard normal truncated to [−2, 2] (rejection: out-of-range draws are
    /// redrawn), scaled by `std`; their standard deviation is about 0.88·std.
    public mutating func truncatedNormals(_ count: Int, std: Float = 1) -> [Float] {
        (0..<count).map { _ in
            var z = normalFloat()
            while abs(z) > 2 { z = normalFloat() }
            return std * z
        }
    }

    /// A uniformly chosen element.
    public mutating func choice<T>(_ elements: [T]) -> T {
        elements[int(below: elements.count)]
    }

    /// An element chosen with the given (unnormalized, non-negative) weights.
    public mutating func choice<T>(_ elements: [T], weights: [Double]) -> T {
        precondition(elements.count == weights.count && !elements.isEmpty)
        let total = weights.reduce(0, +)
        var u = uniformDouble() * total
        for (e, w) in zip(elements, weights) {
            if u < w { return e }
            u -= w
        }
        return elements[elements.count - 1]
    }

    /// A random permutation of 0..<n (Fisher–Yates, own draws: deterministic).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                p.swapAt(i, int(below: i + 1))
            }
        }
        return p
    }
}
