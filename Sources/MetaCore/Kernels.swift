// Swift entry points to the vectorized C kernels (CKernels), over Swift arrays.

import CKernels

public enum Kernels {
    /// The instruction set the C kernels dispatch to on this CPU.
    public static var cpuLevelName: String {
        switch mt_cpu_level() {
        case 3: return "avx512"
        case 2: return "avx2+fma"
        case 1: return "x86-64"
        default: return "generic"
        }
    }

    /// y += a·x
    public static func axpy(_ a: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count)
        if x.isEmpty { return }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                mt_axpy(x.count, a, xp.baseAddress!, yp.baseAddress!)
            }
        }
    }

    /// Σ x² accumulated in Double.
    public static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        guard let base = x.baseAddress else { return 0 }
        return mt_sum_squares(x.count, base)
    }
}


import Foundation
