// A random orthogonal map of R^d applied in O(d log d) time and memory, for the quadratic tasks'
// rotated Hessians. Deliberately not a dense Haar matrix: building one (QR of a Gaussian matrix) is
// O(d³) and a dense matvec reads d² floats per step; this map costs ~2⌈log₂d⌉·d flops·few.

import Foundation
import MetaCore

/// Q = L_k ⋯ L_1, each layer `L_l = G_l P_l`: a random permutation P_l ((P x)_j = x_{π_l(j)}) followed by
/// h = ⌊d/2⌋ independent Givens rotations G_l, rotation j turning the pair (j, j + h) by a uniform angle
/// θ_{l,j} ∈ [0, 2π) (for odd d the last coordinate passes through that layer unrotated).
///
/// With k = 2⌈log₂ d⌉ layers every output coordinate depends on every input and the rows of Q (the
/// Hessian's eigenvectors) are spread over all coordinates like random unit vectors (participation
/// ratio near the Haar value d/3, checked in the tests). A product of a few Householder reflections,
/// the other cheap option, leaves Q = I on all but k dimensions, so H would stay nearly diagonal and
/// per-coordinate preconditioners would see an axis-aligned problem.
struct RandomRotation: Sendable {
    let dimension: Int
    let layers: Int
    /// π_l for every layer, `layers × dimension`.
    let permutations: [Int32]
    /// cos θ_{l,j} and sin θ_{l,j}, `layers × half` each.
    let cosines: [Float]
    let sines: [Float]

    var half: Int { dimension / 2 }

    /// 2⌈log₂ d⌉ (0 for d = 1): even, so `apply` ends in the buffer it started in.
    static func layerCount(dimension: Int) -> Int {
        dimension <= 1 ? 0 : 2 * Int((Double(dimension)).log2Ceiling)
    }

    init(dimension: Int, key: RandomKey, layers: Int? = nil) {
        precondition(dimension >= 1)
        self.dimension = dimension
        let k = layers ?? Self.layerCount(dimension: dimension)
        precondition(k % 2 == 0, "an even layer count keeps results in the caller's buffer")
        self.layers = k
        let h = dimension / 2
        var perms = [Int32](); perms.reserveCapacity(k * dimension)
        var cs = [Float](); cs.reserveCapacity(k * h)
        var ss = [Float](); ss.reserveCapacity(k * h)
        for l in 0..<k {
            var rng = key.fold(UInt64(l)).generator()
            perms.append(contentsOf: rng.permutation(dimension).map { Int32($0) })
            for _ in 0..<h {
                let theta = 2 * Double.pi * rng.uniformDouble()
                cs.append(Float(cos(theta)))
                ss.append(Float(sin(theta)))
            }
        }
        permutations = perms
        cosines = cs
        sines = ss
    }

    /// x ← Q x, using `scratch` (d elements) as the other half of a ping-pong pair.
    func apply<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>) {
        let d = dimension, h = half
        permutations.withUnsafeBufferPointer { perm in
            cosines.withUnsafeBufferPointer { cosine in
                sines.withUnsafeBufferPointer { sine in
                    var src = x, dst = scratch
                    for l in 0..<layers {
                        let p = perm.baseAddress! + l * d
                        let c = cosine.baseAddress! + l * h, s = sine.baseAddress! + l * h
                        for j in 0..<h {
                            let u = src[Int(p[j])], v = src[Int(p[j + h])]
                            let cj = T(c[j]), sj = T(s[j])
                            dst[j] = cj * u - sj * v
                            dst[j + h] = sj * u + cj * v
                        }
                        if d & 1 == 1 { dst[d - 1] = src[Int(p[d - 1])] }
                        swap(&src, &dst)
                    }
                }
            }
        }
    }

    /// x ← Qᵀ x, using `scratch` (d elements).
    func applyTranspose<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>) {
        let d = dimension, h = half
        permutations.withUnsafeBufferPointer { perm in
            cosines.withUnsafeBufferPointer { cosine in
                sines.withUnsafeBufferPointer { sine in
                    var src = x, dst = scratch
                    for l in stride(from: layers - 1, through: 0, by: -1) {
                        let p = perm.baseAddress! + l * d
                        let c = cosine.baseAddress! + l * h, s = sine.baseAddress! + l * h
                        for j in 0..<h {
                            let u = src[j], v = src[j + h]
                            let cj = T(c[j]), sj = T(s[j])
                            dst[Int(p[j])] = cj * u + sj * v
                            dst[Int(p[j + h])] = cj * v - sj * u
                        }
                        if d & 1 == 1 { dst[Int(p[d - 1])] = src[d - 1] }
                        swap(&src, &dst)
                    }
                }
            }
        }
    }

    /// Q x for an array (convenience for tests and tools).
    func applied<T: BinaryFloatingPoint>(to x: [T], transpose: Bool = false) -> [T] {
        precondition(x.count == dimension)
        var out = x
        var scratch = [T](repeating: 0, count: dimension)
        out.withUnsafeMutableBufferPointer { o in
            scratch.withUnsafeMutableBufferPointer { s in
                if transpose {
                    applyTranspose(o.baseAddress!, scratch: s.baseAddress!)
                } else {
                    apply(o.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
        return out
    }
}

extension Double {
    /// ⌈log₂ self⌉ for self ≥ 1, computed exactly for powers of two.
    fileprivate var log2Ceiling: Int {
        var k = 0, p = 1.0
        while p < self { p *= 2; k += 1 }
        return k
    }
}
