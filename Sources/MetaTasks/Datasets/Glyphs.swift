// Procedural glyph images: 26 stroke prototypes (digit-like and letter/shape-like) in a unit square,
// drawn with anti-aliased strokes under a random affine transform, random stroke width and Gaussian
// pixel noise. Each image has its own key (split key folded with its index), so images do not depend
// on the thread count that renders them.

import Foundation
import MetaCore

/// One glyph: a set of strokes in the unit square (x right, y down), each a polyline.
struct GlyphPrototype {
    var name: String
    var strokes: [[SIMD2<Double>]]

    static func line(_ points: (Double, Double)...) -> [SIMD2<Double>] {
        points.map { SIMD2($0.0, $0.1) }
    }

    /// An elliptical arc around (cx, cy) with radii (rx, ry) from angle `from` to `to` (degrees;
    /// 0° is +x, 90° is down since y points down), as a polyline of ≤ 15° pieces.
    static func arc(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, from: Double = 0, to: Double = 360) -> [SIMD2<Double>] {
        let pieces = max(2, Int((abs(to - from) / 15).rounded(.up)))
        return (0...pieces).map { i in
            let a = (from + (to - from) * Double(i) / Double(pieces)) * Double.pi / 180
            return SIMD2(cx + rx * cos(a), cy + ry * sin(a))
        }
    }

    /// The 26 prototypes; a dataset with `classes` classes uses a seed-dependent choice of them.
    static let all: [GlyphPrototype] = [
        GlyphPrototype(name: "0", strokes: [arc(0.5, 0.5, 0.3, 0.4)]),
        GlyphPrototype(name: "1", strokes: [line((0.3, 0.3), (0.5, 0.1), (0.5, 0.9)), line((0.3, 0.9), (0.7, 0.9))]),
        GlyphPrototype(name: "2", strokes: [arc(0.5, 0.32, 0.25, 0.22, from: 180, to: 405) + line((0.25, 0.9), (0.78, 0.9))]),
        GlyphPrototype(name: "3", strokes: [arc(0.5, 0.3, 0.22, 0.2, from: 200, to: 450), arc(0.5, 0.7, 0.25, 0.2, from: 270, to: 520)]),
        GlyphPrototype(name: "4", strokes: [line((0.6, 0.1), (0.2, 0.65), (0.8, 0.65)), line((0.6, 0.1), (0.6, 0.9))]),
        GlyphPrototype(name: "5", strokes: [line((0.75, 0.1), (0.3, 0.1), (0.28, 0.47)), arc(0.5, 0.66, 0.25, 0.23, from: 220, to: 500)]),
        GlyphPrototype(name: "6", strokes: [line((0.68, 0.1), (0.29, 0.62)), arc(0.5, 0.68, 0.22, 0.2)]),
        GlyphPrototype(name: "7", strokes: [line((0.2, 0.1), (0.8, 0.1), (0.4, 0.9))]),
        GlyphPrototype(name: "8", strokes: [arc(0.5, 0.29, 0.18, 0.18), arc(0.5, 0.69, 0.23, 0.21)]),
        GlyphPrototype(name: "9", strokes: [arc(0.5, 0.32, 0.22, 0.2), line((0.72, 0.34), (0.6, 0.9))]),
        GlyphPrototype(name: "A", strokes: [line((0.2, 0.9), (0.5, 0.1), (0.8, 0.9)), line((0.32, 0.6), (0.68, 0.6))]),
        GlyphPrototype(name: "X", strokes: [line((0.2, 0.1), (0.8, 0.9)), line((0.8, 0.1), (0.2, 0.9))]),
        GlyphPrototype(name: "+", strokes: [line((0.5, 0.1), (0.5, 0.9)), line((0.1, 0.5), (0.9, 0.5))]),
        GlyphPrototype(name: "H", strokes: [line((0.25, 0.1), (0.25, 0.9)), line((0.75, 0.1), (0.75, 0.9)), line((0.25, 0.5), (0.75, 0.5))]),
        GlyphPrototype(name: "T", strokes: [line((0.15, 0.1), (0.85, 0.1)), line((0.5, 0.1), (0.5, 0.9))]),
        GlyphPrototype(name: "L", strokes: [line((0.3, 0.1), (0.3, 0.9), (0.8, 0.9))]),
        GlyphPrototype(name: "V", strokes: [line((0.2, 0.1), (0.5, 0.9), (0.8, 0.1))]),
        GlyphPrototype(name: "triangle", strokes: [line((0.5, 0.12), (0.88, 0.85), (0.12, 0.85), (0.5, 0.12))]),
        GlyphPrototype(name: "square", strokes: [line((0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2))]),
        GlyphPrototype(name: "C", strokes: [arc(0.55, 0.5, 0.32, 0.4, from: 45, to: 315)]),
        GlyphPrototype(name: "S", strokes: [arc(0.5, 0.3, 0.22, 0.2, from: 90, to: 330), arc(0.5, 0.7, 0.22, 0.2, from: 270, to: 510)]),
        GlyphPrototype(name: "U", strokes: [line((0.25, 0.1), (0.25, 0.6)) + arc(0.5, 0.6, 0.25, 0.3, from: 180, to: 0) + line((0.75, 0.6), (0.75, 0.1))]),
        GlyphPrototype(name: "E", strokes: [line((0.78, 0.1), (0.3, 0.1), (0.3, 0.9), (0.78, 0.9)), line((0.3, 0.5), (0.7, 0.5))]),
        GlyphPrototype(name: "N", strokes: [line((0.25, 0.9), (0.25, 0.1), (0.75, 0.9), (0.75, 0.1))]),
        GlyphPrototype(name: "M", strokes: [line((0.15, 0.9), (0.2, 0.1), (0.5, 0.6), (0.8, 0.1), (0.85, 0.9))]),
        GlyphPrototype(name: "Y", strokes: [line((0.2, 0.1), (0.5, 0.5), (0.8, 0.1)), line((0.5, 0.5), (0.5, 0.9))]),
    ]
}

