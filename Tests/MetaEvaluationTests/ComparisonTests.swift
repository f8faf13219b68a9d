// `Comparison` and its report: thread-count independence, the learning-rate sweep's choice, the
// summary statistics on hand-made results, the files written, and divergence handling.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks
import TestSupport

/// signSGD: p ← p − lr·sign(g). A second rule besides the registry's sgd.
struct SignDescent: Optimizer {
    var learningRate: Float
    func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }
    func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        for i in updates.indices { updates[i] = updates[i] > 0 ? -learningRate : updates[i] < 0 ? learningRate : 0 }
    }
}

/// Deliberately broken: its first step writes NaN into the parameters.
struct NaNOptimizer: Optimizer {
    func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }
    func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        for i in updates.indices { updates[i] = .nan }
    }
}

/// The hand-designed catalogue with the test optimizers added as kinds (as MetaLearned adds `lo:`).
let testCatalogue = OptimizerCatalogue.handDesigned.adding([
    OptimizerKind(name: "test-sign", summary: "sign descent", keys: [("lr", "0.01")]) { s in
        SignDescent(learningRate: try s.float("lr", default: 0.01))
    },
    OptimizerKind(name: "test-nan", summary: "NaN updates", keys: []) { _ in NaNOptimizer() },
])

func config(_ json: String) throws -> TaskConfig { try TaskSpec.decode(Data(json.utf8), file: "test") }

