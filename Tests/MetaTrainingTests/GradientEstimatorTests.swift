// ES and PES estimates against closed forms: learnable SGD on ‖p − p*‖², where after k steps
// p_k − p* = (1 − 2·lr)^k (p_0 − p*), so every truncated meta-loss is a polynomial in the learning rates.

import Foundation
import MetaCore
import MetaOptimizers
import MetaTasks
import MetaTraining
import TestSupport
import XCTest

final class GradientEstimatorTests: XCTestCase {
    let logLR = Foundation.log(0.05)
    let sigma: Float = 0.01

    /// An exact-arithmetic config: one task, fixed horizon, no offsets, huge clip, θ frozen by a zero outer step.
    func exactConfig(_ estimator: GradientEstimatorKind, slots: Int, truncation: Int, horizon: Int) -> MetaTrainingConfig {
        var c = testConfig(estimator: estimator, slots: slots, truncation: truncation, horizon: horizon...horizon)
        c.tasks = .explicit([sanityQuadratic(seed: 3)])
        c.randomInitialOffset = false
        c.gradientClip = 1e9
        c.sigma = sigma
        return c
    }

    func makeTrainer(_ c: MetaTrainingConfig) throws -> MetaTrainer {
        try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: Float(logLR)),
            outerOptimizer: Scale(0), tasks: c.tasks.explicitConfigs)
    }

    /// c = ‖p0 − p*‖² / E[L(p0)] for slot i's episode e: the normalized loss at the start.
    func startingLoss(_ keys: MetaTrainingKeys, slot: Int, episode: Int) throws -> Double {
        let task = try sanityQuadratic(seed: 3).makeTask() as! QuadraticTask
        let p0 = task.initialParameters(key: keys.initialParameters(slot: slot, episode: episode))
        guard case .relative(let initial, _) = task.normalizer else { fatalError() }
        let r2 = zip(p0, task.target).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        return r2 / Double(initial)
    }

    /// Mean normalized loss over steps `first+1 … first+count` of SGD with learning rate exp(a) for
    /// `first` steps (before the truncation) and exp(b) during it.
    func truncationLoss(before a: Double, first: Int, during b: Double, count: Int, start c: Double) -> Double {
        let shrinkBefore = Foundation.pow(1 - 2 * Foundation.exp(a), Double(2 * first))
        var total = 0.0
        for k in 1...count { total += shrinkBefore * Foundation.pow(1 - 2 * Foundation.exp(b), Double(2 * k)) * c }
        return total / Double(count)
    }

    func testESMatchesClosedFormAndAveragesToTheGradient() throws {
        let slots = 64, K = 10, steps = 6
        let c = exactConfig(.es, slots: slots, truncation: K, horizon: K)
        let trainer = try makeTrainer(c)
        let theta = Double(trainer.metaParameters[0])
        var estimateSum = 0.0, trueSum = 0.0
        for s in 0..<steps {
            try trainer.step()
            var formula = 0.0, firstOrder = 0.0
            for i in 0..<slots {
                // Horizon = K: every outer step starts episode s in every slot.
                let start = try startingLoss(trainer.keys, slot: i, episode: s)
                let eps = Double(trainer.keys.perturbation(outerStep: s, slot: i, count: 1, sigma: sigma)[0])
                let f = { (x: Double) in self.truncationLoss(before: 0, first: 0, during: x, count: K, start: start) }
                formula += (f(theta + eps) - f(theta - eps)) / (2 * Double(sigma * sigma)) * eps
                let derivative = (f(theta + 1e-6) - f(theta - 1e-6)) / 2e-6
                firstOrder += derivative * eps * eps / Double(sigma * sigma)
                trueSum += derivative
            }
            let g = Double(trainer.lastGradient[0])
            XCTAssertEqual(g, formula / Double(slots), accuracy: 1e-3 * abs(formula / Double(slots)), "step \(s)")
            XCTAssertEqual(g, firstOrder / Double(slots), accuracy: 1e-2 * abs(firstOrder / Double(slots)), "step \(s)")
            estimateSum += g
        }
        XCTAssertEqual(trainer.metaParameters[0], Float(logLR), "a zero outer step leaves θ alone")
        // The average of 384 antithetic estimates against the true gradient (std of the average ≈ 7%).
        let trueGradient = trueSum / Double(slots * steps)
        XCTAssertLessThan(trueGradient, 0, "a larger learning rate helps here")
        XCTAssertEqual(estimateSum / Double(steps), trueGradient, accuracy: 0.25 * abs(trueGradient))
    }

    /// With `metaLossWeighting: ramp` the truncation's meta-loss weighs inner step k (1-based) of an
    /// episode of T steps by 2k/T: the ES estimate matches that weighted closed form, and differs from
    /// the unweighted one.
    func testRampWeightingMatchesItsClosedForm() throws {
        let slots = 16, K = 10
        var c = exactConfig(.es, slots: slots, truncation: K, horizon: K)
        c.metaLossWeighting = .ramp
        let trainer = try makeTrainer(c)
        let theta = Double(trainer.metaParameters[0])
        try trainer.step()
        var weighted = 0.0, plain = 0.0
        for i in 0..<slots {
            let start = try startingLoss(trainer.keys, slot: i, episode: 0)
            let eps = Double(trainer.keys.perturbation(outerStep: 0, slot: i, count: 1, sigma: sigma)[0])
            let f = { (x: Double, ramp: Bool) -> Double in
                var total = 0.0
                for k in 1...K {
                    let w = ramp ? 2 * Double(k) / Double(K) : 1
                    total += w * Foundation.pow(1 - 2 * Foundation.exp(x), Double(2 * k)) * start
                }
                return total / Double(K)
            }
            weighted += (f(theta + eps, true) - f(theta - eps, true)) / (2 * Double(sigma * sigma)) * eps
            plain += (f(theta + eps, false) - f(theta - eps, false)) / (2 * Double(sigma * sigma)) * eps
        }
        weighted /= Double(slots)
        plain /= Double(slots)
        let g = Double(trainer.lastGradient[0])
        XCTAssertEqual(g, weighted, accuracy: 1e-3 * abs(weighted))
        XCTAssertGreaterThan(abs(g - plain), 0.05 * abs(plain), "the weighting changes the estimate")
        XCTAssertEqual(MetaLossWeighting.ramp.weight(step: K - 1, horizon: K), 2)
        XCTAssertEqual(MetaLossWeighting.mean.weight(step: 3, horizon: K), 1)
    }

    /// Two truncations of one episode: PES weights the second truncation's loss difference by ε₁ + ε₂
    /// and so estimates the total derivative (both truncations' θ); ES, continuing from the θ+ε₁ side,
    /// sees only the second truncation's θ.
    func testPESSecondTruncationEstimatesTheTotalDerivativeAndESOnlyThePartial() throws {
        let slots = 64, K = 5
        for estimator in [GradientEstimatorKind.pes, .es] {
            let trainer = try makeTrainer(exactConfig(estimator, slots: slots, truncation: K, horizon: 2 * K))
            let theta = Double(trainer.metaParameters[0])
            try trainer.step()
            try trainer.step()
            var formula = 0.0, firstOrder = 0.0
            for i in 0..<slots {
                let start = try startingLoss(trainer.keys, slot: i, episode: 0)
                let e1 = Double(trainer.keys.perturbation(outerStep: 0, slot: i, count: 1, sigma: sigma)[0])
                let e2 = Double(trainer.keys.perturbation(outerStep: 1, slot: i, count: 1, sigma: sigma)[0])
                let f = { (a: Double, b: Double) in self.truncationLoss(before: a, first: K, during: b, count: K, start: start) }
                let h = 1e-6
                let d1 = (f(theta + h, theta) - f(theta - h, theta)) / (2 * h)
                let d2 = (f(theta, theta + h) - f(theta, theta - h)) / (2 * h)
                let s2 = Double(sigma * sigma)
                switch estimator {
                case .pes:
                    formula += (f(theta + e1, theta + e2) - f(theta - e1, theta - e2)) / (2 * s2) * (e1 + e2)
                    firstOrder += (d1 * e1 + d2 * e2) * (e1 + e2) / s2
                case .es:
                    formula += (f(theta + e1, theta + e2) - f(theta + e1, theta - e2)) / (2 * s2) * e2
                    firstOrder += d2 * e2 * e2 / s2
                }
            }
            formula /= Double(slots)
            firstOrder /= Double(slots)
            let g = Double(trainer.lastGradient[0])
            XCTAssertEqual(g, formula, accuracy: 2e-3 * abs(formula), "\(estimator)")
            XCTAssertEqual(g, firstOrder, accuracy: 2e-2 * abs(firstOrder), "\(estimator)")
        }
    }

    /// The per-element clip bounds what reaches the outer optimizer: with SGD lr = 1 outer, θ moves by
    /// exactly the clip.
    func testClipBoundsEveryElement() throws {
        var c = exactConfig(.es, slots: 8, truncation: 10, horizon: 10)
        c.gradientClip = 1e-4
        let trainer = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: Float(logLR)),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make("sgd:lr=1"), tasks: c.tasks.explicitConfigs)
        let before = trainer.metaParameters[0]
        let m = try trainer.step()
        XCTAssertEqual(m.clippedFraction, 1)
        XCTAssertGreaterThan(m.gradientNorm, 1e-4)
        XCTAssertEqual(trainer.lastGradient, [-1e-4])
        XCTAssertEqual(trainer.metaParameters[0], before + 1e-4)

        // gradientClip 0: no clipping; the same step passes ĝ through whole.
        c.gradientClip = 0
        let unclipped = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: Float(logLR)),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make("sgd:lr=1"), tasks: c.tasks.explicitConfigs)
        let m0 = try unclipped.step()
        XCTAssertEqual(m0.clippedFraction, 0)
        XCTAssertEqual(unclipped.lastGradient[0], -m0.gradientNorm)
        XCTAssertLessThan(unclipped.lastGradient[0], -1e-4)
    }

    /// Diverging inner runs: their losses become the cap, ĝ stays finite, θ stays finite.
    func testNaNInnerRunsAreCappedAndNeverPoisonTheta() throws {
        // Every side diverges: both losses are the cap, ĝ is exactly 0.
        var c = exactConfig(.pes, slots: 4, truncation: 5, horizon: 20)
        c.lossCap = 20
        let always = try MetaTrainer(
            config: c, learnedOptimizer: LearnableSGD(initialLogLearningRate: Float(logLR), nanAboveLearningRate: 0),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make("adam:lr=0.1"), tasks: c.tasks.explicitConfigs)
        for _ in 0..<3 {
            let m = try always.step()
            XCTAssertEqual(m.metaLoss, 20)
            XCTAssertEqual(always.lastGradient, [0])
        }
        XCTAssertEqual(always.metaParameters[0], Float(logLR))

        // Only learning rates above 0.05 diverge: about half the sides; θ must move down and stay finite.
        var mixed = testConfig(estimator: .pes, slots: 8, truncation: 5, horizon: 10...30)
        mixed.sigma = 0.1
        let trainer = try MetaTrainer(
            config: mixed, learnedOptimizer: LearnableSGD(initialLogLearningRate: Float(logLR), nanAboveLearningRate: 0.05),
            outerOptimizer: try OptimizerCatalogue.handDesigned.make("adam:lr=0.01"), tasks: mixed.tasks.explicitConfigs)
        var sawCap = false
        for _ in 0..<10 {
            let m = try trainer.step()
            XCTAssertTrue(m.metaLoss.isFinite && m.metaLoss <= 20)
            XCTAssertTrue(trainer.lastGradient.allSatisfy { $0.isFinite && abs($0) <= mixed.gradientClip })
            XCTAssertTrue(trainer.metaParameters.allSatisfy(\.isFinite))
            sawCap = sawCap || max(m.positiveLoss, m.negativeLoss) > 2
        }
        XCTAssertTrue(sawCap, "some sides diverged")
        XCTAssertLessThan(trainer.metaParameters[0], Float(logLR), "θ moved away from the diverging learning rates")
    }
}

extension MetaTaskSource {
    var explicitConfigs: [TaskConfig] {
        guard case .explicit(let configs) = self else { fatalError("test configs list their tasks") }
        return configs
    }
}
