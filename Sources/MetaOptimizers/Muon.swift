// Muon (optax.contrib.muon): Newton–Schulz orthogonalized Nesterov momentum on the matrices of the
// layout, (N)AdamW on every other tensor, one optimizer over the flat buffer.

import CKernels
import Foundation
import MetaCore

/// Muon's moments: `mu`, the momentum of every tensor (Muon's on the matrices, Adam's first moment on
/// the others), and `nu`, Adam's second moment (zero, unused, on the matrices).
public struct MuonState: Codable, Sendable, Equatable {
    public var mu: [Float]
    public var nu: [Float]
}

/// MomentUm Orthogonalized by Newton–Schulz (Jordan et al. 2024, "Muon: An optimizer for hidden
/// layers in neural networks", kellerjordan.github.io/posts/muon; Bernstein & Newhouse 2024, arXiv
/// 2409.20325; Liu et al. 2025, arXiv 2502.16982), as optax.contrib's `muon` computes it. With t =
/// `context.step` + 1, β = `beta`, on a tensor that Muon handles (a matrix, see below):
///
///     m ← β·m + (1−β)·g
///     m̂ = β·m/(1−βᵗ⁺¹) + (1−β)·g/(1−βᵗ)        (nesterov; else m̂ = m/(1−βᵗ))
///     O = NS(m̂)                                  `NewtonSchulz`, `nsSteps` iterations, ε = `epsilon`
///     O ← ⟨m̂, O⟩·O                               (adaptive only: scaled by the dual norm)
///     O ← s·O,  s = √max(1, fan_out/fan_in)      (or s = √max(fan_in, fan_out)·`consistentRMS` when set)
///     u = −lr·(O + λ·p)                          λ = `weightDecay`
///
/// and on every other tensor AdamW with β₁ = `adamBeta1`, β₂ = `adamBeta2`, the same ε, λ =
/// `adamWeightDecay`, rate `adamLearningRate` (default lr), in Nesterov form when `nesterov` (optax
/// passes its `nesterov` to the Adam branch too): see `ScaleByAdam`.
///
/// **Which tensors, from the layout.** The layout's named tensors are the leaves of optax's param tree,
/// shapes as stored. As optax's default (`muon_weight_dimension_numbers=None`), rank-2 tensors are
/// Muon's, fan_in = rows (axis 0, the reduction axis of x·W) and fan_out = columns, and every other
/// rank — scalars, vectors, and rank-4 convolution kernels — goes to Adam: optax labels leaves by
/// `ndim == 2`. With `kernelsToMuon`, tensors of rank ≥ 3 are Muon's too, as the matrix
/// (∏ all axes but the last) × (last axis): optax's `MuonDimensionNumbers(reduction_axis=(0, …, r−2),
/// output_axis=r−1)`, which for a kernel in metatrain's HWIO order [kh, kw, in, out] is the
/// (kh·kw·in) × out matrix of its im2col product. The scale s reads the shape as stored: metatrain's
/// MLP stores dense weights as [out, in] (its CNN head as [in, out]), so on those s is what optax
/// computes for a tree in that layout, √max(1, in/out); `consistentRMS` is symmetric in the two.
/// A context whose layout does not cover the parameters has no shapes, and then every element is Adam's.
public struct Muon: Optimizer {
    public typealias State = MuonState

    public var learningRate: Float
    public var nsSteps: Int
    public var beta: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var nesterov: Bool
    public var adaptive: Bool
    public var consistentRMS: Float?
    public var kernelsToMuon: Bool
    public var adamBeta1: Float
    public var adamBeta2: Float
    public var adamWeightDecay: Float
    public var adamLearningRate: Float
    public var coefficients: (a: Float, b: Float, c: Float)

