// The optimizer protocol, in optax's manner: an optimizer is a value; its state is a typed value the
// caller threads through (so it can be checkpointed, perturbed and compared); `update` turns a
// gradient into the step to add to the parameters. Hand-designed optimizers, learned optimizers and
// evolved programs all conform, and are scored by the same evaluation code.

import CKernels
import MetaCore

/// What an optimizer may know about a step besides the gradient.
public struct StepContext: Sendable {
    /// Updates already applied before this one (0 on the first call): optax's `count`.
    public var step: Int
    /// Total steps planned for the run, when known (schedules decay over it).
    public var totalSteps: Int?
    /// Training loss at the current parameters (learned optimizers read it).
    public var loss: Float?
    /// A validation loss, when the caller measures one (learned optimizers may read it).
    public var validationLoss: Float?
    /// The named tensors of the flat parameter vector (per-tensor rules such as Adafactor need it).
    public var layout: ParameterLayout

    public init(step: Int, totalSteps: Int? = nil, loss: Float? = nil, validationLoss: Float? = nil, layout: ParameterLayout) {
        self.step = step
        self.totalSteps = totalSteps
        self.loss = loss
        self.validationLoss = validationLoss
        self.layout = layout
    }
}

/// A gradient transformation with typed state.
public protocol Optimizer: Sendable {
    associatedtype State: Codable & Sendable

    /// Fresh state for these parameters.
    func initialState(parameters: [Float], layout: ParameterLayout) -> State

    /// On entry `updates` holds the gradient; on exit, the step to *add* to the parameters
    /// (optax: `updates, state = opt.update(grads, state, params)`; descent rules negate).
    func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext)

    /// The parameters to evaluate (and to report) given the ones the caller steps. They are the same
    /// for every optimizer except those that keep a second copy of the weights: `Lookahead` returns
    /// its slow weights (the caller's parameters are its fast weights, where gradients are taken).
    func evaluationParameters(_ parameters: [Float], state: State) -> [Float]

    /// The parameters whose validation loss the next step reads (`StepContext.validationLoss`). By default the
    /// evaluation parameters; `KeepBest` returns its iterate, since what it evaluates is a stored copy whose
    /// loss tells it nothing new.
    func monitoredParameters(_ parameters: [Float], state: State) -> [Float]

    /// One step: `parameters += update(gradient)`; `gradient` is consumed. The default runs `update`
    /// and adds; an optimizer may apply itself in one fused pass (Adam does) as long as the result
    /// equals the default's to float rounding.
    func step(_ parameters: inout [Float], gradient: inout [Float], state: inout State, context: StepContext)

    /// Whether it reads `StepContext.validationLoss`: callers that train with it then measure a
    /// validation-batch loss after every step and pass it with the next one (it costs a forward pass).
    var usesValidationLoss: Bool { get }
}

extension Optimizer {
    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] { parameters }
    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] { evaluationParameters(parameters, state: state) }
    public var usesValidationLoss: Bool { false }
}

extension Optimizer {
    /// The default step: `update`, then `parameters += updates` (`gradient` holds the update after).
    public func step(_ parameters: inout [Float], gradient: inout [Float], state: inout State, context: StepContext) {
        update(&gradient, state: &state, parameters: parameters, context: context)
        Kernels.axpy(1, gradient, &parameters)
    }
}

/// Applies `first` then `second` (optax's `chain`).
public struct Chain<First: Optimizer, Second: Optimizer>: Optimizer {
    public struct State: Codable, Sendable {
        public var first: First.State
        public var second: Second.State
    }

    public let first: First
    public let second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(first: first.initialState(parameters: parameters, layout: layout),
              second: second.initialState(parameters: parameters, layout: layout))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        first.update(&updates, state: &state.first, parameters: parameters, context: context)
        second.update(&updates, state: &state.second, parameters: parameters, context: context)
    }

    public func evaluationParameters(_ parameters: [Float], state: State) -> [Float] {
        second.evaluationParameters(first.evaluationParameters(parameters, state: state.first), state: state.second)
    }

    public func monitoredParameters(_ parameters: [Float], state: State) -> [Float] {
        second.monitoredParameters(first.monitoredParameters(parameters, state: state.first), state: state.second)
    }

    public var usesValidationLoss: Bool { first.usesValidationLoss || second.usesValidationLoss }
}

/// Chains two optimizers known only as existentials.
public func chain(_ first: any Optimizer, _ second: any Optimizer) -> any Optimizer {
    func make<A: Optimizer, B: Optimizer>(_ a: A, _ b: B) -> any Optimizer { Chain(a, b) }
    return make(first, second)
}

/// A state-free transformation.
public struct EmptyState: Codable, Sendable, Equatable {
    public init() {}
}

/// `updates *= factor` (optax's `scale`).
public struct Scale: Optimizer {
    public var factor: Float
    public init(_ factor: Float) { self.factor = factor }
    public func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }
    public func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        guard !updates.isEmpty else { return }
        updates.withUnsafeMutableBufferPointer { u in mt_opt_scale(u.count, u.baseAddress!, factor) }
    }
}