enum GlyphsGenerator {
    /// The glyph box covers this fraction of the image side before jitter.
    static let boxFraction = 0.72
    /// Stroke width as a fraction of the image side (before the random width factor).
    static let strokeWidthFraction = 0.085

    /// The prototypes a config uses, in class order: a seed-dependent choice of `classes` of the 26.
    static func prototypes(_ config: GlyphsConfig) -> [GlyphPrototype] {
        var rng = RandomKey(seed: config.seed).fold("glyphs").fold("prototypes").generator()
        return rng.permutation(GlyphPrototype.all.count).prefix(config.classes).map { GlyphPrototype.all[$0] }
    }

    static func make(_ config: GlyphsConfig) -> DatasetSplits {
        let key = RandomKey(seed: config.seed).fold("glyphs")
        let glyphs = prototypes(config)
        let n = config.size
        let splits = generatedSplitSizes(samples: config.samples, heldout: config.heldout).map { split -> LabeledData in
            let splitKey = key.fold(split.name)
            var rng = splitKey.fold("labels").generator()
            let labels = balancedLabels(count: split.count, classes: config.classes, rng: &rng)
            var inputs = [Float](repeating: 0, count: split.count * n * n)
            let chunk = 64
            inputs.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                Parallel.forEach((split.count + chunk - 1) / chunk) { c in
                    var renderer = GlyphRenderer(size: n)
                    for i in (c * chunk)..<min(split.count, (c + 1) * chunk) {
                        var imageRNG = splitKey.fold(UInt64(i)).generator()
                        renderer.draw(glyphs[Int(labels[i])], jitter: config.jitter, noise: config.noise,
                                      rng: &imageRNG, into: base + i * n * n)
                    }
                }
            }
            return LabeledData(inputs: inputs, labels: labels, featureShape: [n, n, 1])
        }
        return DatasetSplits(train: splits[0], validation: splits[1], test: splits[2], classes: config.classes)
    }
}

