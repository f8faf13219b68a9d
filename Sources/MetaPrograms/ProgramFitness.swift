// Scoring programs on a fixed set of tasks with a learning-rate budget: every program is trained on
// every task once per rate of a fixed list, from the same initialization and batches (seed 0); per
// task the rate with the lowest final validation loss counts (the tuning AdamW gets in the same
// search). Fitness is the mean over tasks of that normalized validation loss: lower is better.
// Runs are spread over threads with `Parallel.map`; results are stored by index, so they do not
// depend on the thread count.

import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

/// A fixed task set, steps and learning-rate budget that scores programs.
public final class ProgramFitness: @unchecked Sendable {
    public let tasks: [ComparisonTask]
    public let steps: Int
    public let learningRates: [Float]
    public let threads: Int
    public let seed: UInt64
    private var pools: [[TrainingTask]]
    private let lock = NSLock()

    /// Builds every task once (so errors surface before any training).
    public init(tasks: [ComparisonTask], steps: Int, learningRates: [Float], threads: Int, seed: UInt64 = 0) throws {
        precondition(!tasks.isEmpty && steps >= 1 && !learningRates.isEmpty)
        self.tasks = tasks
        self.steps = steps
        self.learningRates = learningRates
        self.threads = threads
        self.seed = seed
        pools = []
        for t in tasks {
            do { pools.append([try t.config.makeTask()]) } catch { throw SpecError.from(error, file: t.name) }
        }
    }

    private func take(_ t: Int) -> TrainingTask {
        lock.lock()
        if let task = pools[t].popLast() {
            lock.unlock()
            return task
        }
        lock.unlock()
        return try! tasks[t].config.makeTask()  // built once in init, so this cannot fail
    }

    private func give(_ t: Int, _ task: TrainingTask) {
        lock.lock()
        pools[t].append(task)
        lock.unlock()
    }

    /// Per-task scores of one program: the best normalized validation loss over the rates.
    public struct Score: Codable, Hashable, Sendable {
        public var fitness: Double
        public var perTask: [Float]
        /// The chosen rate per task.
        public var learningRates: [Float]
    }

    /// Scores each program (programs must be valid). A program that diverges on a task gets that
    /// task's normalizer cap.
    public func score(_ programs: [Program]) -> [Score] {
        // Callers pass checked programs; one that still cannot compile scores the caps (never wins).
        let optimizers = programs.map { p in try? ProgramOptimizer(p) }
        let perProgram = tasks.count * learningRates.count
        let saved = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(saved) }
        // Costliest tasks first balances the workers; the order cannot change a result.
        let costs = tasks.map { $0.config.estimatedStepMFLOP }
        let order = (0..<(programs.count * perProgram)).sorted { a, b in
            let ca = costs[(a % perProgram) / learningRates.count], cb = costs[(b % perProgram) / learningRates.count]
            return ca > cb || (ca == cb && a < b)
        }
        let scheduled: [Float] = Parallel.map(order.count, threads: threads) { k in
            let i = order[k]
            let p = i / perProgram, t = (i % perProgram) / learningRates.count, r = i % learningRates.count
            let task = take(t)
            defer { give(t, task) }
            guard let compiled = optimizers[p], let optimizer = try? ProgramOptimizer(compiled.program, learningRate: learningRates[r]) else {
                return task.normalizer.cap
            }
            let result = InnerTraining.run(
                optimizer, task: task, taskName: tasks[t].name, optimizerName: "program",
                steps: steps, seed: seed, evaluateEvery: steps)
            return result.diverged ? task.normalizer.cap : result.normalizedValidationLoss
        }
        var losses = [Float](repeating: 0, count: scheduled.count)
        for (k, i) in order.enumerated() { losses[i] = scheduled[k] }
        return programs.indices.map { p in
            var perTask: [Float] = [], rates: [Float] = []
            for t in tasks.indices {
                var best = (loss: Float.infinity, rate: learningRates[0])
                for r in learningRates.indices {
                    let loss = losses[p * perProgram + t * learningRates.count + r]
                    if loss < best.loss { best = (loss, learningRates[r]) }  // ties keep the smaller rate
                }
                perTask.append(best.loss)
                rates.append(best.rate)
            }
            let mean = perTask.reduce(0.0) { $0 + Double($1) } / Double(perTask.count)
            return Score(fitness: mean, perTask: perTask, learningRates: rates)
        }
    }
}
