// The outer loop (docs/architecture.md §3): each outer step unrolls one truncation per slot with θ+ε and θ−ε,
// combines the meta-losses into an ES or PES estimate ĝ, sanitizes and clips it, and hands it to the
// outer optimizer — any `Optimizer`, including one a learned optimizer made (self-training, §4).
// Work is spread over (slot, ±) pairs; reductions run in slot order, so results do not depend on the
// thread count.

import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks

/// Meta-trains a learned optimizer by truncated unrolls with antithetic ES or PES.
///
/// Per outer step s, for every slot i with ε_i ~ N(0, σ²I) and K_i = min(K, T_i − t_i) inner steps:
/// L±_i = (1/K_i) Σ_k min(cap, normalize(loss on a held-out batch after inner step k)) (NaN → cap),
/// - ES: both sides start from the slot's one inner state; ĝ = mean_i (L⁺_i − L⁻_i)/(2σ²) · ε_i, and the
///   slot continues from the θ+ε side.
/// - PES: each side continues its own inner state; a_i += ε_i; ĝ = mean_i (L⁺_i − L⁻_i)/(2σ²) · a_i;
///   a_i resets when the episode ends.
/// Then NaN entries of ĝ become 0, every entry is clipped to ±`gradientClip` (unless it is 0), and the outer optimizer
/// steps θ with ĝ as the gradient and mean_i (L⁺_i + L⁻_i)/2 as `context.loss`.
public final class MetaTrainer {
    public let config: MetaTrainingConfig
    public let learnedOptimizer: any LearnedOptimizer
    public let outerOptimizer: any Optimizer
    /// The task pool slots sample from.
    public let tasks: [TaskConfig]
    public let keys: MetaTrainingKeys
    /// Everything that decides the rest of the run.
    public private(set) var state: MetaTrainerState
    /// The clipped estimate of the last step (what the outer optimizer received), for diagnostics.
    public private(set) var lastGradient: [Float] = []
    /// Worker threads (from the config; changing it does not change results).
    public var threads: Int

    /// Task instances per work item (2·slot + side); a worker touches only its item's entry.
    private let taskCache: TaskCache
    /// The config's `innerWrapper`, parsed once.
    private let innerWrapper: OptimizerSpec?
    /// Builds `innerWrapper` around the learned optimizer.
    public let catalogue: OptimizerCatalogue

    /// A fresh run: θ from `initialTheta` (a warm start) or the learned optimizer's initializer, slots at
    /// their first episodes.
    public convenience init(
        config: MetaTrainingConfig, learnedOptimizer: any LearnedOptimizer, outerOptimizer: any Optimizer,
        tasks: [TaskConfig], initialTheta: [Float]? = nil, catalogue: OptimizerCatalogue = .withLearnedOptimizers
    ) throws {
        let keys = MetaTrainingKeys(seed: config.seed)
        let theta = initialTheta ?? learnedOptimizer.initialMetaParameters(key: keys.metaParameters)
        let layout = learnedOptimizer.metaLayout
        guard theta.count == layout.count else {
            throw SpecError(initialTheta == nil ? "architecture" : "initialCheckpoint", "initial θ has \(theta.count) values for a layout of \(layout.count)")
        }
        guard !tasks.isEmpty else { throw SpecError("tasks", "needs at least one task") }
        let slots = (0..<config.tasksPerStep).map {
            SlotState.start(slot: $0, episode: 0, tasks: tasks, config: config, keys: keys)
        }
        func initial<O: Optimizer>(_ o: O) -> OptimizerStateBox { OptimizerStateBox(o.initialState(parameters: theta, layout: layout)) }
        let state = MetaTrainerState(
            metaParameters: theta, metaLayout: layout, outerOptimizerState: initial(outerOptimizer), outerStep: 0,
            slots: slots, totalInnerSteps: 0, estimator: config.estimator, seed: config.seed)
        try self.init(config: config, learnedOptimizer: learnedOptimizer, outerOptimizer: outerOptimizer, tasks: tasks, resumingFrom: state,
                      catalogue: catalogue)
    }

