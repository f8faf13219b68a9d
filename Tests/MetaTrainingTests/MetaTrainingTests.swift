// Meta-training end to end with a tiny learned optimizer: the meta-loss falls, and the outer
// optimizer can itself be a learned optimizer's (self-training, docs/architecture.md §4).

import Foundation
import MetaCore
import MetaOptimizers
import MetaTasks
import MetaTraining
import XCTest

final class MetaTrainingTests: XCTestCase {
    /// Learnable SGD starting at lr ≈ 0.007 on the sanity quadratics: PES with Adam raises the learning
    /// rate and the meta-loss falls.
    func testMetaLossDecreasesOnQuadratics() throws {
        var c = MetaTrainingConfig.quadraticSanity
        c.tasksPerStep = 8
        c.truncationLength = 10
        c.horizon = 20...40
        c.outerOptimizer = "adam:lr=0.1"
        c.sigma = 0.05
        c.threads = 2
        let trainer = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: -5),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make(c.outerOptimizer), tasks: try c.resolveTasks())
        var losses: [Float] = []
        for _ in 0..<40 { losses.append(try trainer.step().metaLoss) }
        let early = losses.prefix(8).reduce(0, +) / 8, late = losses.suffix(8).reduce(0, +) / 8
        XCTAssertLessThan(late, 0.5 * early, "meta-loss \(early) → \(late)")
        XCTAssertGreaterThan(trainer.metaParameters[0], -4, "the learning rate grew")
    }

    /// The same run with a deliberately broken estimator sign (σ-side swapped by a negative outer
    /// learning rate) does not improve: the test above can fail.
    func testAscendingTheEstimateDoesNotImprove() throws {
        var c = MetaTrainingConfig.quadraticSanity
        c.tasksPerStep = 8
        c.truncationLength = 10
        c.horizon = 20...40
        c.sigma = 0.05
        let trainer = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: -5),
            outerOptimizer: Scale(0.1), tasks: try c.resolveTasks())  // θ += 0.1·ĝ: ascent
        for _ in 0..<40 { try trainer.step() }
        XCTAssertLessThan(trainer.metaParameters[0], -5)
    }

    /// Self-training: the outer optimizer is a learned optimizer's; it receives ĝ as its gradient.
    func testLearnedOptimizerAsOuterOptimizer() throws {
        var c = testConfig(estimator: .pes, slots: 4)
        c.sigma = 0.05
        let outerLearned = LearnableSGD(initialLogLearningRate: 0)
        let outer = outerLearned.optimizer(metaParameters: [Float(Foundation.log(0.5))])
        let trainer = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: -4), outerOptimizer: outer,
            tasks: c.tasks.explicitConfigs)
        for _ in 0..<5 {
            let before = trainer.metaParameters[0]
            let metrics = try trainer.step()
            XCTAssertEqual(trainer.metaParameters[0], before - Float(Foundation.exp(Foundation.log(0.5))) * trainer.lastGradient[0], accuracy: 1e-6)
            // The logged outer update is θ_new − θ (one element: RMS = largest magnitude = |Δθ|).
            let delta = abs(trainer.metaParameters[0] - before)
            XCTAssertGreaterThan(delta, 0)
            XCTAssertEqual(metrics.updateRMS ?? -1, delta, accuracy: delta * 1e-5)
            XCTAssertEqual(metrics.updateMaxAbs ?? -1, delta, accuracy: delta * 1e-5)
        }
        // Its state (the momentum buffer of `MomentumSGD`) round-trips through the trainer state.
        let decoded = try MetaTrainerState.decode(try trainer.state.encoded())
        let resumed = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: -4), outerOptimizer: outer,
            tasks: c.tasks.explicitConfigs, resumingFrom: decoded)
        XCTAssertEqual(resumed.outerStep, 5)
        XCTAssertEqual(try resumed.state.outerOptimizerState.encodedData(), try trainer.state.outerOptimizerState.encodedData())
    }
}

final class MetaTrainingTimingTests: XCTestCase {
    /// Prints the time per outer step of the sanity configuration with learnable momentum SGD (no
    /// assertion on time: tests never assert wall-clock figures). Run with `-c release` for real figures.
    func testSanityConfigurationStepTime() throws {
        var c = MetaTrainingConfig.quadraticSanity
        c.threads = Parallel.availableCores
        let trainer = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: -5, momentum: 0.9),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make(c.outerOptimizer), tasks: try c.resolveTasks())
        var seconds: [Double] = [], innerPerSecond: [Double] = []
        for _ in 0..<60 {
            let m = try trainer.step()
            XCTAssertTrue(m.metaLoss.isFinite)
            seconds.append(m.seconds)
            innerPerSecond.append(m.innerStepsPerSecond)
        }
        seconds.sort()
        innerPerSecond.sort()
        print(String(format: "quadraticSanity outer step: median %.3f ms (min %.3f), %.0f inner steps/s, threads %d",
                     seconds[30] * 1e3, seconds[0] * 1e3, innerPerSecond[30], c.threads!))
    }
}