/// Three fast tasks: a noisy rotated quadratic, a noisy Rosenbrock, a tiny MLP on blobs.
func smallTasks() throws -> [ComparisonTask] {
    [
        ComparisonTask(name: "quad", config: try config(#"{"family": "quadratic", "dimension": 20, "condition": 100, "noise": 0.2}"#)),
        ComparisonTask(name: "rosen", config: try config(#"{"family": "function2d", "function": "rosenbrock", "noise": 1}"#)),
        ComparisonTask(name: "mlp", config: try config(#"{"family": "mlp", "hidden": [8], "batchSize": 16, "dataset": {"kind": "blobs", "samples": 256, "heldout": 64}}"#)),
    ]
}

func sgdSweep(_ rates: [Float]) -> ComparedOptimizer {
    ComparedOptimizer(name: "sgd-tuned", kind: .sweep(LearningRateSweep(base: OptimizerSpec(name: "sgd"), learningRates: rates)))
}

final class ComparisonTests: XCTestCase {

    func testResultsDoNotDependOnTheThreadCount() throws {
        let optimizers = try ComparedOptimizer.parseList("sgd:lr=0.001;test-sign:lr=0.003", catalogue: testCatalogue) + [sgdSweep([1e-6, 1e-4, 1e-2])]
        func run(_ threads: Int, progress: Bool) throws -> Comparison.Result {
            let c = Comparison(tasks: try smallTasks(), optimizers: optimizers, steps: 30, seeds: [0, 1], threads: threads, evaluateEvery: 7, catalogue: testCatalogue)
            var events = 0
            let r = try c.run(progress: progress ? { _ in events += 1 } : nil)
            if progress { XCTAssertEqual(events, c.workItems.count) }
            return r
        }
        let one = try run(1, progress: false), two = try run(2, progress: true)
        XCTAssertEqual(one.outcomes.count, 3 * 3 * 2)
        for (a, b) in zip(one.outcomes, two.outcomes) {
            let (x, y) = (a.result, b.result)
            XCTAssertEqual([x.task, x.optimizer], [y.task, y.optimizer])
            XCTAssertEqual(x.normalizedTestLoss.bitPattern, y.normalizedTestLoss.bitPattern, "\(x.task) \(x.optimizer)")
            XCTAssertEqual(x.normalizedValidationLoss.bitPattern, y.normalizedValidationLoss.bitPattern)
            XCTAssertEqual(a.learningRate, b.learningRate)
            XCTAssertEqual(x.curve.count, y.curve.count)
            func bits(_ c: [CurvePoint]) -> [UInt32] {
                c.flatMap { [$0.trainLoss.bitPattern, $0.validationLoss?.bitPattern ?? 1, $0.testLoss?.bitPattern ?? 1] }
            }
            XCTAssertEqual(bits(x.curve), bits(y.curve), "\(x.task) \(x.optimizer) seed \(x.seed)")
            XCTAssertTrue(x.normalizedTestLoss.isFinite)
        }
        // The runs do something: the tuned SGD improves on the initialization for every task and seed.
        for t in 0..<3 {
            for o in one.outcomes(task: t, optimizer: 2) {
                XCTAssertLessThan(o.result.finalValidation.loss, o.result.curve[0].validationLoss!, o.result.task)
            }
        }
        // Seeds differ (different initialization and batches).
        XCTAssertNotEqual(one.outcome(task: 0, optimizer: 0, seed: 0).result.normalizedTestLoss,
                          one.outcome(task: 0, optimizer: 0, seed: 1).result.normalizedTestLoss)
    }

    func testSweepPicksTheBestValidationLossAndReportsItsTestLoss() throws {
        // Diagonal quadratic with λ ∈ [0.1, 1]: SGD converges for lr < 2 and blows up beyond (lr 10
        // multiplies the top mode by 9 a step: infinite within 30 steps). lr 1 is best after 30 steps.
        let task = ComparisonTask(name: "bowl", config: try config(#"{"family": "quadratic", "dimension": 8, "condition": 10, "rotate": false}"#))
        let rates: [Float] = [0.01, 0.1, 1, 10]
        let result = try Comparison(tasks: [task], optimizers: [sgdSweep(rates)], steps: 30, seeds: [0, 1], threads: 2, catalogue: testCatalogue).run()
        let instance = try task.config.makeTask()
        for s in 0..<2 {
            let outcome = result.outcome(task: 0, optimizer: 0, seed: s)
            // Every rate run independently, outside the comparison.
            let direct = try rates.map { lr in
                InnerTraining.run(try OptimizerCatalogue.handDesigned.make("sgd:lr=\(lr)"), task: instance, taskName: "bowl",
                                  optimizerName: "sgd", steps: 30, seed: UInt64(s))
            }
            XCTAssertTrue(direct[3].diverged)
            XCTAssertTrue(outcome.sweep![3].diverged)
            let finite = direct.indices.filter { !direct[$0].diverged }
            let best = finite.min { direct[$0].finalValidation.loss < direct[$1].finalValidation.loss }!
            XCTAssertEqual(rates[best], 1)
            XCTAssertEqual(outcome.learningRate, 1)
            XCTAssertEqual(outcome.result.optimizer, "sgd-tuned")
            XCTAssertFalse(outcome.result.diverged)
            XCTAssertEqual(outcome.result.finalTest.loss, direct[best].finalTest.loss)
            XCTAssertEqual(outcome.result.normalizedTestLoss, direct[best].normalizedTestLoss)
            XCTAssertEqual(outcome.sweep!.map(\.learningRate), rates)
            XCTAssertEqual(outcome.sweep!.map(\.finalValidationLoss.bitPattern), direct.map(\.finalValidation.loss.bitPattern))
        }
    }

    func testDivergedRunsNeverWinTheSweep() {
        func run(_ validation: Float, diverged: Bool) -> RunResult {
            handMade(task: "t", optimizer: "o", seed: 0, normalized: 1, validation: validation, diverged: diverged)
        }
        XCTAssertEqual(RunOutcome.bestIndex([run(0.5, diverged: false), run(0.0, diverged: true), run(0.4, diverged: false)]), 2)
        XCTAssertEqual(RunOutcome.bestIndex([run(.nan, diverged: false), run(0.9, diverged: false)]), 1)
        XCTAssertEqual(RunOutcome.bestIndex([run(0.3, diverged: false), run(0.3, diverged: false)]), 0, "ties go to the smaller rate")
        XCTAssertEqual(RunOutcome.bestIndex([run(0.1, diverged: true), run(0.2, diverged: true)]), 0)
    }

    /// `per=task`: one rate for all the seeds of a task, the one with the lowest mean validation loss over
    /// them; per seed, each seed's own best. Both from the same runs, so the per-seed choice is never worse on
    /// validation.
    func testSweepPerTaskSharesOneRateAcrossSeeds() throws {
        let task = ComparisonTask(name: "mlp", config: try config(#"{"family": "mlp", "hidden": [8], "batchSize": 8, "dataset": {"kind": "blobs", "samples": 128, "heldout": 32}}"#))
        let rates: [Float] = [0.03, 0.1, 0.3, 1]
        let perTask = ComparedOptimizer(name: "sgd-tuned-task", kind: .sweep(LearningRateSweep(base: OptimizerSpec(name: "sgd"), learningRates: rates, perTask: true)))
        let seeds: [UInt64] = [0, 1, 2, 3]
        let result = try Comparison(tasks: [task], optimizers: [sgdSweep(rates), perTask], steps: 25, seeds: seeds, threads: 2, catalogue: testCatalogue).run()
        let bySeed = seeds.indices.map { result.outcome(task: 0, optimizer: 0, seed: $0) }
        let byTask = seeds.indices.map { result.outcome(task: 0, optimizer: 1, seed: $0) }
        // The same runs under both rules (same initialization and batches).
        for s in seeds.indices {
            XCTAssertEqual(bySeed[s].sweep!.map(\.finalValidationLoss.bitPattern), byTask[s].sweep!.map(\.finalValidationLoss.bitPattern))
        }
        let means = rates.indices.map { i in byTask.map { Double($0.sweep![i].finalValidationLoss) }.reduce(0, +) / Double(seeds.count) }
        let best = means.indices.min { means[$0] < means[$1] }!
        XCTAssertEqual(Set(byTask.map(\.learningRate)), [rates[best]])
        for s in seeds.indices {
            XCTAssertEqual(byTask[s].result.normalizedTestLoss, byTask[s].sweep![best].normalizedTestLoss)
            XCTAssertEqual(bySeed[s].result.finalValidation.loss, bySeed[s].sweep!.map(\.finalValidationLoss).min())
            XCTAssertLessThanOrEqual(bySeed[s].result.finalValidation.loss, byTask[s].result.finalValidation.loss)
        }
        // Hand-made: a rate that diverges on one seed never wins; ties go to the smaller rate.
        func run(_ validation: Float, _ diverged: Bool = false) -> RunResult {
            handMade(task: "t", optimizer: "o", seed: 0, normalized: 1, validation: validation, diverged: diverged)
        }
        XCTAssertEqual(RunOutcome.bestIndexOverSeeds([[run(0.5), run(0.1, true), run(0.4)], [run(0.5), run(0.1), run(0.45)]]), 2)
        XCTAssertEqual(RunOutcome.bestIndexOverSeeds([[run(0.25), run(0.125)], [run(0.25), run(0.375)]]), 0, "ties go to the smaller rate")
        XCTAssertEqual(RunOutcome.bestIndexOverSeeds([[run(0.3, true), run(0.2)], [run(0.3), run(0.2, true)]]), 0)
        // The spec key.
        let parsed = try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned:per=task"), catalogue: testCatalogue)
        guard case .sweep(let sweep) = parsed.kind else { return XCTFail("not a sweep") }
        XCTAssertTrue(sweep.perTask)
        XCTAssertEqual(parsed.name, "adam-tuned:per=task")
        guard case .sweep(let plain) = try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned"), catalogue: testCatalogue).kind else { return XCTFail("not a sweep") }
        XCTAssertFalse(plain.perTask)
        XCTAssertThrowsError(try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned:per=run"), catalogue: testCatalogue)) {
            XCTAssertTrue("\($0)".contains("per") && "\($0)".contains("seed, task"), "\($0)")
        }
        XCTAssertThrowsError(try ComparedOptimizer.parse(OptimizerSpec.parse("tuned:inner=[sgd],per=epoch"), catalogue: testCatalogue))
    }

    func testAdamTunedSpec() throws {
        let sweep = try LearningRateSweep.adamTuned(OptimizerSpec(name: "adam-tuned"))
        XCTAssertEqual(sweep.base.name, "adam")
        XCTAssertEqual(sweep.learningRates.count, 14)
        XCTAssertEqual(sweep.learningRates.first, 1e-5)
        XCTAssertEqual(sweep.learningRates.last, 1e-1)
        // Log-spaced: constant ratio 10^(4/13) ≈ 2.03 up to the 3-digit rounding.
        for (a, b) in zip(sweep.learningRates, sweep.learningRates.dropFirst()) {
            XCTAssertEqual(Double(b / a), pow(10, 4.0 / 13), accuracy: 0.02)
        }
        XCTAssertEqual(sweep.spec(learningRate: sweep.learningRates[3]).description, "adam:lr=\(sweep.learningRates[3])")
        let custom = try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned:min=1e-3,max=0.1,count=3"), catalogue: testCatalogue)
        guard case .sweep(let s) = custom.kind else { return XCTFail("not a sweep") }
        XCTAssertEqual(s.learningRates, [1e-3, 1e-2, 1e-1])
        XCTAssertEqual(custom.name, "adam-tuned:min=1e-3,max=0.1,count=3")
        XCTAssertThrowsError(try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned:steps=3"), catalogue: testCatalogue)) {
            XCTAssertTrue("\($0)".contains("min, max, count"), "\($0)")
        }
        XCTAssertThrowsError(try ComparedOptimizer.parse(OptimizerSpec(name: "nope"), catalogue: testCatalogue)) {
            XCTAssertTrue("\($0)".contains("sgd") && "\($0)".contains("adam-tuned") && "\($0)".contains("test-sign"), "\($0)")
        }
    }

    func testAdamTunedRunsWithTheRegistryAdam() throws {
        try XCTSkipUnless(OptimizerCatalogue.handDesigned.kinds.contains { $0.name == "adam" }, "the registry has no adam yet")
        let task = ComparisonTask(name: "bowl", config: try config(#"{"family": "quadratic", "dimension": 8, "condition": 10}"#))
        let optimizer = try ComparedOptimizer.parse(OptimizerSpec.parse("adam-tuned:count=4"), catalogue: testCatalogue)
        let result = try Comparison(tasks: [task], optimizers: [optimizer], steps: 20, seeds: [0], threads: 2, catalogue: testCatalogue).run()
        let outcome = result.outcome(task: 0, optimizer: 0, seed: 0)
        XCTAssertNotNil(outcome.learningRate)
        XCTAssertEqual(outcome.sweep?.count, 4)
        XCTAssertEqual(outcome.result.finalValidation.loss, outcome.sweep!.filter { !$0.diverged }.map(\.finalValidationLoss).min())
    }

    // MARK: - Summary statistics

    func testSummaryOnHandMadeResults() {
        // normalized[task][optimizer] = [seed 0, seed 1]
        let normalized: [[[Float]]] = [
            [[1, 3], [2, 2], [0.5, 0.5]],   // means 2, 2, 0.5
            [[4, 4], [1, 5], [9, 9]],       // means 4, 3, 9
            [[0, 2], [0, 0], [1, 1]],       // means 1, 0, 1
        ]
        let families = ["mlp", "mlp", "quadratic"]
        let names = ["a", "b", "c"]
        var outcomes: [RunOutcome] = []
        for t in 0..<3 {
            for o in 0..<3 {
                for s in 0..<2 {
                    outcomes.append(RunOutcome(result: handMade(
                        task: "t\(t)", family: families[t], optimizer: names[o], seed: UInt64(s),
                        normalized: normalized[t][o][s], diverged: t == 1 && o == 2)))
                }
            }
        }
        let tasks = (0..<3).map { ComparisonTaskInfo(name: "t\($0)", family: families[$0], parameters: 2, normalizer: .relative(initial: 1, minimum: 0)) }
        let result = Comparison.Result(tasks: tasks, optimizers: names, seeds: [0, 1], steps: 10, evaluateEvery: 5, outcomes: outcomes, wallSeconds: 0)
        let s = ComparisonSummary(result)
        XCTAssertEqual(s.taskMeans, [[2, 2, 0.5], [4, 3, 9], [1, 0, 1]])
        XCTAssertEqual(s.optimizers.map(\.meanNormalizedTestLoss), [7.0 / 3, 5.0 / 3, 10.5 / 3])
        XCTAssertEqual(s.optimizers.map(\.medianNormalizedTestLoss), [2, 2, 1])
        XCTAssertEqual(s.optimizers.map(\.divergedRuns), [0, 0, 2])
        XCTAssertEqual(s.optimizers.map(\.runs), [6, 6, 6])
        XCTAssertEqual(s.optimizers.map { $0.familyMeans["mlp"]! }, [3, 2.5, 4.75])
        XCTAssertEqual(s.optimizers.map { $0.familyMeans["quadratic"]! }, [1, 0, 1])
        XCTAssertEqual(s.families, ["mlp", "quadratic"])
        // a vs b: tie, 4 > 3, 1 > 0 → a wins 0, b wins 2. a vs c: 2 > 0.5, 4 < 9, 1 = 1 → 1 and 1.
        // b vs c: 2 > 0.5, 3 < 9, 0 < 1 → b wins 2, c wins 1.
        XCTAssertEqual(s.wins, [[0, 0, 1], [2, 0, 2], [1, 1, 0]])
        XCTAssertEqual(s.best(task: 0), [2])
        XCTAssertEqual(s.best(task: 2), [1])
        let stats = Statistics([1, 2, 3, 10])
        XCTAssertEqual(stats.mean, 4)
        XCTAssertEqual(stats.median, 2.5)
        XCTAssertEqual(stats.standardDeviation, (50.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Statistics([5]).standardDeviation, 0)
    }

    // MARK: - Files

    func testReportFilesAndDivergedRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("metatrain-compare-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let optimizers = try ComparedOptimizer.parseList("sgd:lr=0.001,clip_norm=10;test-nan;test-sign:lr=0.003", catalogue: testCatalogue) + [sgdSweep([1e-6, 1e-3])]
        let tasks = try smallTasks()
        let steps = 20
        let result = try Comparison(tasks: tasks, optimizers: optimizers, steps: steps, seeds: [0, 1], threads: 2, evaluateEvery: 5, catalogue: testCatalogue).run()
        let context = ReportContext(taskSource: "test tasks", commandLine: "metatrain compare …", threads: 2)
        let reportPath = try ComparisonReport.write(result, context: context, to: dir.path)
        XCTAssertEqual(reportPath, dir.appendingPathComponent("report.md").path)

        // The broken optimizer diverges on its first step everywhere, scores the cap, and is counted.
        let summary = ComparisonSummary(result)
        XCTAssertEqual(summary.optimizers[1].divergedRuns, tasks.count * 2)
        for t in tasks.indices {
            for o in result.outcomes(task: t, optimizer: 1) {
                XCTAssertTrue(o.result.diverged)
                XCTAssertEqual(o.result.normalizedTestLoss, result.tasks[t].normalizer.cap)
            }
        }

        // report.md names every task and optimizer and marks the diverged runs.
        let report = try String(contentsOfFile: reportPath, encoding: .utf8)
        for t in tasks { XCTAssertTrue(report.contains("[\(t.name)](plots/\(t.name).svg)"), t.name) }
        for o in optimizers { XCTAssertTrue(report.contains("`\(o.name)`"), o.name) }
        XCTAssertTrue(report.contains("† 2"), "diverged runs marked")
        XCTAssertTrue(report.contains("| `test-nan` | ") && report.contains("6 / 6"), report)
        XCTAssertTrue(report.contains("sgd-tuned` lr"))
        XCTAssertTrue(report.contains("2 log-spaced values from 1e-06 to 0.001"), "sweep rates taken from the outcomes")
        XCTAssertFalse(report.lowercased().contains("nan ±"))

        // curves.csv: header, one row per curve point (a diverged run's final evaluation merges into its last step).
        let csv = try String(contentsOf: dir.appendingPathComponent("curves.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(rows.first, Substring(ComparisonReport.csvHeader))
        let expected = result.outcomes.map { $0.result.diverged ? $0.result.curve.last!.step + 1 : steps + 1 }.reduce(0, +)
        XCTAssertEqual(rows.count - 1, expected)
        XCTAssertTrue(rows.contains { $0.hasPrefix("quad,quadratic,\"sgd:lr=0.001,clip_norm=10\",0,0,") }, "specs with commas are quoted")
        XCTAssertTrue(rows.contains { $0.hasPrefix("mlp,mlp,sgd-tuned,1,20,,") }, "final point: no training loss")
        XCTAssertTrue(rows.contains { $0.hasPrefix("rosen,function2d,test-nan,0,0,") })
        for row in rows.dropFirst() { XCTAssertEqual(fields(String(row)).count, 8, String(row)) }

        // JSON files decode.
        let summaryFile = try ComparisonReport.decoder().decode(
            ComparisonReport.SummaryFile.self, from: Data(contentsOf: dir.appendingPathComponent("summary.json")))
        XCTAssertEqual(summaryFile.wins["sgd-tuned"]?["test-nan"], 3)
        XCTAssertEqual(summaryFile.config.steps, steps)
        XCTAssertEqual(summaryFile.chosenLearningRates["quad"]?["sgd-tuned"]?.count, 2)
        let results = try ComparisonReport.decoder().decode(
            ComparisonReport.ResultsFile.self, from: Data(contentsOf: dir.appendingPathComponent("results.json")))
        XCTAssertEqual(results.runs.count, result.outcomes.count)
        XCTAssertEqual(results.runs.filter(\.diverged).count, summary.optimizers.map(\.divergedRuns).reduce(0, +))
        XCTAssertEqual(results.runs.filter { $0.diverged && $0.optimizer == "test-nan" }.count, 6)
        XCTAssertEqual(results.runs.filter { $0.sweep != nil }.count, 6)

        // SVGs: well-formed XML, legends name the optimizers, no non-finite coordinates.
        let plots = ["aggregate.svg", "summary.svg"] + tasks.map { "plots/\($0.name).svg" }
        for plot in plots {
            let data = try Data(contentsOf: dir.appendingPathComponent(plot))
            let svg = String(decoding: data, as: UTF8.self)
            assertWellFormedSVG(data, plot)
            for o in optimizers { XCTAssertTrue(svg.contains(">\(o.name)<") || svg.contains(">\(o.name) ("), "\(plot) legend lacks \(o.name)") }
            XCTAssertNil(svg.range(of: #"="[^"]*(nan|inf|NaN)[^"]*""#, options: .regularExpression), plot)
            XCTAssertNil(svg.range(of: #"[ML]-?[0-9.]*(nan|inf)"#, options: .regularExpression), plot)
        }
    }

    func testSVGChartsSurviveNonFiniteAndDegenerateData() throws {
        // Every run diverges at once or stays flat (lr 0), on a function with negative losses.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("metatrain-compare-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = ComparisonTask(name: "heldout/odd name <&>", config: try config(#"{"family": "function2d", "function": "styblinski_tang"}"#))
        let result = try Comparison(tasks: [task], optimizers: try ComparedOptimizer.parseList("test-nan;sgd:lr=0", catalogue: testCatalogue), steps: 5, seeds: [3], threads: 1, catalogue: testCatalogue).run()
        try ComparisonReport.write(result, context: ReportContext(taskSource: "x", commandLine: "x", threads: 1), to: dir.path)
        let names = ComparisonReport.plotFileNames([task.name])
        XCTAssertEqual(names, ["heldout_odd_name____.svg"])
        for plot in ["aggregate.svg", "summary.svg", "plots/\(names[0])"] {
            let data = try Data(contentsOf: dir.appendingPathComponent(plot))
            assertWellFormedSVG(data, plot)
            let svg = String(decoding: data, as: UTF8.self)
            XCTAssertNil(svg.range(of: #"="[^"]*(nan|inf|NaN)[^"]*""#, options: .regularExpression), plot)
            XCTAssertNil(svg.range(of: #"[ML]-?[0-9.]*(nan|inf)"#, options: .regularExpression), plot)
        }
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("plots/\(names[0])"), encoding: .utf8).contains("&lt;&amp;&gt;"))
    }

    func testProgressReporter() throws {
        var lines: [String] = []
        let log = ProgressReporter(line: ProgressLine(interactive: false) { lines.append($0) })
        let run = handMade(task: "heldout/mlp-001", optimizer: "adam:lr=0.001", seed: 1, normalized: 0.25, diverged: false)
        log.report(ProgressEvent(result: run, done: 3, total: 10, fraction: 0.3, elapsedSeconds: 12))
        XCTAssertEqual(lines, ["[3/10] heldout/mlp-001 adam:lr=0.001 seed 1: normalized test loss 0.25, 0.50 s\n"])
        XCTAssertEqual(ProgressReporter.line(ProgressEvent(result: run, done: 3, total: 10, fraction: 0.25, elapsedSeconds: 30), width: 8),
                       "[##......] 3/10 runs  0:30 elapsed  ETA 1:30")
        XCTAssertEqual(ProgressReporter.duration(3725), "1:02:05")
        var drawn: [String] = []
        let bar = ProgressReporter(line: ProgressLine(interactive: true) { drawn.append($0) })
        bar.report(ProgressEvent(result: run, done: 10, total: 10, fraction: 1, elapsedSeconds: 40))
        bar.finish()
        XCTAssertTrue(drawn[0].hasPrefix("\r[") && drawn[0].contains("10/10 runs") && !drawn[0].contains("ETA"))
        XCTAssertEqual(drawn.last, "\n")
    }

    /// The live line: redrawn in place on a terminal (throttled, the final update always shown), printed
    /// at most every `logInterval` seconds in a log; messages end a drawn line first.
    func testProgressLine() {
        var tty: [String] = []
        let live = ProgressLine(interactive: true) { tty.append($0) }
        live.update("a")
        live.update("b")              // within 0.1 s of "a": skipped
        live.update("c", final: true)
        live.log("note")
        live.finish()
        XCTAssertEqual(tty, ["\ra\u{1B}[K", "\rc\u{1B}[K", "\n", "note\n"])
        var log: [String] = []
        let plain = ProgressLine(interactive: false, logInterval: 3600) { log.append($0) }
        plain.update("a")
        plain.update("b")
        plain.update("c", final: true)
        plain.finish()
        XCTAssertEqual(log, ["a\n", "c\n"])
        XCTAssertEqual(ProgressLine.bar(0.5, width: 4), "[##..]")
    }

    func testInvalidComparisonsThrow() throws {
        let tasks = try smallTasks()
        let sgd = try ComparedOptimizer.parseList("sgd", catalogue: testCatalogue)
        XCTAssertThrowsError(try Comparison(tasks: [], optimizers: sgd, steps: 5, seeds: [0], catalogue: testCatalogue).run())
        XCTAssertThrowsError(try Comparison(tasks: tasks, optimizers: sgd + sgd, steps: 5, seeds: [0], catalogue: testCatalogue).run()) {
            XCTAssertTrue("\($0)".contains("twice"))
        }
        XCTAssertThrowsError(try Comparison(tasks: tasks, optimizers: sgd, steps: 0, seeds: [0], catalogue: testCatalogue).run())
        let bad = ComparisonTask(name: "bad", config: .quadratic(QuadraticConfig(dimension: 0)))
        XCTAssertThrowsError(try Comparison(tasks: [bad], optimizers: sgd, steps: 5, seeds: [0], catalogue: testCatalogue).run()) {
            XCTAssertTrue("\($0)".contains("bad") && "\($0)".contains("dimension"), "\($0)")
        }
    }
}

func handMade(task: String, family: String = "quadratic", optimizer: String, seed: UInt64, normalized: Float,
              validation: Float = 1, diverged: Bool) -> RunResult {
    RunResult(
        task: task, family: family, optimizer: optimizer, seed: seed, steps: 10,
        curve: [CurvePoint(step: 0, trainLoss: 2, validationLoss: 2, testLoss: 2),
                CurvePoint(step: 10, trainLoss: .nan, validationLoss: validation, testLoss: normalized)],
        finalTrain: TaskEvaluation(loss: 1), finalValidation: TaskEvaluation(loss: validation),
        finalTest: TaskEvaluation(loss: normalized), normalizedTestLoss: normalized,
        normalizedValidationLoss: validation, diverged: diverged, seconds: 0.5)
}

/// Splits a CSV row, honouring double quotes.
func fields(_ row: String) -> [String] {
    var out: [String] = [], current = "", quoted = false
    for c in row {
        if c == "\"" {
            quoted.toggle()
        } else if c == "," && !quoted {
            out.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    out.append(current)
    return out
}

/// Parses with Foundation's XMLParser and checks the root is an <svg>.
func assertWellFormedSVG(_ data: Data, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    final class Root: NSObject, XMLParserDelegate {
        var first: String?
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if first == nil { first = element }
        }
    }
    let parser = XMLParser(data: data)
    let root = Root()
    parser.delegate = root
    XCTAssertTrue(parser.parse(), "\(name): \(parser.parserError.map { "\($0)" } ?? "parse failed")", file: file, line: line)
    XCTAssertEqual(root.first, "svg", name, file: file, line: line)
}