    /// Continues a run from its state (as encoded after any number of steps): the continuation is
    /// bit-identical to a run that was never interrupted.
    public init(
        config: MetaTrainingConfig, learnedOptimizer: any LearnedOptimizer, outerOptimizer: any Optimizer,
        tasks: [TaskConfig], resumingFrom state: MetaTrainerState, catalogue: OptimizerCatalogue = .withLearnedOptimizers
    ) throws {
        guard state.metaLayout == learnedOptimizer.metaLayout, state.metaParameters.count == state.metaLayout.count else {
            throw SpecError("state", "θ in the state does not fit the learned optimizer's layout (\(state.metaParameters.count) values, layout of \(learnedOptimizer.metaLayout.count))")
        }
        guard state.slots.count == config.tasksPerStep else {
            throw SpecError("tasksPerStep", "the state has \(state.slots.count) slots, the config asks for \(config.tasksPerStep)")
        }
        guard state.estimator == config.estimator else {
            throw SpecError("estimator", "the state was trained with \(state.estimator.rawValue), the config says \(config.estimator.rawValue)")
        }
        guard state.seed == config.seed else {
            throw SpecError("seed", "the state was trained with seed \(state.seed), the config says \(config.seed)")
        }
        let sides = config.estimator.estimator.innerRunsPerSlot
        for (i, slot) in state.slots.enumerated() where !slot.inner.isEmpty && slot.inner.count != sides {
            throw SpecError("state.slots[\(i)]", "holds \(slot.inner.count) inner runs, \(config.estimator.rawValue) needs \(sides)")
        }
        func check<O: Optimizer>(_ o: O) throws { _ = try state.outerOptimizerState.state(for: o) }
        do { try check(outerOptimizer) } catch {
            throw SpecError("outerOptimizer", "the state's outer optimizer state does not fit \(config.outerOptimizer): \(error)")
        }
        // A bad wrapper fails here, before training, naming the key.
        do {
            innerWrapper = try config.innerWrapper.map { try OptimizerSpec.parse($0) }
            if let spec = innerWrapper {
                _ = try catalogue.make(spec, theta: learnedOptimizer.optimizer(metaParameters: state.metaParameters))
            }
        } catch {
            throw SpecError.from(error, file: "innerWrapper")
        }
        // Every task must build (this also loads and caches datasets once, before workers start).
        var seen = Set<TaskConfig>()
        for task in tasks + state.slots.map(\.task) where seen.insert(task).inserted {
            do { _ = try task.makeTask() } catch { throw SpecError.from(error, file: "tasks") }
        }
        self.catalogue = catalogue
        self.config = config
        self.learnedOptimizer = learnedOptimizer
        self.outerOptimizer = outerOptimizer
        self.tasks = tasks
        self.keys = MetaTrainingKeys(seed: config.seed)
        self.state = state
        self.threads = config.threads ?? Parallel.availableCores
        self.taskCache = TaskCache(count: 2 * config.tasksPerStep)
    }

    /// Builds everything from the config: the learned optimizer from `architecture`, the outer optimizer
    /// through `catalogue`, and the tasks from the zoo (or the explicit list).
    public convenience init(config: MetaTrainingConfig, zoo: TaskZoo? = nil, resumingFrom state: MetaTrainerState? = nil,
                            catalogue: OptimizerCatalogue = .withLearnedOptimizers) throws {
        let lo = config.architecture.make()
        let outer: any Optimizer
        do { outer = try catalogue.make(config.outerOptimizer) } catch {
            throw SpecError.from(error, file: "outerOptimizer")
        }
        let tasks = try config.resolveTasks(zoo: zoo)
        if let state {
            try self.init(config: config, learnedOptimizer: lo, outerOptimizer: outer, tasks: tasks, resumingFrom: state, catalogue: catalogue)
        } else {
            try self.init(config: config, learnedOptimizer: lo, outerOptimizer: outer, tasks: tasks,
                          initialTheta: try config.initialCheckpoint.map { try Self.warmStart($0, architecture: config.architecture) },
                          catalogue: catalogue)
        }
    }

    /// θ of the checkpoint at `path`, which must hold `architecture` (config key `initialCheckpoint`).
    static func warmStart(_ path: String, architecture: LearnedOptimizerArchitecture) throws -> [Float] {
        let checkpoint: LearnedOptimizerCheckpoint
        do { checkpoint = try LearnedOptimizerCheckpoint.load(from: path) } catch {
            throw SpecError("initialCheckpoint", "cannot warm-start from '\(path)': \(error)")
        }
        guard checkpoint.architecture == architecture else {
            let what = checkpoint.architecture.name == architecture.name ? "with other widths or settings than" : "not"
            throw SpecError("initialCheckpoint", "'\(path)' holds a \(checkpoint.architecture.name) learned optimizer \(what) the config's \(architecture.name) architecture")
        }
        return checkpoint.metaParameters
    }

    /// θ now.
    public var metaParameters: [Float] { state.metaParameters }
    /// Outer steps taken.
    public var outerStep: Int { state.outerStep }
    /// The inner optimizer that θ defines now (what evaluations and checkpoints score).
    public var trainedOptimizer: any Optimizer {
        get throws { try Self.inner(learnedOptimizer, metaParameters: state.metaParameters, wrapper: innerWrapper, catalogue: catalogue) }
    }

    /// The learned optimizer of θ inside `wrapper` (the config's `innerWrapper`), if any.
    static func inner(_ lo: any LearnedOptimizer, metaParameters: [Float], wrapper: OptimizerSpec?,
                      catalogue: OptimizerCatalogue) throws -> any Optimizer {
        let bare = lo.optimizer(metaParameters: metaParameters)
        guard let wrapper else { return bare }
        return try catalogue.make(wrapper, theta: bare)
    }

