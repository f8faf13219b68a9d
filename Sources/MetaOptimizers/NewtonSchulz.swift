// Muon's orthogonalization: a quintic Newton–Schulz iteration on one matrix, its products through BLAS.
// Deliberately not here: momentum, scaling and which tensors it applies to (Muon.swift).

import Foundation
import MetaCore

/// Approximate orthogonalization of a matrix by Newton–Schulz iterations (Jordan 2024, modded-nanogpt;
/// optax.contrib's `orthogonalize_via_newton_schulz` with Frobenius preconditioning):
///
///     X ← G / (‖G‖_F + ε)                  (Xᵀ first when G has more rows than columns)
///     repeat `steps` times:  A = X·Xᵀ;  B = b·A + c·A·A;  X ← a·X + B·X
///
/// with (a, b, c) = `coefficients`, optax's (3.4445, −4.7750, 2.0315) by default. The coefficients
/// maximize the slope at zero rather than converge: the result is U·S′·Vᵀ with S′ roughly in (0.5, 1.5)
/// where G = U·S·Vᵀ, not exactly U·Vᵀ. The iteration commutes with transposition (f(Xᵀ) = f(X)ᵀ), so a
/// tall matrix is iterated as its transpose, where X·Xᵀ is the smaller Gram matrix.
public enum NewtonSchulz {
    /// optax's `_DEFAULT_NS_COEFFS` (Keller Jordan's).
    public static let defaultCoefficients: (a: Float, b: Float, c: Float) = (3.4445, -4.7750, 2.0315)

    /// Replaces the `rows`×`cols` row-major matrix at `matrix` with its orthogonalization.
    public static func orthogonalize(_ matrix: UnsafeMutablePointer<Float>, rows: Int, cols: Int, steps: Int = 5,
                                     epsilon: Float = 1e-8,
                                     coefficients: (a: Float, b: Float, c: Float) = defaultCoefficients) {
        precondition(rows > 0 && cols > 0 && steps >= 0, "NewtonSchulz: a \(rows)×\(cols) matrix, \(steps) steps")
        let count = rows * cols
        let transposed = rows > cols
        // X is m×n with m ≤ n.
        let m = transposed ? cols : rows, n = transposed ? rows : cols
        var x = [Float](repeating: 0, count: count)
        if transposed {
            for i in 0..<rows { for j in 0..<cols { x[j * rows + i] = matrix[i * cols + j] } }
        } else {
            x.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: matrix, count: count) }
        }
        let norm = Float(x.withUnsafeBufferPointer { Kernels.sumOfSquares($0) }.squareRoot())
        let denominator = norm + epsilon
        for i in 0..<count { x[i] /= denominator }

        var a = [Float](repeating: 0, count: m * m)
        var b = [Float](repeating: 0, count: m * m)
        var bx = [Float](repeating: 0, count: count)
        for _ in 0..<steps {
            x.withUnsafeBufferPointer { xp in
                a.withUnsafeMutableBufferPointer { ap in
                    BLAS.gemm(transB: true, m: m, n: m, k: n, a: xp.baseAddress!, b: xp.baseAddress!, c: ap.baseAddress!)
                }
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeMutableBufferPointer { bp in
                        BLAS.gemm(m: m, n: m, k: m, alpha: coefficients.c, a: ap.baseAddress!, b: ap.baseAddress!, c: bp.baseAddress!)
                        for i in 0..<(m * m) { bp[i] = coefficients.b * ap[i] + bp[i] }
                    }
                }
                b.withUnsafeBufferPointer { bp in
                    bx.withUnsafeMutableBufferPointer { bxp in
                        BLAS.gemm(m: m, n: n, k: m, a: bp.baseAddress!, b: xp.baseAddress!, c: bxp.baseAddress!)
                    }
                }
            }
            for i in 0..<count { x[i] = coefficients.a * x[i] + bx[i] }
        }

        if transposed {
            for i in 0..<rows { for j in 0..<cols { matrix[i * cols + j] = x[j * rows + i] } }
        } else {
            x.withUnsafeBufferPointer { matrix.update(from: $0.baseAddress!, count: count) }
        }
    }
}
