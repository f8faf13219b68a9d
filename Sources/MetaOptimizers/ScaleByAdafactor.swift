// Adafactor's rescaling (optax's scale_by_factored_rms + clip_by_block_rms, and optionally
// scale_by_param_block_rms), per tensor of the parameter layout. Not vectorized in C: its cost is
// dominated by the row and column means, and it is not one of the hot optimizers.

import Foundation
import MetaCore

/// One tensor's second-moment accumulators: factored (`vRow`, `vCol`) or full (`v`).
public struct AdafactorAccumulator: Codable, Sendable, Equatable {
    /// The tensor's place in the flat buffer.
    public var offset: Int
    public var shape: [Int]
    /// For a factored tensor: the axis kept by `vRow` (the second largest, optax's d1) and the axis
    /// `vRow` averages over (the largest, optax's d0). nil when not factored.
    public var rowAxis: Int?
    public var columnAxis: Int?
    /// Laid out as [rest, shape[rowAxis]] and [rest, shape[columnAxis]], `rest` enumerating the
    /// other axes in row-major order.
    public var vRow: [Float]
    public var vCol: [Float]
    /// The full accumulator of an unfactored tensor (empty when factored).
    public var v: [Float]
}

/// Adafactor's per-tensor accumulators.
public struct ScaleByAdafactorState: Codable, Sendable, Equatable {
    public var tensors: [AdafactorAccumulator]
}

/// Adafactor (Shazeer & Stern 2018, arXiv 1804.04235) as optax's `adafactor` computes it, without
/// momentum. With t = context.step + 1 − `decayOffset`, ρ_t = 1 − t^(−`decayRate`), ε = `epsilon`
/// and G = g² + ε, per tensor:
///
///   factored (its two largest dimensions are ≥ `minDimSizeToFactor`; ties pick the earlier axis as
///   the row axis i, the later as the column axis j, as numpy's argsort does):
///     R ← ρ_t·R + (1−ρ_t)·mean_j G          C ← ρ_t·C + (1−ρ_t)·mean_i G
///     u = g · (R / mean_i R)^(−½) · C^(−½)
///   otherwise:
///     V ← ρ_t·V + (1−ρ_t)·G                 u = g · V^(−½)
///
///   then clipping (`clippingThreshold` d, nil for none):  u ← u / max(1, RMS(u)/d)
///   then, with `multiplyByParameterScale`:                u ← u · max(RMS(p), 1e-3)
///   and finally u ← `scale`·u (−lr for `adafactor`).
///
/// Accumulators start at 0 (so the first update is g/√(g²+ε) before clipping). The plan — which
/// tensors are factored along which axes — is fixed by the layout given to `initialState`; a layout
/// that does not cover the parameters is treated as one vector.
public struct ScaleByAdafactor: Optimizer {
    public typealias State = ScaleByAdafactorState

    public var minDimSizeToFactor: Int
    public var decayRate: Float
    public var decayOffset: Int
    public var epsilon: Float
    public var clippingThreshold: Float?
    public var multiplyByParameterScale: Bool
    public var factored: Bool
    public var scale: Float

    public init(minDimSizeToFactor: Int = 128, decayRate: Float = 0.8, decayOffset: Int = 0, epsilon: Float = 1e-30,
                clippingThreshold: Float? = 1, multiplyByParameterScale: Bool = false, factored: Bool = true, scale: Float = 1) {
        self.minDimSizeToFactor = minDimSizeToFactor
        self.decayRate = decayRate
        self.decayOffset = decayOffset
        self.epsilon = epsilon
        self.clippingThreshold = clippingThreshold
        self.multiplyByParameterScale = multiplyByParameterScale
        self.factored = factored
        self.scale = scale
    }