    public init(learningRate: Float, nsSteps: Int = 5, beta: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0,
                nesterov: Bool = true, adaptive: Bool = false, consistentRMS: Float? = nil, kernelsToMuon: Bool = false,
                adamBeta1: Float = 0.9, adamBeta2: Float = 0.999, adamWeightDecay: Float = 0, adamLearningRate: Float? = nil,
                coefficients: (a: Float, b: Float, c: Float) = NewtonSchulz.defaultCoefficients) {
        self.learningRate = learningRate
        self.nsSteps = nsSteps
        self.beta = beta
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.adaptive = adaptive
        self.consistentRMS = consistentRMS
        self.kernelsToMuon = kernelsToMuon
        self.adamBeta1 = adamBeta1
        self.adamBeta2 = adamBeta2
        self.adamWeightDecay = adamWeightDecay
        self.adamLearningRate = adamLearningRate ?? learningRate
        self.coefficients = coefficients
    }

    /// The matrix Muon orthogonalizes for a tensor of this shape (rows = fan_in, columns = fan_out), or
    /// nil when the tensor is Adam's.
    public func matrixShape(_ shape: [Int]) -> (rows: Int, cols: Int)? {
        guard shape.count == 2 || (kernelsToMuon && shape.count > 2) else { return nil }
        return (shape.dropLast().reduce(1, *), shape.last!)
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(mu: [Float](repeating: 0, count: parameters.count), nu: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        precondition(updates.count == state.mu.count && parameters.count == updates.count,
                     "Muon: \(updates.count) updates for a state of \(state.mu.count)")
        guard !updates.isEmpty else { return }
        let layout = context.layout
        let tensors = layout.count == parameters.count
            ? layout.tensors.map { ($0.offset, $0.count, $0.shape) }
            : [(0, parameters.count, [parameters.count])]
        updates.withUnsafeMutableBufferPointer { u in
            state.mu.withUnsafeMutableBufferPointer { m in
                state.nu.withUnsafeMutableBufferPointer { v in
                    parameters.withUnsafeBufferPointer { p in
                        for (offset, count, shape) in tensors {
                            let (uT, pT, mT, vT) = (u.baseAddress! + offset, p.baseAddress! + offset, m.baseAddress! + offset,
                                                    v.baseAddress! + offset)
                            if let matrix = matrixShape(shape) {
                                orthogonalizedStep(count: count, uT, parameters: pT, mu: mT, matrix: matrix, step: context.step)
                            } else {
                                ScaleByAdam.update(count: count, uT, parameters: pT, mu: mT, nu: vT, beta1: adamBeta1, beta2: adamBeta2,
                                                   epsilon: epsilon, step: context.step, nesterov: nesterov,
                                                   weightDecay: adamWeightDecay, scale: -adamLearningRate)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Muon's rule on one matrix (`u` holds its gradient on entry).
    func orthogonalizedStep(count n: Int, _ u: UnsafeMutablePointer<Float>, parameters p: UnsafePointer<Float>,
                            mu m: UnsafeMutablePointer<Float>, matrix: (rows: Int, cols: Int), step: Int) {
        let t = Double(step + 1)
        let c = Float(1 - Foundation.pow(Double(beta), t))
        let next = Float(1 - Foundation.pow(Double(beta), t + 1))
        // u ← m̂ (optax's order of operations: each term bias-corrected by a division, then combined).
        for i in 0..<n {
            let g = u[i]
            let mi = (1 - beta) * g + beta * m[i]
            m[i] = mi
            u[i] = nesterov ? beta * (mi / next) + (1 - beta) * (g / c) : mi / c
        }
        let momentum = adaptive ? Array(UnsafeBufferPointer(start: u, count: n)) : []
        NewtonSchulz.orthogonalize(u, rows: matrix.rows, cols: matrix.cols, steps: nsSteps, epsilon: epsilon,
                                   coefficients: coefficients)
        var factor: Float = 1
        if adaptive {
            var dot = 0.0
            for i in 0..<n { dot += Double(momentum[i]) * Double(u[i]) }
            factor = Float(dot)
        }
        let fanIn = Float(matrix.rows), fanOut = Float(matrix.cols)
        let shapeScale = consistentRMS.map { max(fanIn, fanOut).squareRoot() * $0 } ?? max(1, fanOut / fanIn).squareRoot()
        for i in 0..<n {
            let o = shapeScale * (adaptive ? factor * u[i] : u[i])
            u[i] = -learningRate * (weightDecay == 0 ? o : o + weightDecay * p[i])
        }
    }
}
