// Small state-free blocks: learning rate and schedules, decoupled weight decay, clipping.

import CKernels
import MetaCore

/// `u ← −lr·s(t)·u` (descent; optax's `scale_by_learning_rate`), or `+lr·s(t)·u` when
/// `flipSign` is false; s is the `schedule` factor at t = `context.step`.
public struct ScaleByLearningRate: Optimizer {
    public var learningRate: Float
    public var schedule: Schedule
    public var flipSign: Bool

    public init(_ learningRate: Float, schedule: Schedule = .constant, flipSign: Bool = true) {
        self.learningRate = learningRate
        self.schedule = schedule
        self.flipSign = flipSign
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }

    public func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        guard !updates.isEmpty else { return }
        let f = (flipSign ? -learningRate : learningRate) * schedule.factor(step: context.step, totalSteps: context.totalSteps)
        updates.withUnsafeMutableBufferPointer { u in mt_opt_scale(u.count, u.baseAddress!, f) }
    }
}

/// `u ← u + λ·p`: decoupled weight decay (Loshchilov & Hutter 2019, arXiv 1711.05101; optax's
/// `add_decayed_weights`), placed before the learning rate so that the step is −lr·(u + λ·p).
/// With `matricesOnly`, only tensors of rank ≥ 2 decay (weights, kernels; not biases, vectors or
/// scalars), as an optax mask `lambda p: p.ndim > 1` does; with `maximumRank` too, only tensors of rank
/// 2…maximumRank (2: the dense layers' weight matrices, not convolution kernels — a parameter group of
/// their own, as PyTorch users give one a weight decay of its own). A context whose layout does not cover
/// the parameters has no ranks to go by, and then every element decays.
public struct AddDecayedWeights: Optimizer {
    public var weightDecay: Float
    public var matricesOnly: Bool
    /// With `matricesOnly`, the highest rank that decays (nil: every rank ≥ 2).
    public var maximumRank: Int?

    public init(_ weightDecay: Float, matricesOnly: Bool = false, maximumRank: Int? = nil) {
        self.weightDecay = weightDecay
        self.matricesOnly = matricesOnly
        self.maximumRank = maximumRank
    }

    /// The masks a `decay=` key names: every tensor, rank ≥ 2, rank 2 only.
    public static let maskNames = ["all", "matrices", "dense"]

    /// Decay on the tensors `mask` (one of `maskNames`) picks.
    public init(_ weightDecay: Float, mask: String) {
        self.init(weightDecay, matricesOnly: mask != "all", maximumRank: mask == "dense" ? 2 : nil)
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }

    public func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        precondition(updates.count == parameters.count, "AddDecayedWeights: \(updates.count) updates for \(parameters.count) parameters")
        guard !updates.isEmpty, weightDecay != 0 else { return }
        let layout = context.layout
        let masked = matricesOnly && layout.count == parameters.count
        updates.withUnsafeMutableBufferPointer { u in
            parameters.withUnsafeBufferPointer { p in
                if !masked {
                    mt_opt_scale_add(u.count, u.baseAddress!, p.baseAddress!, 1, weightDecay)
                    return
                }
                for tensor in layout.tensors where tensor.shape.count >= 2 && tensor.shape.count <= (maximumRank ?? Int.max) {
                    mt_opt_scale_add(tensor.count, u.baseAddress! + tensor.offset, p.baseAddress! + tensor.offset, 1, weightDecay)
                }
            }
        }
    }
}

/// Rescales the whole update to global L2 norm `maxNorm` when it is larger (Pascanu et al. 2013,
/// arXiv 1211.5063; optax's `clip_by_global_norm`): u ← u · maxNorm/‖u‖ if ‖u‖ ≥ maxNorm. The norm is
/// summed in Double.
public struct ClipByGlobalNorm: Optimizer {
    public var maxNorm: Float

    public init(_ maxNorm: Float) { self.maxNorm = maxNorm }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }

    public func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        guard !updates.isEmpty else { return }
        let norm = updates.withUnsafeBufferPointer { Kernels.sumOfSquares($0) }.squareRoot()
        guard norm >= Double(maxNorm), norm > 0 else { return }
        let f = Float(Double(maxNorm) / norm)
        updates.withUnsafeMutableBufferPointer { u in mt_opt_scale(u.count, u.baseAddress!, f) }
    }
}

/// Clips each element to [−maxDelta, maxDelta] (optax's `clip`).
public struct Clip: Optimizer {
    public var maxDelta: Float

    public init(_ maxDelta: Float) { self.maxDelta = maxDelta }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }

    public func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        guard !updates.isEmpty else { return }
        updates.withUnsafeMutableBufferPointer { u in mt_opt_clip(u.count, u.baseAddress!, -maxDelta, maxDelta) }
    }
}
