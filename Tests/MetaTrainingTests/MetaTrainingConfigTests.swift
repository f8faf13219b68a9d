// Strict config reading: errors name the key; defaults and the sanity configuration round-trip.

import Foundation
import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining
import XCTest

final class MetaTrainingConfigTests: XCTestCase {
    func decode(_ json: String) throws -> MetaTrainingConfig {
        try MetaTrainingConfig.decode(Data(json.utf8))
    }

    func assertError(_ json: String, location: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(json), file: file, line: line) { error in
            let e = error as? SpecError
            XCTAssertEqual(e?.location, location, "\(error)", file: file, line: line)
        }
    }

    func testDefaults() throws {
        let c = try decode("{}")
        XCTAssertEqual(c, MetaTrainingConfig())
        XCTAssertEqual(c.estimator, .pes)
        XCTAssertEqual(c.tasks, .zooList("train"))
        XCTAssertEqual(c.tasksPerStep, 8)
        XCTAssertEqual(c.truncationLength, 50)
        XCTAssertEqual(c.horizon, 100...300)
        XCTAssertEqual(c.sigma, 0.01)
        XCTAssertEqual(c.outerOptimizer, "adam:lr=1e-3")
        XCTAssertEqual(c.gradientClip, 0.1)
        XCTAssertEqual(c.lossCap, 20)
        XCTAssertEqual(c.metaLossSplit, .validation)
        XCTAssertNil(c.threads)
    }

    func testRoundTrip() throws {
        for c in [MetaTrainingConfig(), .quadraticSanity] {
            let data = try JSONEncoder().encode(c)
            XCTAssertEqual(try MetaTrainingConfig.decode(data), c)
        }
        let c = try decode(#"{"estimator": "es", "tasks": [{"family": "quadratic", "dimension": 3}], "families": ["quadratic"], "horizon": [20, 40], "threads": 2, "metaLossSplit": "train"}"#)
        XCTAssertEqual(c.estimator, .es)
        XCTAssertEqual(c.horizon, 20...40)
        XCTAssertEqual(c.threads, 2)
        XCTAssertEqual(c.metaLossSplit, .train)
        XCTAssertEqual(try c.resolveTasks().count, 1)
        XCTAssertEqual(try MetaTrainingConfig.decode(try JSONEncoder().encode(c)), c)
    }

    /// `metaLossWeighting`: `ramp` round-trips; `mean` (the default) is stored as nil and never written,
    /// so configs of earlier runs encode as before.
    func testMetaLossWeighting() throws {
        XCTAssertNil(try decode("{}").metaLossWeighting)
        XCTAssertNil(try decode(#"{"metaLossWeighting": "mean"}"#).metaLossWeighting)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(MetaTrainingConfig()), as: UTF8.self).contains("metaLossWeighting"))
        let c = try decode(#"{"metaLossWeighting": "ramp"}"#)
        XCTAssertEqual(c.metaLossWeighting, .ramp)
        XCTAssertEqual(try MetaTrainingConfig.decode(try JSONEncoder().encode(c)), c)
        assertError(#"{"metaLossWeighting": "final"}"#, location: "metaLossWeighting")
    }

    func testErrorsNameTheKey() {
        assertError(#"{"tasksPerstep": 4}"#, location: "tasksPerstep")
        assertError(#"{"estimator": "sgd"}"#, location: "estimator")
        assertError(#"{"sigma": -1}"#, location: "sigma")
        assertError(#"{"sigma": "big"}"#, location: "sigma")
        assertError(#"{"tasksPerStep": 0}"#, location: "tasksPerStep")
        assertError(#"{"horizon": [300, 100]}"#, location: "horizon")
        assertError(#"{"horizon": [100]}"#, location: "horizon")
        assertError(#"{"metaLossSplit": "test"}"#, location: "metaLossSplit")
        assertError(#"{"outerOptimizer": "adam:lr="}"#, location: "outerOptimizer")
        assertError(#"{"tasks": "everything"}"#, location: "tasks")
        assertError(#"{"tasks": []}"#, location: "tasks")
        assertError(#"{"tasks": [{"family": "quadratic", "dimenson": 3}]}"#, location: "tasks[0].dimenson")
        assertError(#"{"families": ["quadratic", "rnn"]}"#, location: "families[1]")
        assertError(#"{"threads": 0}"#, location: "threads")
        assertError(#"{"metricsFile": "a/b.jsonl"}"#, location: "metricsFile")
    }

    func testFamilyFilterThatLeavesNothingIsAnError() throws {
        let c = try decode(#"{"tasks": [{"family": "quadratic"}], "families": ["mlp"]}"#)
        XCTAssertThrowsError(try c.resolveTasks()) { XCTAssertEqual(($0 as? SpecError)?.location, "tasks") }
    }

    /// The sanity configuration's tasks are exactly ‖p − p*‖² in 10 dimensions.
    func testQuadraticSanityTasksAreSquaredDistances() throws {
        let c = MetaTrainingConfig.quadraticSanity
        XCTAssertEqual(c.estimator, .pes)
        XCTAssertEqual(c.tasksPerStep, 4)
        XCTAssertEqual(c.truncationLength, 50)
        XCTAssertEqual(c.horizon, 100...300)
        XCTAssertEqual(c.outerSteps, 1500)
        let tasks = try c.resolveTasks()
        XCTAssertEqual(tasks.count, 4)
        for config in tasks {
            let task = try config.makeTask() as! QuadraticTask
            XCTAssertEqual(task.layout.count, 10)
            var rng = RandomKey(seed: 9).generator()
            let p = rng.normals(10)
            let expected = zip(p, task.target).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            XCTAssertEqual(task.batchLoss(p, split: .validation, key: RandomKey(seed: 1)), expected, accuracy: 1e-5 * expected)
        }
        XCTAssertEqual(Set(tasks).count, 4, "distinct targets")
    }
    /// `innerWrapper` puts step-size wrappers around the learned optimizer during meta-training:
    /// `theta` stands for it. The trained optimizer is the wrapped one; bad wrappers name the key.
    func testInnerWrapperWrapsTheLearnedOptimizer() throws {
        var c = testConfig(estimator: .pes)
        c.innerWrapper = "hypergrad:init_scale=0.5,inner=[theta]"
        c = try MetaTrainingConfig.decode(try JSONEncoder().encode(c))
        XCTAssertEqual(c.innerWrapper, "hypergrad:init_scale=0.5,inner=[theta]")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(testConfig(estimator: .pes)), as: UTF8.self).contains("innerWrapper"))

        let wrapped = try MetaTrainer(config: c)
        let bare = wrapped.learnedOptimizer.optimizer(metaParameters: wrapped.metaParameters)
        let layout = ParameterLayout([("w", [3])])
        func firstUpdate(_ o: any Optimizer) -> [Float] {
            func run<O: Optimizer>(_ o: O) -> [Float] {
                let x: [Float] = [0.5, -1, 2]
                var state = o.initialState(parameters: x, layout: layout)
                var u: [Float] = [1, -2, 0.25]
                o.update(&u, state: &state, parameters: x, context: StepContext(step: 0, loss: 1, layout: layout))
                return u
            }
            return run(o)
        }
        let b = firstUpdate(bare), w = firstUpdate(try wrapped.trainedOptimizer)
        XCTAssertTrue(b.contains { $0 != 0 })
        for i in b.indices { XCTAssertEqual(w[i], 0.5 * b[i], accuracy: 1e-7) }

        // Meta-training sees the wrapper (θ moves differently), and stays thread-count independent.
        var plain = c
        plain.innerWrapper = nil
        let p = try MetaTrainer(config: plain)
        for _ in 0..<3 { try p.step(); try wrapped.step() }
        XCTAssertNotEqual(p.metaParameters, wrapped.metaParameters)
        var two = c
        two.threads = 2
        let t = try MetaTrainer(config: two)
        for _ in 0..<3 { try t.step() }
        XCTAssertEqual(t.metaParameters, wrapped.metaParameters)

        assertError(#"{"innerWrapper": "hypergrad:inner=[adam]"}"#, location: "innerWrapper")
        assertError(#"{"innerWrapper": "hypergrad:inner=[theta"}"#, location: "innerWrapper")
        c.innerWrapper = "hypergrad:inner=[theta],nope=1"
        XCTAssertThrowsError(try MetaTrainer(config: c)) { error in
            XCTAssertTrue("\(error)".contains("innerWrapper") && "\(error)".contains("nope"), "\(error)")
        }
        XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make("hypergrad:inner=[theta]")) { error in
            XCTAssertTrue("\(error)".contains("innerWrapper"), "\(error)")
        }
    }
}

final class MetaTrainerSetupTests: XCTestCase {
    /// A task that cannot be built is reported when the trainer is made, not inside a worker.
    func testUnbuildableTaskIsReportedAtConstruction() {
        var c = testConfig(estimator: .es)
        let bad = TaskConfig.quadratic(QuadraticConfig(dimension: 0))
        c.tasks = .explicit([bad])
        XCTAssertThrowsError(try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(), outerOptimizer: Scale(0), tasks: [bad])) { error in
            XCTAssertTrue(error is SpecError, "\(error)")
            XCTAssertTrue("\(error)".contains("dimension"), "\(error)")
        }
    }

    /// `initialCheckpoint` warm-starts θ from a saved learned optimizer (round-tripping through the config);
    /// one of another architecture or widths, or a missing file, is an error naming the key.
    func testWarmStartTakesThetaFromTheCheckpoint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lo = LearnableAdam(config: LearnableAdamConfig(learningRate: 3e-3))
        var theta = lo.initialMetaParameters(key: RandomKey(seed: 5))
        for i in theta.indices { theta[i] += Float(i + 1) * 0.125 }
        let path = dir.appendingPathComponent("start.safetensors").path
        try LearnedOptimizerCheckpoint(learnedOptimizer: lo, metaParameters: theta).write(to: path)

        var c = testConfig(estimator: .pes)
        c.architecture = lo.architecture
        c.initialCheckpoint = path
        c = try MetaTrainingConfig.decode(try JSONEncoder().encode(c))
        XCTAssertEqual(c.initialCheckpoint, path)
        let warm = try MetaTrainer(config: c)
        XCTAssertEqual(warm.metaParameters, theta)
        c.initialCheckpoint = nil
        let cold = try MetaTrainer(config: c)
        XCTAssertNotEqual(cold.metaParameters, theta)

        for (architecture, missing) in [(LearnedOptimizerArchitecture.learnableAdam(LearnableAdamConfig()), false),
                                         (.perParameterMLP(PerParameterMLPConfig()), false), (lo.architecture, true)] {
            c.architecture = architecture
            c.initialCheckpoint = missing ? dir.appendingPathComponent("none.safetensors").path : path
            XCTAssertThrowsError(try MetaTrainer(config: c)) { error in
                XCTAssertEqual((error as? SpecError)?.location, "initialCheckpoint", "\(error)")
            }
        }
        XCTAssertThrowsError(try MetaTrainingConfig.decode(Data(#"{"initialCheckpoint": ""}"#.utf8))) { XCTAssertEqual(($0 as? SpecError)?.location, "initialCheckpoint") }
    }

}
