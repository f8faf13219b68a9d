// The search on a few cheap zoo tasks: same seed → same run, a saved and resumed run equals an
// uninterrupted one, scores do not depend on threads, and simplification removes a statement with
// no effect.

import Foundation
import XCTest
import MetaCore
import MetaEvaluation
import MetaTasks
@testable import MetaPrograms

final class ProgramSearchTests: XCTestCase {
    func taskSets(threads: Int = 2) throws -> (ProgramFitness, ProgramFitness, ProgramSearchConfig) {
        let zoo = try TaskZoo.locate(packageRoot.appendingPathComponent("TaskZoo").path)
        let (proxy, funnel) = try SearchTasks.select(from: try zoo.list("train"), proxyCount: 2, funnelFactor: 2, maxStepMFLOP: 0.05, seed: 1)
        var config = ProgramSearchConfig()
        config.seed = 42
        config.budget = 24
        config.populationSize = 8
        config.batch = 4
        config.restartAfter = 12
        config.proxySteps = 20
        config.funnelSteps = 20
        config.proxyTasks = proxy.map(\.id)
        config.funnelTasks = funnel.map(\.id)
        func tasks(_ e: [ZooEntry]) -> [ComparisonTask] { e.map { ComparisonTask(name: $0.id, config: $0.config) } }
        return (try ProgramFitness(tasks: tasks(proxy), steps: 20, learningRates: config.learningRates, threads: threads),
                try ProgramFitness(tasks: tasks(funnel), steps: 20, learningRates: config.learningRates, threads: threads), config)
    }

    func encoded(_ s: ProgramSearchState) throws -> String {
        var s = s
        s.seconds = 0
        s.progress = s.progress.map { var p = $0; p.seconds = 0; return p }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(s), as: UTF8.self)
    }

    func testSameSeedSameSearchAndResumeContinuesExactly() throws {
        let (proxy, funnel, config) = try taskSets()
        XCTAssertEqual(Set(config.proxyTasks).intersection(config.funnelTasks), [], "funnel tasks are new tasks")
        let a = ProgramSearch(config: config, proxy: proxy, funnel: funnel)
        a.run()
        let b = ProgramSearch(config: config, proxy: proxy, funnel: funnel)
        b.run()
        XCTAssertEqual(try encoded(a.state), try encoded(b.state))
        XCTAssertTrue(a.state.finished)
        XCTAssertGreaterThanOrEqual(a.state.evaluations, config.budget)
        XCTAssertGreaterThan(a.state.generated, a.state.valid, "some children are rejected before evaluation")
        XCTAssertEqual(a.state.valid, a.state.evaluations + a.state.cacheHits)
        XCTAssertEqual(a.state.population.count, config.populationSize)

        // Stop after two generations, save as JSON, load, continue: the same run.
        let c = ProgramSearch(config: config, proxy: proxy, funnel: funnel)
        var generations = 0
        c.run(shouldStop: { generations >= 2 }) { _ in generations += 1 }
        XCTAssertFalse(c.state.finished)
        let saved = try JSONEncoder().encode(c.state)
        let d = ProgramSearch(state: try JSONDecoder().decode(ProgramSearchState.self, from: saved), proxy: proxy, funnel: funnel)
        d.run()
        XCTAssertEqual(try encoded(d.state), try encoded(a.state))

        // A different seed explores differently.
        var other = config
        other.seed = 43
        let e = ProgramSearch(config: other, proxy: proxy, funnel: funnel)
        e.run()
        XCTAssertNotEqual(e.state.population.map(\.text), a.state.population.map(\.text))
    }

    func testScoresDoNotDependOnThreadsAndBrokenProgramsScoreWorse() throws {
        let (one, _, _) = try taskSets(threads: 1)
        let (two, _, _) = try taskSets(threads: 2)
        let programs = [KnownPrograms.adamw, KnownPrograms.program("lion")!]
        XCTAssertEqual(one.score(programs), two.score(programs))
        // An optimizer that ascends the loss must score worse than AdamW.
        var ascent = KnownPrograms.adamw
        ascent.statements.append(Statement("update", .mul, [.variable("update"), .constant(-1)]))
        let s = one.score([KnownPrograms.adamw, ascent])
        XCTAssertLessThan(s[0].fitness, s[1].fitness)
        XCTAssertTrue(s.allSatisfy { $0.fitness.isFinite })
    }

    func testSimplifyRemovesAStatementWithoutEffect() throws {
        let (proxy, _, _) = try taskSets()
        var padded = KnownPrograms.adamw
        // Multiplying by 1 changes the graph but not a single number.
        padded.statements.insert(Statement("u", .mul, [.variable("u"), .constant(1)]), at: 6)
        let score = proxy.score([padded])[0].fitness
        XCTAssertEqual(score, proxy.score([KnownPrograms.adamw])[0].fitness)
        let (simplified, simplifiedScore) = ProgramSearch.simplify(padded, score: score, on: proxy, tolerance: 0)
        XCTAssertLessThan(simplified.statements.count, padded.statements.count)
        XCTAssertFalse(simplified.body.contains("u * 1"), simplified.body)
        XCTAssertLessThanOrEqual(simplifiedScore, score)
    }
}
