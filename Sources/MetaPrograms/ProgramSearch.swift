// Regularized evolution over optimizer programs (Real et al. 2019 as used by Chen et al. 2023,
// docs/architecture.md §7). The population starts as copies of AdamW; each generation draws `batch` children, each
// a mutation of the winner of a tournament of `tournament` random members; children that cannot run
// are rejected by abstract execution, the rest are looked up in a cache keyed by the hash of their
// pruned dataflow graph and only new graphs are trained. Each child then replaces the oldest member.
// Funnel selection: a child that beats AdamW on the proxy tasks is trained on the 10× larger set and
// only there may it become the best. After `restartAfter` evaluations without a new best the
// population restarts, alternately from AdamW and from the best program.
//
// Determinism: generation k draws from RandomKey(seed).fold("generation").fold(k), and evaluation does
// not depend on threads, so a seed fixes the run; the state is plain data saved between generations,
// so a resumed run continues exactly as an uninterrupted one would.

import Foundation
import MetaCore
import MetaEvaluation

/// Settings of a search (saved with its state).
public struct ProgramSearchConfig: Codable, Sendable, Equatable {
    public var seed: UInt64 = 0
    /// Proxy evaluations to spend (cache hits and funnel re-evaluations are not counted).
    public var budget: Int = 1000
    public var populationSize: Int = 48
    public var tournamentSize: Int = 2
    /// Children drawn per generation (evaluated in parallel).
    public var batch: Int = 8
    /// Evaluations without a new best before a restart (0: never).
    public var restartAfter: Int = 300
    public var maxStatements: Int = 24
    /// Zoo ids of the proxy and the funnel (10× larger) task sets.
    public var proxyTasks: [String] = []
    public var funnelTasks: [String] = []
    public var proxySteps: Int = 100
    public var funnelSteps: Int = 100
    /// The learning-rate budget: each program (AdamW included) is run at every rate, best per task.
    public var learningRates: [Float] = [1e-3, 1e-2, 1e-1]
    /// Relative loss in fitness a statement may cost and still count as negligible when simplifying.
    public var simplifyTolerance: Double = 0.005

    public init() {}
}

/// One evaluated program and its scores.
public struct ScoredProgram: Codable, Sendable, Equatable {
    public var text: String
    public var hash: UInt64
    public var proxyFitness: Double
    public var funnelFitness: Double?

    public var program: Program { try! ProgramParser.parse(text) }  // written by Program.text
}

/// A row of progress.csv.
public struct SearchProgress: Codable, Sendable, Equatable {
    public var generation: Int
    public var generated: Int
    public var valid: Int
    public var evaluations: Int
    public var cacheHits: Int
    public var funnelEvaluations: Int
    public var bestProxyFitness: Double
    public var bestFunnelFitness: Double
    public var seconds: Double
}

/// Everything needed to continue a search.
public struct ProgramSearchState: Codable, Sendable {
    public var config: ProgramSearchConfig
    public var generation = 0
    /// Oldest first.
    public var population: [ScoredProgram] = []
    /// Graph hash (hex) → proxy fitness, and → funnel fitness.
    public var proxyCache: [String: Double] = [:]
    public var funnelCache: [String: Double] = [:]
    public var generated = 0
    public var valid = 0
    public var evaluations = 0
    public var cacheHits = 0
    public var funnelEvaluations = 0
    public var restarts = 0
    public var evaluationsSinceImprovement = 0
    public var baseline: ScoredProgram
    public var best: ScoredProgram
    /// Programs that passed the funnel's first stage, with both scores (best first).
    public var finalists: [ScoredProgram] = []
    public var progress: [SearchProgress] = []
    public var seconds = 0.0

    public var cacheHitRate: Double { valid == 0 ? 0 : Double(cacheHits) / Double(valid) }
    public var validRate: Double { generated == 0 ? 0 : Double(valid) / Double(generated) }
    public var finished: Bool { evaluations >= config.budget }
}

public final class ProgramSearch {
    public private(set) var state: ProgramSearchState
    public let proxy: ProgramFitness
    public let funnel: ProgramFitness

    static func key(_ hash: UInt64) -> String { String(hash, radix: 16) }

    /// A new search: scores AdamW on both task sets and fills the population with it.
    public init(config: ProgramSearchConfig, proxy: ProgramFitness, funnel: ProgramFitness) {
        self.proxy = proxy
        self.funnel = funnel
        let adamw = KnownPrograms.adamw
        let hash = ProgramAnalysis.graphHash(adamw)
        let p = proxy.score([adamw])[0].fitness
        let f = funnel.score([adamw])[0].fitness
        let baseline = ScoredProgram(text: adamw.text, hash: hash, proxyFitness: p, funnelFitness: f)
        state = ProgramSearchState(config: config, baseline: baseline, best: baseline)
        state.population = Array(repeating: baseline, count: config.populationSize)
        state.proxyCache[Self.key(hash)] = p
        state.funnelCache[Self.key(hash)] = f
    }

    /// Continues a saved search.
    public init(state: ProgramSearchState, proxy: ProgramFitness, funnel: ProgramFitness) {
        self.state = state
        self.proxy = proxy
        self.funnel = funnel
    }

    /// Runs generations until the budget is spent or `shouldStop` says so (checked between
    /// generations). `afterGeneration` sees the state after each one (for progress and saving).
    public func run(shouldStop: () -> Bool = { false }, afterGeneration: (ProgramSearchState) -> Void = { _ in }) {
        while !state.finished && !shouldStop() {
            let start = DispatchTime.now().uptimeNanoseconds
            generation()
            state.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            afterGeneration(state)
        }
    }