    /// One outer step.
    @discardableResult
    public func step() throws -> OuterStepMetrics {
        let start = DispatchTime.now().uptimeNanoseconds
        let s = state.outerStep
        let slotCount = config.tasksPerStep
        let estimator = config.estimator.estimator
        let theta = state.metaParameters
        let n = theta.count
        let sigma = config.sigma

        // Slots whose episode ended start the next one.
        // (Changes go to a copy: `state` is replaced only once the whole step succeeded.)
        var newSlots = state.slots
        var episodesStarted = 0
        for i in 0..<slotCount where newSlots[i].episodeEnded {
            newSlots[i] = SlotState.start(slot: i, episode: newSlots[i].episode + 1, tasks: tasks, config: config, keys: keys)
            episodesStarted += 1
        }
        let slots = newSlots
        let keySchedule0 = keys
        let epsilons = Parallel.map(slotCount, threads: threads) { keySchedule0.perturbation(outerStep: s, slot: $0, count: n, sigma: sigma) }

        // Work item 2i + 0: slot i with θ+ε; 2i + 1: with θ−ε.
        let savedBLASThreads = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(savedBLASThreads) }
        let lo = learnedOptimizer, cfg = config, keySchedule = keys, cache = taskCache, wrapper = innerWrapper, catalogue = catalogue
        let results: [Result<Truncation, Error>] = Parallel.map(2 * slotCount, threads: threads) { item in
            let i = item / 2, side = item % 2
            let slot = slots[i]
            var perturbed = theta
            let eps = epsilons[i]
            if side == 0 { for j in 0..<n { perturbed[j] += eps[j] } } else { for j in 0..<n { perturbed[j] -= eps[j] } }
            return Result(catching: {
                let task = try cache.task(slot.task, item: item)
                let startState = estimator.start(of: slot, side: side)
                return try Self.truncation(
                    try Self.inner(lo, metaParameters: perturbed, wrapper: wrapper, catalogue: catalogue), task: task, slot: slot, slotIndex: i, start: startState,
                    config: cfg, keys: keySchedule)
            })
        }

        // Reduction in slot order.
        let outcomes = try results.map { try $0.get() }
        var gradient = [Double](repeating: 0, count: n)
        var plusSum = 0.0, minusSum = 0.0, innerSteps = 0
        for i in 0..<slotCount {
            let plus = outcomes[2 * i], minus = outcomes[2 * i + 1]
            var slot = newSlots[i]
            let direction = estimator.absorb(&slot, epsilon: epsilons[i], plus: plus, minus: minus)
            slot.step += plus.steps
            let factor = (Double(plus.loss) - Double(minus.loss)) / (2 * Double(sigma) * Double(sigma))
            for j in 0..<n { gradient[j] += factor * Double(direction[j]) }
            plusSum += Double(plus.loss)
            minusSum += Double(minus.loss)
            innerSteps += plus.steps + minus.steps
            newSlots[i] = slot
        }

        // ĝ: mean, NaN → 0, clip.
        var g = [Float](repeating: 0, count: n)
        var nanEntries = 0, clipped = 0
        var normSquared = 0.0
        let clip = config.gradientClip > 0 ? config.gradientClip : Float.infinity
        for j in 0..<n {
            var v = Float(gradient[j] / Double(slotCount))
            if v.isNaN { v = 0; nanEntries += 1 }
            normSquared += Double(v) * Double(v)
            if v > clip { v = clip; clipped += 1 } else if v < -clip { v = -clip; clipped += 1 }
            g[j] = v
        }
        lastGradient = g
        let metaLoss = Float((plusSum + minusSum) / Double(2 * slotCount))

