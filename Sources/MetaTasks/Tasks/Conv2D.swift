// The layers of the small CNN family: 3×3 convolution with padding 1 and global mean pooling.
// Activations are NHWC (batch, height, width, channels), weights HWIO (3 × 3 × Cin × Cout), so a
// convolution is im2col (one row per output pixel, 9·Cin columns ordered ky, kx, c) times the weights
// viewed as a (9·Cin) × Cout matrix, through OpenBLAS; a one-channel input takes a direct C kernel
// instead (a gemm with k = 9 wastes most of its time packing). The pointer functions are what
// `CNNNetwork` runs; the array functions wrap them for tests and tools.
// Not here: other kernel sizes, padding or dilation (the zoo does not use them).

import CKernels
import MetaCore

/// Shapes of one 3×3 convolution with padding 1: `outHeight = (height + 2 − 3) / stride + 1`.
public struct Conv3x3Geometry: Hashable, Sendable {
    public let height: Int
    public let width: Int
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int

    public init(height: Int, width: Int, inChannels: Int, outChannels: Int, stride: Int) {
        precondition(height > 0 && width > 0 && inChannels > 0 && outChannels > 0, "empty convolution")
        precondition(stride == 1 || stride == 2, "stride must be 1 or 2")
        self.height = height
        self.width = width
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
    }

    public var outHeight: Int { (height - 1) / stride + 1 }
    public var outWidth: Int { (width - 1) / stride + 1 }
    /// Values of one input image (H·W·Cin).
    public var inputCount: Int { height * width * inChannels }
    /// Output pixels of one image (Ho·Wo).
    public var outPixels: Int { outHeight * outWidth }
    /// Values of one output image (Ho·Wo·Cout).
    public var outputCount: Int { outPixels * outChannels }
    /// Columns of the im2col matrix and rows of the weight matrix (9·Cin).
    public var patchLength: Int { 9 * inChannels }
    /// Weights (3·3·Cin·Cout).
    public var weightCount: Int { patchLength * outChannels }
    /// Whether the direct one-channel kernels replace im2col + gemm.
    var isDirect: Bool { inChannels == 1 }
    /// im2col scratch floats per image (0 on the direct path).
    var columnCount: Int { isDirect ? 0 : outPixels * patchLength }
}

/// 3×3 convolution (padding 1) and its gradients over raw NHWC buffers.
public enum Conv3x3 {
    /// z ← conv(x, weights) + bias for `batch` images. `columns` is scratch of
    /// `batch · geometry.columnCount` floats and holds the im2col matrix afterwards (the weight
    /// gradient reads it).
    static func forward(
        _ g: Conv3x3Geometry, batch: Int, input x: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, output z: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>?
    ) {
        if g.isDirect {
            mt_conv3x3_c1_forward(batch, g.height, g.width, g.stride, g.outHeight, g.outWidth, g.outChannels, x, weights, bias, z)
            return
        }
        let col = columns!
        let rows = batch * g.outPixels
        mt_im2col3x3(batch, g.height, g.width, g.inChannels, g.stride, g.outHeight, g.outWidth, x, col)
        mt_fill_rows(rows, g.outChannels, bias, z)
        BLAS.gemm(m: rows, n: g.outChannels, k: g.patchLength, a: col, b: weights, beta: 1, c: z)
    }

    /// Weight and bias gradients from dz (the gradient at the convolution's output), overwritten.
    /// `columns` must hold the im2col matrix of `x` left by `forward` (ignored on the direct path).
    static func parameterGradient(
        _ g: Conv3x3Geometry, batch: Int, input x: UnsafePointer<Float>, columns: UnsafePointer<Float>?,
        outputGradient dz: UnsafePointer<Float>, weightGradient dw: UnsafeMutablePointer<Float>,
        biasGradient db: UnsafeMutablePointer<Float>
    ) {
        let rows = batch * g.outPixels
        mt_column_sums(rows, g.outChannels, dz, db)
        if g.isDirect {
            mt_conv3x3_c1_filter_gradient(batch, g.height, g.width, g.stride, g.outHeight, g.outWidth, g.outChannels, x, dz, dw)
        } else {
            // dW (9Cin × Cout) = colᵀ · dZ
            BLAS.gemm(transA: true, m: g.patchLength, n: g.outChannels, k: rows, a: columns!, b: dz, c: dw)
        }
    }