    /// optax's `_factored_dims`: (row axis, column axis) = (second largest, largest), or nil.
    public func factoredAxes(_ shape: [Int]) -> (row: Int, column: Int)? {
        guard factored, shape.count >= 2 else { return nil }
        // A stable ascending argsort, like numpy's for short arrays.
        let sorted = shape.indices.sorted { shape[$0] != shape[$1] ? shape[$0] < shape[$1] : $0 < $1 }
        let row = sorted[sorted.count - 2], column = sorted[sorted.count - 1]
        return shape[row] >= minDimSizeToFactor ? (row, column) : nil
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        let tensors = layout.count == parameters.count && !layout.tensors.isEmpty
            ? layout.tensors : [TensorSpec(name: "parameters", shape: [parameters.count], offset: 0)]
        return State(tensors: tensors.map { t in
            if let axes = factoredAxes(t.shape) {
                let rest = t.count / (t.shape[axes.row] * t.shape[axes.column])
                return AdafactorAccumulator(
                    offset: t.offset, shape: t.shape, rowAxis: axes.row, columnAxis: axes.column,
                    vRow: [Float](repeating: 0, count: rest * t.shape[axes.row]),
                    vCol: [Float](repeating: 0, count: rest * t.shape[axes.column]), v: [])
            }
            return AdafactorAccumulator(offset: t.offset, shape: t.shape, rowAxis: nil, columnAxis: nil,
                                        vRow: [], vCol: [], v: [Float](repeating: 0, count: t.count))
        })
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let t = Double(context.step + 1 - decayOffset)
        let rho = Float(1 - Foundation.pow(t, -Double(decayRate)))
        updates.withUnsafeMutableBufferPointer { u in
            parameters.withUnsafeBufferPointer { p in
                for k in state.tensors.indices {
                    let count = state.tensors[k].shape.reduce(1, *)
                    let offset = state.tensors[k].offset
                    precondition(offset + count <= u.count, "ScaleByAdafactor: the state's layout does not fit \(u.count) updates")
                    let g = UnsafeMutableBufferPointer(rebasing: u[offset..<(offset + count)])
                    if state.tensors[k].rowAxis != nil {
                        Self.factoredUpdate(g, &state.tensors[k], rho: rho, epsilon: epsilon)
                    } else {
                        state.tensors[k].v.withUnsafeMutableBufferPointer { v in
                            for i in 0..<count {
                                let vi = rho * v[i] + (1 - rho) * (g[i] * g[i] + epsilon)
                                v[i] = vi
                                g[i] = g[i] / vi.squareRoot()
                            }
                        }
                    }
                    var factor: Float = scale
                    if let d = clippingThreshold {
                        factor /= max(1, Float(Self.rms(UnsafeBufferPointer(g))) / d)
                    }
                    if multiplyByParameterScale {
                        let block = UnsafeBufferPointer(rebasing: p[offset..<(offset + count)])
                        factor *= max(Float(Self.rms(block)), 1e-3)
                    }
                    for i in 0..<count { g[i] *= factor }
                }
            }
        }
    }

    static func rms(_ x: UnsafeBufferPointer<Float>) -> Double {
        x.isEmpty ? 0 : (Kernels.sumOfSquares(x) / Double(x.count)).squareRoot()
    }

    /// The factored step on one tensor `g` (in place), with means in Double.
    static func factoredUpdate(_ g: UnsafeMutableBufferPointer<Float>, _ acc: inout AdafactorAccumulator, rho: Float, epsilon: Float) {
        let shape = acc.shape
        let a = acc.rowAxis!, b = acc.columnAxis!
        var strides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        let rows = shape[a], cols = shape[b], rowStride = strides[a], colStride = strides[b]
        let restAxes = shape.indices.filter { $0 != a && $0 != b }
        let restCount = restAxes.reduce(1) { $0 * shape[$1] }
        // Base offsets of the `rest` slices, in row-major order of the remaining axes.
        var bases = [Int](repeating: 0, count: restCount)
        for r in 0..<restCount {
            var rem = r, base = 0
            for axis in restAxes.reversed() {
                base += (rem % shape[axis]) * strides[axis]
                rem /= shape[axis]
            }
            bases[r] = base
        }
        var rowMean = [Double](repeating: 0, count: rows)
        var colMean = [Double](repeating: 0, count: cols)
        var rowFactor = [Float](repeating: 0, count: rows)
        var colFactor = [Float](repeating: 0, count: cols)
        let eps = Double(epsilon)
        for r in 0..<restCount {
            let base = bases[r]
            for i in 0..<rows { rowMean[i] = 0 }
            for j in 0..<cols { colMean[j] = 0 }
            for i in 0..<rows {
                var s = 0.0
                let ri = base + i * rowStride
                for j in 0..<cols {
                    let x = Double(g[ri + j * colStride])
                    let sq = x * x + eps
                    s += sq
                    colMean[j] += sq
                }
                rowMean[i] = s
            }
            var rowSum = 0.0
            for i in 0..<rows {
                let vi = rho * acc.vRow[r * rows + i] + (1 - rho) * Float(rowMean[i] / Double(cols))
                acc.vRow[r * rows + i] = vi
                rowSum += Double(vi)
            }
            let rowAverage = Float(rowSum / Double(rows))
            for i in 0..<rows { rowFactor[i] = 1 / (acc.vRow[r * rows + i] / rowAverage).squareRoot() }
            for j in 0..<cols {
                let vj = rho * acc.vCol[r * cols + j] + (1 - rho) * Float(colMean[j] / Double(rows))
                acc.vCol[r * cols + j] = vj
                colFactor[j] = 1 / vj.squareRoot()
            }
            for i in 0..<rows {
                let ri = base + i * rowStride
                for j in 0..<cols { g[ri + j * colStride] *= rowFactor[i] * colFactor[j] }
            }
        }
    }
}