        // Outer update.
        var newTheta = theta
        var gradientCopy = g
        let context = StepContext(step: s, totalSteps: config.outerSteps, loss: metaLoss, layout: state.metaLayout)
        func outerStep<O: Optimizer>(_ o: O) throws -> OptimizerStateBox {
            var st = try state.outerOptimizerState.state(for: o)
            o.step(&newTheta, gradient: &gradientCopy, state: &st, context: context)
            return OptimizerStateBox(st)
        }
        state.outerOptimizerState = try outerStep(outerOptimizer)
        var updateSquares = 0.0
        var updateMax: Float = 0
        for j in 0..<n {
            let d = newTheta[j] - theta[j]
            updateSquares += Double(d) * Double(d)
            if !(abs(d) <= updateMax) { updateMax = abs(d) }  // NaN propagates
        }
        state.slots = newSlots
        state.metaParameters = newTheta
        state.outerStep = s + 1
        state.totalInnerSteps += innerSteps

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return OuterStepMetrics(
            step: s, metaLoss: metaLoss, positiveLoss: Float(plusSum / Double(slotCount)),
            negativeLoss: Float(minusSum / Double(slotCount)), gradientNorm: Float(normSquared.squareRoot()),
            clippedFraction: n == 0 ? 0 : Float(clipped) / Float(n),
            updateRMS: n == 0 ? 0 : Float((updateSquares / Double(n)).squareRoot()), updateMaxAbs: updateMax,
            nanGradientEntries: nanEntries,
            episodesStarted: episodesStarted, innerSteps: innerSteps,
            innerStepsPerSecond: seconds > 0 ? Double(innerSteps) / seconds : 0, seconds: seconds)
    }

    /// Runs min(K, T − t) inner steps of one side from `start` (or from the episode's initialization)
    /// and returns the mean capped normalized meta-loss (each step weighed by `config.metaLossWeighting`).
    static func truncation<O: Optimizer>(
        _ optimizer: O, task: TrainingTask, slot: SlotState, slotIndex: Int, start: InnerRunState?,
        config: MetaTrainingConfig, keys: MetaTrainingKeys
    ) throws -> Truncation {
        let layout = task.layout
        // The same resumable unroll as evaluation's (`InnerTraining.run`): `OptimizerRun`.
        var run: OptimizerRun
        if let start {
            run = OptimizerRun(optimizer, parameters: start.parameters, state: try start.optimizerState.state(for: optimizer), layout: layout,
                               step: slot.step, totalSteps: slot.horizon, validationLoss: start.validationLoss)
        } else {
            let initial = task.initialParameters(key: keys.initialParameters(slot: slotIndex, episode: slot.episode))
            run = OptimizerRun(optimizer, parameters: initial, state: optimizer.initialState(parameters: initial, layout: layout),
                               layout: layout, step: slot.step, totalSteps: slot.horizon)
        }
        let feedsValidation = optimizer.usesValidationLoss
        let steps = max(0, min(config.truncationLength, slot.horizon - slot.step))
        let cap = config.lossCap
        let normalizer = task.normalizer
        var gradient = [Float](repeating: 0, count: layout.count)
        var total = 0.0
        var diverged = false
        let weighting = config.metaLossWeighting ?? .mean
        for k in 0..<steps {
            let t = slot.step + k
            let weight = weighting.weight(step: t, horizon: slot.horizon)
            if diverged { total += weight * Double(cap); continue }
            let loss = task.lossAndGradient(
                run.parameters, gradient: &gradient, key: keys.trainBatch(slot: slotIndex, episode: slot.episode, step: t))
            run.step(gradient: &gradient, loss: loss)
            let evaluated = run.evaluationParameters
            let metaLossKey = keys.metaLossBatch(slot: slotIndex, episode: slot.episode, step: t)
            let raw = task.batchLoss(evaluated, split: config.metaLossSplit, key: metaLossKey)
            if feedsValidation {
                // The next step's validation feature: the meta-loss batch when it is a validation batch.
                let monitored = run.monitoredParameters
                run.validationLoss = config.metaLossSplit == .validation && monitored == evaluated
                    ? raw : task.batchLoss(monitored, split: .validation, key: metaLossKey)
            }
            var normalized = normalizer(raw)
            if !(normalized <= cap) { normalized = cap }  // NaN fails every comparison
            total += weight * Double(normalized)
            // Once the parameters are not finite the run cannot recover: the rest of the truncation is capped.
            if !raw.isFinite && run.parameters.contains(where: { !$0.isFinite }) { diverged = true }
        }
        let mean = steps > 0 ? Float(total / Double(steps)) : 0
        return Truncation(
            loss: mean,
            inner: InnerRunState(parameters: run.parameters, optimizerState: OptimizerStateBox(run.state(as: O.State.self)!),
                                 validationLoss: feedsValidation ? run.validationLoss : nil),
            steps: steps)
    }
}

/// Task instances reused across steps by work item. Instances are not thread-safe; the item index
/// is processed by one worker at a time, so each entry is touched by one thread at a time.
final class TaskCache: @unchecked Sendable {
    typealias Entry = (config: TaskConfig, task: TrainingTask)?
    // Raw storage: a Swift array in a class property would be one variable under exclusivity checks.
    private let entries: UnsafeMutablePointer<Entry>
    private let count: Int

    init(count: Int) {
        self.count = count
        entries = .allocate(capacity: count)
        entries.initialize(repeating: nil, count: count)
    }

    deinit {
        entries.deinitialize(count: count)
        entries.deallocate()
    }

    func task(_ config: TaskConfig, item: Int) throws -> TrainingTask {
        precondition(item < count)
        if let e = entries[item], e.config == config { return e.task }
        let t = try config.makeTask()
        entries[item] = (config, t)
        return t
    }
}