    /// dx (overwritten) ← the gradient at the input, from dz: dCol = dZ · Wᵀ, then col2im.
    /// `columns` is scratch of `batch · 9·Cin · Ho·Wo` floats (also on the direct path).
    static func inputGradient(
        _ g: Conv3x3Geometry, batch: Int, weights: UnsafePointer<Float>, outputGradient dz: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>
    ) {
        let rows = batch * g.outPixels
        BLAS.gemm(transB: true, m: rows, n: g.patchLength, k: g.outChannels, a: dz, b: weights, c: columns)
        mt_col2im3x3(batch, g.height, g.width, g.inChannels, g.stride, g.outHeight, g.outWidth, columns, dx)
    }

    /// Convolution of `batch` NHWC images (`batch · inputCount` values) with HWIO weights and a
    /// bias; returns `batch · outputCount` values.
    public static func forward(
        _ g: Conv3x3Geometry, batch: Int, input: [Float], weights: [Float], bias: [Float]
    ) -> [Float] {
        precondition(input.count == batch * g.inputCount && weights.count == g.weightCount && bias.count == g.outChannels)
        var z = [Float](repeating: 0, count: batch * g.outputCount)
        var col = [Float](repeating: 0, count: max(1, batch * g.columnCount))
        z.withUnsafeMutableBufferPointer { zp in
            col.withUnsafeMutableBufferPointer { cp in
                forward(g, batch: batch, input: input, weights: weights, bias: bias, output: zp.baseAddress!, columns: cp.baseAddress!)
            }
        }
        return z
    }

    /// Gradients of `Σ outputGradient · forward(input)`: with respect to the input, the weights
    /// (HWIO) and the bias.
    public static func backward(
        _ g: Conv3x3Geometry, batch: Int, input: [Float], weights: [Float], outputGradient: [Float]
    ) -> (input: [Float], weights: [Float], bias: [Float]) {
        precondition(input.count == batch * g.inputCount && weights.count == g.weightCount)
        precondition(outputGradient.count == batch * g.outputCount)
        var dx = [Float](repeating: 0, count: input.count)
        var dw = [Float](repeating: 0, count: g.weightCount)
        var db = [Float](repeating: 0, count: g.outChannels)
        var col = [Float](repeating: 0, count: batch * g.outPixels * g.patchLength)
        var z = [Float](repeating: 0, count: batch * g.outputCount)
        let zeroBias = [Float](repeating: 0, count: g.outChannels)
        col.withUnsafeMutableBufferPointer { cp in
            z.withUnsafeMutableBufferPointer { zp in
                forward(g, batch: batch, input: input, weights: weights, bias: zeroBias, output: zp.baseAddress!, columns: cp.baseAddress!)
            }
            dw.withUnsafeMutableBufferPointer { dwp in
                db.withUnsafeMutableBufferPointer { dbp in
                    parameterGradient(
                        g, batch: batch, input: input, columns: cp.baseAddress!, outputGradient: outputGradient,
                        weightGradient: dwp.baseAddress!, biasGradient: dbp.baseAddress!)
                }
            }
            dx.withUnsafeMutableBufferPointer { dxp in
                inputGradient(g, batch: batch, weights: weights, outputGradient: outputGradient, inputGradient: dxp.baseAddress!, columns: cp.baseAddress!)
            }
        }
        return (dx, dw, db)
    }
}

/// Global mean pooling over height × width of NHWC activations.
public enum MeanPool {
    /// `batch · channels` means of `batch` images of `pixels · channels` values each.
    public static func forward(_ x: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
        precondition(x.count == batch * pixels * channels)
        var out = [Float](repeating: 0, count: batch * channels)
        out.withUnsafeMutableBufferPointer { mt_mean_pool_forward(batch, pixels, channels, x, $0.baseAddress!) }
        return out
    }

    /// The gradient at the input from the gradient at the pooled output.
    public static func backward(_ pooledGradient: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
        precondition(pooledGradient.count == batch * channels)
        var dx = [Float](repeating: 0, count: batch * pixels * channels)
        dx.withUnsafeMutableBufferPointer { mt_mean_pool_backward(batch, pixels, channels, pooledGradient, $0.baseAddress!) }
        return dx
    }
}
