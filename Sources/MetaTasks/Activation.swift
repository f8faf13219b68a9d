// Activations and initializers of the MLP and CNN families.

import Foundation
import MetaCore

/// Elementwise nonlinearity. Derivatives are with respect to the pre-activation.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case relu, tanh, gelu, silu, sigmoid, leakyRelu = "leaky_relu", sin

    /// Slope of leaky ReLU for negative inputs (jax.nn.leaky_relu's default).
    public static let leakySlope: Float = 0.01

    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return max(x, 0)
        case .tanh: return Foundation.tanh(x)
        case .gelu:  // tanh approximation (jax.nn.gelu's default)
            let c: Float = 0.797_884_56  // sqrt(2/π)
            return 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x)))
        case .silu: return x / (1 + exp(-x))
        case .sigmoid: return 1 / (1 + exp(-x))
        case .leakyRelu: return x >= 0 ? x : Activation.leakySlope * x
        case .sin: return Foundation.sin(x)
        }
    }

    public func derivative(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .tanh:
            let t = Foundation.tanh(x)
            return 1 - t * t
        case .gelu:
            let c: Float = 0.797_884_56
            let u = c * (x + 0.044715 * x * x * x)
            let t = Foundation.tanh(u)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        case .silu:
            let s = 1 / (1 + exp(-x))
            return s * (1 + x * (1 - s))
        case .sigmoid:
            let s = 1 / (1 + exp(-x))
            return s * (1 - s)
        case .leakyRelu: return x >= 0 ? 1 : Activation.leakySlope
        case .sin: return cos(x)
        }
    }
}

/// How a weight matrix of shape fanIn × fanOut is drawn. Biases start at zero.
public enum Initializer: String, Codable, CaseIterable, Sendable {
    /// N(0, 2/fanIn)
    case he
    /// U(±sqrt(6/(fanIn+fanOut)))
    case glorot
    /// A random orthogonal matrix (QR of a Gaussian matrix), times `scale`.
    case orthogonal
    /// N(0, (scale² / fanIn))
    case normal

    /// Draws `fanIn × fanOut` weights, row-major (row = input unit).
    public func draw(fanIn: Int, fanOut: Int, scale: Float, rng: inout RandomGenerator) -> [Float] {
        let n = fanIn * fanOut
        switch self {
        case .he:
            return rng.normals(n, std: (2 / Float(fanIn)).squareRoot())
        case .glorot:
            let a = (6 / Float(fanIn + fanOut)).squareRoot()
            return (0..<n).map { _ in a * (2 * rng.uniformFloat() - 1) }
        case .normal:
            return rng.normals(n, std: scale / Float(fanIn).squareRoot())
        case .orthogonal:
            return Initializer.orthogonal(rows: fanIn, cols: fanOut, rng: &rng).map { $0 * scale }
        }
    }

    /// A rows × cols matrix with orthonormal rows or columns (whichever are fewer), from the QR
    /// decomposition (modified Gram–Schmidt in Double) of a Gaussian matrix, with the sign fix that
    /// makes the result Haar-distributed.
    static func orthogonal(rows: Int, cols: Int, rng: inout RandomGenerator) -> [Float] {
        let tall = rows >= cols
        let (n, k) = tall ? (rows, cols) : (cols, rows)  // n×k with n ≥ k: orthonormalize k columns
        var q = [[Double]](repeating: [], count: k)
        for j in 0..<k { q[j] = (0..<n).map { _ in rng.normal() } }
        for j in 0..<k {
            for i in 0..<j {
                var d = 0.0
                for t in 0..<n { d += q[i][t] * q[j][t] }
                for t in 0..<n { q[j][t] -= d * q[i][t] }
            }
            var norm = 0.0
            for t in 0..<n { norm += q[j][t] * q[j][t] }
            norm = norm.squareRoot()
            if norm < 1e-12 { norm = 1 }
            for t in 0..<n { q[j][t] /= norm }
        }
        var out = [Float](repeating: 0, count: rows * cols)
        for j in 0..<k {
            for t in 0..<n {
                if tall { out[t * cols + j] = Float(q[j][t]) } else { out[j * cols + t] = Float(q[j][t]) }
            }
        }
        return out
    }
}
