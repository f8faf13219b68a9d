// Stepping one parameter vector with one optimizer, the way metatrain's own training loop
// (`InnerTraining.run`, behind `optimize` and `compare`) does it: the step's context carries the step
// count, the run length, the training loss and the validation loss measured after the previous step;
// what a caller should evaluate or report is `evaluationParameters` (Lookahead's slow weights, KeepBest's
// best iterate), and the validation loss the optimizer reads is taken at `monitoredParameters`.
// It does not compute losses or gradients: the caller's model does.

import MetaCore

/// One optimizer, its state and the parameters it steps.
///
///     var run = OptimizerRun(optimizer, parameters: initial, layout: layout, totalSteps: 300)
///     for _ in 0..<300 {
///         var gradient = …; let loss = …                    // at run.parameters
///         run.step(gradient: &gradient, loss: loss)
///         if run.usesValidationLoss { run.validationLoss = … } // at run.monitoredParameters
///     }
///     let trained = run.evaluationParameters
public struct OptimizerRun {
    public let optimizer: any Optimizer
    public let layout: ParameterLayout
    /// The parameters the optimizer steps (where gradients are taken).
    public private(set) var parameters: [Float]
    /// Steps taken.
    public private(set) var step: Int = 0
    /// The planned number of steps (schedules and learned optimizers read it), if known.
    public let totalSteps: Int?
    /// The validation loss the next step passes to the optimizer: set it after each step, measured at
    /// `monitoredParameters`, when `usesValidationLoss`.
    public var validationLoss: Float?
    /// The optimizer's state (its `State` type, opened per step).
    private var state: any Sendable

    public init(_ optimizer: any Optimizer, parameters: [Float], layout: ParameterLayout, totalSteps: Int? = nil) {
        precondition(parameters.count == layout.count, "\(parameters.count) parameters for a layout of \(layout.count)")
        func initial<O: Optimizer>(_ o: O) -> any Sendable { o.initialState(parameters: parameters, layout: layout) }
        self.optimizer = optimizer
        self.layout = layout
        self.parameters = parameters
        self.totalSteps = totalSteps
        self.state = initial(optimizer)
    }

    /// Continues a run from a saved point: `state` (of `optimizer`'s `State` type) after `step` steps, and the
    /// validation loss measured after the last of them.
    public init<S: Sendable>(_ optimizer: any Optimizer, parameters: [Float], state: S, layout: ParameterLayout,
                             step: Int, totalSteps: Int? = nil, validationLoss: Float? = nil) {
        precondition(parameters.count == layout.count, "\(parameters.count) parameters for a layout of \(layout.count)")
        func fits<O: Optimizer>(_ o: O) -> Bool { state is O.State }
        precondition(fits(optimizer), "a \(S.self) is not the state of \(type(of: optimizer))")
        self.optimizer = optimizer
        self.layout = layout
        self.parameters = parameters
        self.totalSteps = totalSteps
        self.step = step
        self.validationLoss = validationLoss
        self.state = state
    }

    /// Whether the optimizer reads a validation loss (set `validationLoss` after every step then).
    public var usesValidationLoss: Bool { optimizer.usesValidationLoss }

    /// One step with `gradient` (taken at `parameters`, consumed) and the training `loss` there.
    public mutating func step(gradient: inout [Float], loss: Float?) {
        precondition(gradient.count == parameters.count, "\(gradient.count) gradient values for \(parameters.count) parameters")
        let context = StepContext(step: step, totalSteps: totalSteps, loss: loss,
                                  validationLoss: optimizer.usesValidationLoss ? validationLoss : nil, layout: layout)
        func apply<O: Optimizer>(_ o: O) {
            var typed = state as! O.State
            state = EmptyState()  // the state's buffers are uniquely referenced while the step mutates them
            o.step(&parameters, gradient: &gradient, state: &typed, context: context)
            state = typed
        }
        apply(optimizer)
        step += 1
    }

    /// The parameters to evaluate and report (the same as `parameters` except for optimizers that keep
    /// a second copy of the weights).
    public var evaluationParameters: [Float] {
        func open<O: Optimizer>(_ o: O) -> [Float] { o.evaluationParameters(parameters, state: state as! O.State) }
        return open(optimizer)
    }

    /// The parameters whose validation loss the next step should read.
    public var monitoredParameters: [Float] {
        func open<O: Optimizer>(_ o: O) -> [Float] { o.monitoredParameters(parameters, state: state as! O.State) }
        return open(optimizer)
    }

    /// The optimizer's state, typed (for checkpointing it); nil when `type` is not its state type.
    public func state<S>(as type: S.Type) -> S? { state as? S }
}
