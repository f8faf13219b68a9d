// Runs every (task, optimizer, seed) of a comparison in parallel. Each run is independent and
// deterministic (same initialization and batches for every optimizer of a seed), results are stored
// by index, and BLAS runs single-threaded inside workers, so results do not depend on the thread count.

import Foundation
import MetaCore
import MetaOptimizers
import MetaTasks

/// A task of a comparison: a display name (zoo id or file path) and the config it is rebuilt from.
public struct ComparisonTask: Sendable {
    public var name: String
    public var config: TaskConfig

    public init(name: String, config: TaskConfig) {
        self.name = name
        self.config = config
    }
}

/// What to compare: every optimizer on every task for every seed.
public struct Comparison: Sendable {
    public var tasks: [ComparisonTask]
    public var optimizers: [ComparedOptimizer]
    public var steps: Int
    public var seeds: [UInt64]
    /// Worker threads (results do not depend on it).
    public var threads: Int
    /// Validation/test evaluation interval in steps (default: steps / 20).
    public var evaluateEvery: Int?
    /// Builds the optimizers the specs name.
    public var catalogue: OptimizerCatalogue

    public init(
        tasks: [ComparisonTask], optimizers: [ComparedOptimizer], steps: Int, seeds: [UInt64],
        threads: Int = Parallel.availableCores, evaluateEvery: Int? = nil, catalogue: OptimizerCatalogue = .handDesigned
    ) {
        self.catalogue = catalogue
        self.tasks = tasks
        self.optimizers = optimizers
        self.steps = steps
        self.seeds = seeds
        self.threads = threads
        self.evaluateEvery = evaluateEvery
    }

    /// The evaluation interval `InnerTraining.run` uses for these settings.
    public var resolvedEvaluateEvery: Int { max(1, evaluateEvery ?? max(1, steps / 20)) }

    /// One training run: task × optimizer × seed × (swept rate).
    public struct WorkItem: Sendable {
        public var task: Int
        public var optimizer: Int
        public var seed: Int
        public var variant: Int
        /// The spec trained and the swept rate, if any.
        public var spec: OptimizerSpec
        public var learningRate: Float?
    }

    /// Every run, task-major, then optimizer, seed, swept rate.
    public var workItems: [WorkItem] {
        var items: [WorkItem] = []
        for t in tasks.indices {
            for (o, optimizer) in optimizers.enumerated() {
                let variants = optimizer.variants
                for s in seeds.indices {
                    for (v, variant) in variants.enumerated() {
                        items.append(WorkItem(task: t, optimizer: o, seed: s, variant: v, spec: variant.spec, learningRate: variant.learningRate))
                    }
                }
            }
        }
        return items
    }

    /// Checks the settings (the command reports these as flag errors before this point).
    public func validate() throws {
        guard !tasks.isEmpty else { throw SpecError("tasks", "no tasks to compare") }
        guard !optimizers.isEmpty else { throw SpecError("optimizers", "no optimizers to compare") }
        guard steps >= 1 else { throw SpecError("steps", "must be at least 1, found \(steps)") }
        guard !seeds.isEmpty else { throw SpecError("seeds", "at least one seed is needed") }
        guard threads >= 1 else { throw SpecError("threads", "must be at least 1, found \(threads)") }
        if let e = evaluateEvery, e < 1 { throw SpecError("evaluateEvery", "must be at least 1, found \(e)") }
        var seen = Set<String>()
        for o in optimizers where !seen.insert(o.name).inserted {
            throw SpecError("optimizers", "'\(o.name)' is listed twice")
        }
    }