    /// One generation: `batch` children, evaluated together, then inserted oldest-out.
    public func generation() {
        let config = state.config
        var rng = RandomKey(seed: config.seed).fold("generation").fold(UInt64(state.generation)).generator()
        var children: [(program: Program, hash: UInt64)] = []
        for _ in 0..<config.batch {
            let contestants = (0..<config.tournamentSize).map { _ in state.population[rng.int(below: state.population.count)] }
            let parent = contestants.min { $0.proxyFitness < $1.proxyFitness }!  // first of equals wins
            let child = ProgramMutation.child(of: parent.program, rng: &rng, maxStatements: config.maxStatements)
            state.generated += 1
            guard (try? ProgramAnalysis.check(child)) != nil else { continue }
            state.valid += 1
            children.append((child, ProgramAnalysis.graphHash(child)))
        }
        // Only graphs never seen are trained (a repeat within the batch is a cache hit too).
        var fresh: [Int] = []
        var seen = Set<UInt64>()
        for (i, c) in children.enumerated() {
            if state.proxyCache[Self.key(c.hash)] != nil || !seen.insert(c.hash).inserted {
                state.cacheHits += 1
            } else {
                fresh.append(i)
            }
        }
        let scores = proxy.score(fresh.map { ProgramAnalysis.pruned(children[$0].program) })
        for (k, i) in fresh.enumerated() { state.proxyCache[Self.key(children[i].hash)] = scores[k].fitness }
        state.evaluations += fresh.count
        state.evaluationsSinceImprovement += fresh.count

        var scored = children.map { c in
            ScoredProgram(text: c.program.text, hash: c.hash, proxyFitness: state.proxyCache[Self.key(c.hash)]!, funnelFitness: nil)
        }
        // Funnel: beat AdamW on the proxy tasks, then on the larger set, before becoming the best.
        let promising = scored.indices.filter {
            scored[$0].proxyFitness < state.baseline.proxyFitness && state.funnelCache[Self.key(scored[$0].hash)] == nil
        }
        var promisingUnique: [Int] = []
        var seenFunnel = Set<UInt64>()
        for i in promising where seenFunnel.insert(scored[i].hash).inserted { promisingUnique.append(i) }
        let funnelScores = funnel.score(promisingUnique.map { ProgramAnalysis.pruned(scored[$0].program) })
        for (k, i) in promisingUnique.enumerated() {
            state.funnelCache[Self.key(scored[i].hash)] = funnelScores[k].fitness
            state.funnelEvaluations += 1
        }
        for i in scored.indices { scored[i].funnelFitness = state.funnelCache[Self.key(scored[i].hash)] }
        for s in scored {
            state.population.removeFirst()
            state.population.append(s)
            guard let f = s.funnelFitness, s.proxyFitness < state.baseline.proxyFitness else { continue }
            if !state.finalists.contains(where: { $0.hash == s.hash }) {
                state.finalists.append(s)
                state.finalists.sort { ($0.funnelFitness!, $0.proxyFitness, $0.text) < ($1.funnelFitness!, $1.proxyFitness, $1.text) }
                if state.finalists.count > 20 { state.finalists.removeLast() }
            }
            if f < state.baseline.funnelFitness! && f < state.best.funnelFitness! {
                state.best = s
                state.evaluationsSinceImprovement = 0
            }
        }
        state.generation += 1
        if config.restartAfter > 0 && state.evaluationsSinceImprovement >= config.restartAfter {
            restart()
        }
        state.progress.append(SearchProgress(
            generation: state.generation, generated: state.generated, valid: state.valid, evaluations: state.evaluations,
            cacheHits: state.cacheHits, funnelEvaluations: state.funnelEvaluations,
            bestProxyFitness: state.best.proxyFitness, bestFunnelFitness: state.best.funnelFitness!,
            seconds: state.seconds))
    }

    /// Refills the population from AdamW (even restarts) or the best program (odd ones).
    func restart() {
        state.restarts += 1
        let seed = state.restarts % 2 == 1 && state.best.hash != state.baseline.hash ? state.best : state.baseline
        state.population = Array(repeating: seed, count: state.config.populationSize)
        state.evaluationsSinceImprovement = 0
    }

    /// Removes statements with negligible effect: repeatedly tries deleting each statement of the
    /// pruned program, scores the valid results on the funnel set, and keeps the deletion that hurts
    /// least while staying within `simplifyTolerance` (relative) of the program's score. Returns the
    /// simplified program and its funnel score.
    public static func simplify(_ program: Program, score: Double, on fitness: ProgramFitness, tolerance: Double) -> (Program, Double) {
        var current = ProgramAnalysis.pruned(program)
        var currentScore = score
        let limit = score + tolerance * Swift.abs(score)
        while current.statements.count > 1 {
            var candidates: [Program] = []
            for i in current.statements.indices {
                var c = current
                c.statements.remove(at: i)
                guard (try? ProgramAnalysis.check(c)) != nil else { continue }
                candidates.append(ProgramAnalysis.pruned(c))
            }
            guard !candidates.isEmpty else { break }
            let scores = fitness.score(candidates).map(\.fitness)
            guard let best = scores.indices.min(by: { scores[$0] < scores[$1] }), scores[best] <= limit else { break }
            current = candidates[best]
            currentScore = scores[best]
        }
        return (current, currentScore)
    }
}