/// Draws one glyph into a size×size buffer. Reuses its segment scratch between images.
struct GlyphRenderer {
    let size: Int
    private var segments: [(SIMD2<Double>, SIMD2<Double>)] = []

    init(size: Int) { self.size = size }

    /// A normal draw clamped to ±2 so that rare extreme transforms do not push glyphs out of frame.
    private static func clampedNormal(_ rng: inout RandomGenerator) -> Double {
        min(2, max(-2, rng.normal()))
    }

    /// The glyph under a random affine map (jitter j: rotation std 1.2·j rad, log-scale std j,
    /// log-aspect std j/2, shear std j, shift std 0.35·j of the image side; each draw clamped to
    /// ±2 std), stroke width × U(0.75, 1.3), then + noise·N(0, 1) per pixel, clipped to [0, 1].
    /// Ink is 1 on a 0 background.
    mutating func draw(_ glyph: GlyphPrototype, jitter j: Double, noise: Double, rng: inout RandomGenerator,
                       into image: UnsafeMutablePointer<Float>) {
        let n = Double(size)
        let angle = 1.2 * j * Self.clampedNormal(&rng)
        let scale = exp(j * Self.clampedNormal(&rng))
        let aspect = exp(0.5 * j * Self.clampedNormal(&rng))
        let shear = j * Self.clampedNormal(&rng)
        let shift = SIMD2(0.35 * j * Self.clampedNormal(&rng), 0.35 * j * Self.clampedNormal(&rng))
        let halfWidth = 0.5 * GlyphsGenerator.strokeWidthFraction * n * rng.uniform(0.75, 1.3)

        // p ↦ size·(0.5 + shift + box·R·Shear·diag(scale·aspect, scale/aspect)·(p − 0.5)), in pixels
        // with pixel centers at integer + 0.5.
        let (c, s) = (cos(angle), sin(angle))
        let sx = scale * aspect, sy = scale / aspect
        // Shear then rotate: M = R · [[1, shear], [0, 1]] · diag(sx, sy).
        let m00 = c * sx, m01 = (c * shear - s) * sy
        let m10 = s * sx, m11 = (s * shear + c) * sy
        let k = GlyphsGenerator.boxFraction * n
        let origin = n * (SIMD2(0.5, 0.5) + shift)
        func map(_ p: SIMD2<Double>) -> SIMD2<Double> {
            let q = p - 0.5
            return origin + k * SIMD2(m00 * q.x + m01 * q.y, m10 * q.x + m11 * q.y)
        }
        segments.removeAll(keepingCapacity: true)
        for stroke in glyph.strokes {
            var previous = map(stroke[0])
            for point in stroke.dropFirst() {
                let next = map(point)
                segments.append((previous, next))
                previous = next
            }
        }

        for i in 0..<(size * size) { image[i] = 0 }
        // Coverage of a pixel by a stroke of half width w at distance d from its center is
        // approximated by clamp(w + 0.5 − d, 0, 1): a one-pixel linear ramp at the stroke's edge.
        let reach = halfWidth + 0.5
        for (a, b) in segments {
            let x0 = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
            let x1 = min(size - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
            let y0 = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
            let y1 = min(size - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
            if x0 > x1 || y0 > y1 { continue }
            let ab = b - a
            let lengthSquared = max(1e-12, (ab * ab).sum())
            for y in y0...y1 {
                for x in x0...x1 {
                    let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                    let ap = p - a
                    let t = min(1, max(0, (ap * ab).sum() / lengthSquared))
                    let r = ap - t * ab
                    let d = (r * r).sum().squareRoot()
                    let coverage = Float(min(1, max(0, reach - d)))
                    let index = y * size + x
                    if coverage > image[index] { image[index] = coverage }
                }
            }
        }
        if noise > 0 {
            let sigma = Float(noise)
            for i in 0..<(size * size) {
                image[i] = min(1, max(0, image[i] + sigma * rng.normalFloat()))
            }
        }
    }
}