    /// Runs everything. `progress` is called (serialized, from worker threads) after each run.
    /// Throws on invalid settings, unknown specs and tasks that cannot be built, before any training.
    public func run(progress: ((ProgressEvent) -> Void)? = nil) throws -> Result {
        try validate()
        let start = DispatchTime.now().uptimeNanoseconds
        let items = workItems
        // Build everything once up front: errors surface before training, datasets get cached.
        var optimizerCache: [OptimizerSpec: any Optimizer] = [:]
        for item in items where optimizerCache[item.spec] == nil {
            optimizerCache[item.spec] = try catalogue.make(item.spec)
        }
        let pool = TaskPool(configs: tasks.map(\.config))
        var taskInfos: [ComparisonTaskInfo] = []
        for (t, task) in tasks.enumerated() {
            let instance: TrainingTask
            do { instance = try task.config.makeTask() } catch { throw SpecError.from(error, file: task.name) }
            taskInfos.append(ComparisonTaskInfo(
                name: task.name, family: task.config.family.rawValue, parameters: instance.layout.count,
                normalizer: instance.normalizer))
            pool.give(t, instance)
        }

        // Longest runs first balances the workers; the order cannot change any result.
        let cost = items.map { Double(steps) * (tasks[$0.task].config.estimatedStepMFLOP + 0.01) }
        let order = items.indices.sorted { cost[$0] > cost[$1] || (cost[$0] == cost[$1] && $0 < $1) }
        let tracker = ProgressTracker(total: items.count, totalWork: cost.reduce(0, +), start: start, sink: progress)

        let savedBLASThreads = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(savedBLASThreads) }
        let optimizersByItem = items.map { optimizerCache[$0.spec]! }
        let scheduled: [RunResult] = Parallel.map(items.count, threads: threads) { k in
            let i = order[k], item = items[i]
            let task = pool.take(item.task)
            defer { pool.give(item.task, task) }
            let result = InnerTraining.run(
                optimizersByItem[i], task: task, taskName: tasks[item.task].name, optimizerName: item.spec.description,
                steps: steps, seed: seeds[item.seed], evaluateEvery: resolvedEvaluateEvery)
            tracker.finished(result, work: cost[i])
            return result
        }
        var results = [RunResult?](repeating: nil, count: items.count)
        for (k, i) in order.enumerated() { results[i] = scheduled[k] }

