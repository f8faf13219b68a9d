// Online step-size adaptation around any optimizer by hypergradient descent: a multiplier on the inner
// optimizer's update, learned during the run from the gradient's agreement with the last update.

import Foundation
import MetaCore

/// The wrapper's state: the inner optimizer's, the last update it returned, and the log multipliers.
public struct HypergradientState<InnerState: Codable & Sendable>: Codable, Sendable {
    public var inner: InnerState
    /// u_{t−1}, the update returned last step (empty before the first).
    public var previous: [Float]
    /// log s, one per tensor (`perTensor`) or a single one.
    public var logScales: [Float]
}

/// Hypergradient descent on the step size (Baydin et al. 2018, "Online Learning Rate Adaptation with
/// Hypergradient Descent", arXiv 1703.04782), in its multiplicative, normalized form, around any
/// optimizer. With u = s·inner(g), the derivative of the loss at step t with respect to the multiplier
/// s that produced u_{t−1} is g_t·u_{t−1}/s. Per tensor (or globally):
///
///     c = g_t·u_{t−1} / (‖g_t‖‖u_{t−1}‖)                (cosine; 0 when either is 0)
///     log s ← clamp(log s − β·c, log sMin, log sMax)
///     u_t = s · inner(g_t)
///
/// Descending steps that keep agreeing with the new gradient (c < 0) grow s; steps that overshoot
/// (c > 0) shrink it. s starts at `initialScale` (1: the first step is the inner optimizer's own). The paper's
/// multiplicative rule is α_t = α_{t−1}(1 − β·c), the first-order expansion of this one.
public struct Hypergradient<Inner: Optimizer>: Optimizer {
    public typealias State = HypergradientState<Inner.State>

    public var inner: Inner
    /// β, the hypergradient step on log s.
    public var rate: Float
    /// One multiplier per tensor of the layout (true) or one for all parameters.
    public var perTensor: Bool
    public var minimumScale: Float
    public var maximumScale: Float
    /// s before any adaptation (within [minimumScale, maximumScale]).
    public var initialScale: Float
    /// When set (per tensor only), each weight tensor (rank ≥ 2) starts at initialScale·(F/fanIn)^fanInPower,
    /// clamped to the scale's range: μP's habit of steps ∝ 1/fan-in for Adam-like rules. See `fanIn`.
    public var fanInReference: Float?
    public var fanInPower: Float = 1
    /// When set (per tensor only), each convolution kernel (rank ≥ 3) and the bias right after it start at
    /// this multiplier instead of `initialScale` (clamped to the range): a parameter group of its own, as
    /// PyTorch users give convolutions a learning rate of their own.
    public var kernelInitialScale: Float?

    public init(_ inner: Inner, rate: Float = 0.02, perTensor: Bool = true, minimumScale: Float = 0.01, maximumScale: Float = 100,
                initialScale: Float = 1) {
        precondition(rate >= 0 && minimumScale > 0 && minimumScale <= 1 && maximumScale >= 1
                     && initialScale >= minimumScale && initialScale <= maximumScale, "Hypergradient: bad settings")
        self.inner = inner
        self.rate = rate
        self.perTensor = perTensor
        self.minimumScale = minimumScale
        self.maximumScale = maximumScale
        self.initialScale = initialScale
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        var logScales = [Float](repeating: Foundation.log(initialScale), count: perTensor ? max(layout.tensors.count, 1) : 1)
        if let reference = fanInReference, perTensor {
            for k in layout.tensors.indices {
                guard let f = Self.fanIn(layout, tensor: k) else { continue }
                let s = initialScale * Foundation.pow(reference / Float(f), fanInPower)
                logScales[k] = Foundation.log(min(max(s, minimumScale), maximumScale))
            }
        }
        if let kernel = kernelInitialScale, perTensor {
            let clamped = Foundation.log(min(max(kernel, minimumScale), maximumScale))
            for k in layout.tensors.indices where layout.tensors[k].shape.count >= 3 {
                logScales[k] = clamped
                if k + 1 < layout.tensors.count, layout.tensors[k + 1].shape.count == 1 { logScales[k + 1] = clamped }
            }
        }
        return State(inner: inner.initialState(parameters: parameters, layout: layout), previous: [], logScales: logScales)
    }

    /// A weight tensor's fan-in (nil for rank < 2): its elements over its output dimension, the one
    /// that the bias right after it in the layout (rank 1) has; without such a bias, the last dimension.
    /// That covers `[out, in]` dense weights (MLPs), `[3, 3, in, out]` kernels and `[in, out]` heads.
    public static func fanIn(_ layout: ParameterLayout, tensor k: Int) -> Int? {
        let t = layout.tensors[k]
        guard t.shape.count >= 2 else { return nil }
        var output = t.shape.last!
        if k + 1 < layout.tensors.count, layout.tensors[k + 1].shape.count == 1, t.shape.contains(layout.tensors[k + 1].shape[0]) {
            output = layout.tensors[k + 1].shape[0]
        }
        return max(t.shape.reduce(1, *) / max(output, 1), 1)
    }

    /// The element ranges each multiplier covers.
    func groups(_ layout: ParameterLayout, count n: Int) -> [Range<Int>] {
        perTensor && !layout.tensors.isEmpty ? layout.tensors.map(\.range) : [0..<n]
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let n = updates.count
        let ranges = groups(context.layout, count: n)
        precondition(state.logScales.count == ranges.count, "Hypergradient: \(ranges.count) groups for a state of \(state.logScales.count)")
        let lower = Foundation.log(minimumScale), upper = Foundation.log(maximumScale)
        if state.previous.count == n {
            updates.withUnsafeBufferPointer { g in
                state.previous.withUnsafeBufferPointer { u in
                    for (k, r) in ranges.enumerated() {
                        var dot = 0.0, gg = 0.0, uu = 0.0
                        for i in r {
                            let a = Double(g[i]), b = Double(u[i])
                            dot += a * b; gg += a * a; uu += b * b
                        }
                        let norms = (gg * uu).squareRoot()
                        guard norms > 0, norms.isFinite, dot.isFinite else { continue }
                        let cosine = Float(dot / norms)
                        state.logScales[k] = min(max(state.logScales[k] - rate * cosine, lower), upper)
                    }
                }
            }
        }
        inner.update(&updates, state: &state.inner, parameters: parameters, context: context)
        updates.withUnsafeMutableBufferPointer { u in
            for (k, r) in ranges.enumerated() {
                let s = Foundation.exp(state.logScales[k])
                for i in r { u[i] *= s }
            }
        }
        state.previous = updates
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.evaluationParameters(parameters, state: state.inner)
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        inner.monitoredParameters(parameters, state: state.inner)
    }

    public var usesValidationLoss: Bool { inner.usesValidationLoss }
}

/// Wraps an optimizer known only as an existential.
public func hypergradient(_ inner: any Optimizer, rate: Float, perTensor: Bool, minimumScale: Float, maximumScale: Float,
                          initialScale: Float = 1, fanInReference: Float? = nil, fanInPower: Float = 1,
                          kernelInitialScale: Float? = nil) -> any Optimizer {
    func make<I: Optimizer>(_ i: I) -> any Optimizer {
        var h = Hypergradient(i, rate: rate, perTensor: perTensor, minimumScale: minimumScale, maximumScale: maximumScale,
                              initialScale: initialScale)
        h.fanInReference = fanInReference
        h.fanInPower = fanInPower
        h.kernelInitialScale = kernelInitialScale
        return h
    }
    return make(inner)
}
