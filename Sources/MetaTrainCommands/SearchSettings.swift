// The flags that define a new `metatrain search` (its seed, population, task sets and rates); a
// resumed search keeps the settings it saved.

import ArgumentParser
import Foundation
import MetaPrograms
import MetaTasks

/// The settings of a new program search.
struct SearchSettings: ParsableArguments {
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @Option(help: "Population size.")
    var population = 48
    @Option(help: "Tournament size.")
    var tournament = 2
    @Option(help: "Children per generation (evaluated in parallel).")
    var batch = 8
    @Option(help: "Proxy tasks (the funnel set has 10×).")
    var proxyTasks = 4
    @Option(help: "Inner steps per proxy run.")
    var proxySteps = 100
    @Option(help: "Inner steps per funnel run.")
    var funnelSteps = 100
    @Option(help: "Learning rates every program is run at (best per task), comma-separated.")
    var learningRates = "0.001,0.01,0.1"
    @Option(help: "Only tasks costing at most this many MFLOP per step.")
    var maxStepMflop = 2.0
    @Option(help: "Restart the population after this many evaluations without a new best (0: never).")
    var restartAfter = 300
    @Option(help: "Most statements a program may have.")
    var maxStatements = 24

    func validate() throws {
        try FlagLimits.check(population, 2..., "--population")
        try FlagLimits.check(tournament, 1...population, "--tournament")
        try FlagLimits.check(batch, FlagLimits.positive, "--batch")
        try FlagLimits.check(proxyTasks, FlagLimits.positive, "--proxy-tasks")
        try FlagLimits.check(proxySteps, FlagLimits.positive, "--proxy-steps")
        try FlagLimits.check(funnelSteps, FlagLimits.positive, "--funnel-steps")
        try FlagLimits.check(restartAfter, FlagLimits.nonNegative, "--restart-after")
        try FlagLimits.check(maxStatements, 2..., "--max-statements")
        _ = try rates()
    }

    /// `--learning-rates` as numbers, ascending.
    func rates() throws -> [Float] {
        let parts = learningRates.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Float.init)
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ValidationError("--learning-rates: expected positive numbers separated by commas, got '\(learningRates)'")
        }
        return values.sorted()
    }

    /// A new search's config: these settings, `budget`, and proxy and funnel sets drawn from `trainList`.
    func config(budget: Int, trainList: TaskList) throws -> ProgramSearchConfig {
        let (proxy, funnel) = try SearchTasks.select(from: trainList, proxyCount: proxyTasks, maxStepMFLOP: maxStepMflop, seed: seed)
        var config = ProgramSearchConfig()
        config.seed = seed
        config.budget = budget
        config.populationSize = population
        config.tournamentSize = tournament
        config.batch = batch
        config.restartAfter = restartAfter
        config.maxStatements = maxStatements
        config.proxyTasks = proxy.map(\.id)
        config.funnelTasks = funnel.map(\.id)
        config.proxySteps = proxySteps
        config.funnelSteps = funnelSteps
        config.learningRates = try rates()
        return config
    }
}