        // Group by (task, optimizer, seed) and pick sweep winners.
        var outcomes: [RunOutcome] = []
        var i = 0
        for _ in tasks.indices {
            for optimizer in optimizers {
                let variants = optimizer.variants
                let runsBySeed = seeds.indices.map { k in
                    (0..<variants.count).map { results[i + k * variants.count + $0]! }
                }
                i += seeds.count * variants.count
                var isSweep = false, forced: Int?
                if case .sweep(let sweep) = optimizer.kind {
                    isSweep = true
                    if sweep.perTask { forced = RunOutcome.bestIndexOverSeeds(runsBySeed) }
                }
                for runs in runsBySeed {
                    outcomes.append(RunOutcome.select(runs, variants: variants.map(\.learningRate), name: optimizer.name,
                                                      isSweep: isSweep, index: forced))
                }
            }
        }
        return Result(
            tasks: taskInfos, optimizers: optimizers.map(\.name), seeds: seeds, steps: steps,
            evaluateEvery: resolvedEvaluateEvery, outcomes: outcomes,
            wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// Reusable task instances, at most one per worker in use at a time (instances own scratch memory).
final class TaskPool: @unchecked Sendable {
    private let configs: [TaskConfig]
    private var free: [[TrainingTask]]
    private let lock = NSLock()

    init(configs: [TaskConfig]) {
        self.configs = configs
        free = Array(repeating: [], count: configs.count)
    }

    func take(_ t: Int) -> TrainingTask {
        lock.lock()
        if let task = free[t].popLast() {
            lock.unlock()
            return task
        }
        lock.unlock()
        // The same config already built once in `run` (datasets are cached), so this cannot fail.
        return try! configs[t].makeTask()
    }

    func give(_ t: Int, _ task: TrainingTask) {
        lock.lock()
        free[t].append(task)
        lock.unlock()
    }
}

/// A task as the report needs it.
public struct ComparisonTaskInfo: Codable, Hashable, Sendable {
    public var name: String
    public var family: String
    public var parameters: Int
    public var normalizer: LossNormalizer

    public init(name: String, family: String, parameters: Int, normalizer: LossNormalizer) {
        self.name = name
        self.family = family
        self.parameters = parameters
        self.normalizer = normalizer
    }
}

/// One swept rate's outcome.
public struct SweepPoint: Codable, Hashable, Sendable {
    public var learningRate: Float
    public var finalValidationLoss: Float
    public var normalizedTestLoss: Float
    public var diverged: Bool
}

/// The reported run of one (task, optimizer, seed): the only run, or the sweep's winner.
public struct RunOutcome: Sendable {
    /// Labelled with the comparison's optimizer name (`adam-tuned` for a sweep's winner).
    public var result: RunResult
    /// The sweep's chosen rate.
    public var learningRate: Float?
    /// Every rate of a sweep.
    public var sweep: [SweepPoint]?

    public init(result: RunResult, learningRate: Float? = nil, sweep: [SweepPoint]? = nil) {
        self.result = result
        self.learningRate = learningRate
        self.sweep = sweep
    }

    /// Index of the run with the lowest final validation loss among runs that did not diverge (ties:
    /// the first, i.e. the smallest rate); 0 when all diverged.
    public static func bestIndex(_ runs: [RunResult]) -> Int {
        var best: Int?
        for (i, r) in runs.enumerated() where !r.diverged && r.finalValidation.loss.isFinite {
            if best == nil || r.finalValidation.loss < runs[best!].finalValidation.loss { best = i }
        }
        return best ?? 0
    }

    /// `per=task`: the index of the rate with the lowest mean final validation loss over the seeds
    /// (`runsBySeed[seed][rate]`), among rates that diverged on no seed (ties: the smaller rate); 0 when
    /// every rate diverged somewhere.
    public static func bestIndexOverSeeds(_ runsBySeed: [[RunResult]]) -> Int {
        guard let count = runsBySeed.first?.count else { return 0 }
        var best: Int?, bestMean = Double.infinity
        for i in 0..<count {
            let runs = runsBySeed.map { $0[i] }
            guard runs.allSatisfy({ !$0.diverged && $0.finalValidation.loss.isFinite }) else { continue }
            let mean = runs.map { Double($0.finalValidation.loss) }.reduce(0, +) / Double(runs.count)
            if best == nil || mean < bestMean { best = i; bestMean = mean }
        }
        return best ?? 0
    }

    /// The reported outcome of one (task, optimizer, seed): the single run, or the sweep's run at `index`
    /// (chosen per task) or at `bestIndex` (per seed).
    static func select(_ runs: [RunResult], variants: [Float?], name: String, isSweep: Bool, index: Int? = nil) -> RunOutcome {
        guard isSweep else {
            var r = runs[0]
            r.optimizer = name
            return RunOutcome(result: r)
        }
        let b = index ?? bestIndex(runs)
        var winner = runs[b]
        winner.optimizer = name
        let points = zip(runs, variants).map { r, lr in
            SweepPoint(learningRate: lr ?? .nan, finalValidationLoss: r.finalValidation.loss,
                       normalizedTestLoss: r.normalizedTestLoss, diverged: r.diverged)
        }
        return RunOutcome(result: winner, learningRate: variants[b], sweep: points)
    }
}

extension Comparison {
    /// Everything a comparison produced; `outcomes` is task-major, then optimizer, then seed.
    public struct Result: Sendable {
        public var tasks: [ComparisonTaskInfo]
        public var optimizers: [String]
        public var seeds: [UInt64]
        public var steps: Int
        public var evaluateEvery: Int
        public var outcomes: [RunOutcome]
        public var wallSeconds: Double

        public init(
            tasks: [ComparisonTaskInfo], optimizers: [String], seeds: [UInt64], steps: Int, evaluateEvery: Int,
            outcomes: [RunOutcome], wallSeconds: Double
        ) {
            precondition(outcomes.count == tasks.count * optimizers.count * seeds.count, "one outcome per (task, optimizer, seed)")
            self.tasks = tasks
            self.optimizers = optimizers
            self.seeds = seeds
            self.steps = steps
            self.evaluateEvery = evaluateEvery
            self.outcomes = outcomes
            self.wallSeconds = wallSeconds
        }

        public func outcome(task t: Int, optimizer o: Int, seed s: Int) -> RunOutcome {
            outcomes[(t * optimizers.count + o) * seeds.count + s]
        }

        /// The outcomes of every seed.
        public func outcomes(task t: Int, optimizer o: Int) -> [RunOutcome] {
            seeds.indices.map { outcome(task: t, optimizer: o, seed: $0) }
        }
    }
}
