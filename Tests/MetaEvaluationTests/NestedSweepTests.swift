// Sweeps reach a learning rate wherever it is nested: `tuned:inner=[wrappers…[adam]]` sets Adam's `lr`
// inside the wrappers, `lr_path` chooses among several, and `adamw-tuned` sweeps AdamW with a warm-up over
// 5% of the run and a cosine decay.

import Foundation
import XCTest
import MetaCore
import MetaOptimizers
@testable import MetaEvaluation

final class NestedSweepTests: XCTestCase {
    func parse(_ text: String, catalogue: OptimizerCatalogue = .handDesigned) throws -> LearningRateSweep {
        guard case .sweep(let s) = try ComparedOptimizer.parse(OptimizerSpec.parse(text), catalogue: catalogue).kind else {
            throw SpecError(text, "not a sweep")
        }
        return s
    }

    func testTheRateIsSetOnTheNestedOptimizer() throws {
        let s = try parse("tuned:inner=[plateau:rise=0.1,inner=[hypergrad:beta=0.3,inner=[adam:lr=5,b1=0.8]]],count=2")
        XCTAssertEqual(s.ratePath, ["inner", "inner"])
        XCTAssertEqual(s.spec(learningRate: 0.01).description, "plateau:rise=0.1,inner=[hypergrad:beta=0.3,inner=[adam:b1=0.8,lr=0.01]]")
        // A bare name inside a wrapper becomes a spec with the rate.
        let bare = try parse("tuned:inner=[lookahead:k=3,inner=adam]")
        XCTAssertEqual(bare.spec(learningRate: 0.1).description, "lookahead:k=3,inner=[adam:lr=0.1]")
        // The top level still works as before.
        XCTAssertEqual(try parse("tuned:inner=[sgd]").spec(learningRate: 0.5).description, "sgd:lr=0.5")
        // Every variant builds, and the rate really reaches Adam: a step of the wrapped optimizer at lr 0 moves nothing.
        for lr: Float in [0, 0.1] {
            let o = try OptimizerCatalogue.handDesigned.make(s.spec(learningRate: lr))
            var run = OptimizerRun(o, parameters: [1, 2], layout: ParameterLayout([("w", [2])]), totalSteps: 3)
            var g: [Float] = [1, 1]
            run.step(gradient: &g, loss: 1)
            XCTAssertEqual(run.parameters == [1, 2], lr == 0, "lr \(lr)")
        }
    }

    func testNoneOrSeveralRatesAreErrorsAndLrPathChooses() throws {
        XCTAssertThrowsError(try parse("tuned:inner=[plateau:inner=[mechanic]]")) { e in
            XCTAssertTrue("\(e)".contains("no optimizer inside"), "\(e)")
        }
        let two = OptimizerCatalogue.handDesigned.adding([
            OptimizerKind(name: "outer-rate", summary: "test: takes lr and wraps another", keys: [("lr", "1"), ("inner", "adam")],
                          handlesCommonKeys: true) { s in try s.optimizer("inner", default: "adam") },
        ])
        XCTAssertThrowsError(try parse("tuned:inner=[outer-rate:inner=[sgd]]", catalogue: two)) { e in
            XCTAssertTrue("\(e)".contains("several optimizers inside take lr (., inner)"), "\(e)")
        }
        XCTAssertEqual(try parse("tuned:inner=[outer-rate:inner=[sgd]],lr_path=inner", catalogue: two).ratePath, ["inner"])
        XCTAssertEqual(try parse("tuned:inner=[outer-rate:inner=[sgd]],lr_path=.", catalogue: two).ratePath, [])
        XCTAssertThrowsError(try parse("tuned:inner=[outer-rate:inner=[sgd]],lr_path=inner.inner", catalogue: two)) { e in
            XCTAssertTrue("\(e)".contains("'inner.inner' does not lead"), "\(e)")
        }
    }

    func testAdamWTunedSweepsAWarmupCosineAdamW() throws {
        let s = try parse("adamw-tuned:count=4")
        XCTAssertEqual(s.learningRates.count, 4)
        let spec = s.spec(learningRate: 0.01)
        XCTAssertEqual(spec.name, "adamw")
        XCTAssertNoThrow(try OptimizerCatalogue.handDesigned.make(spec))
        // The schedule: warm-up over round(0.05·200) = 10 steps, then a cosine to 0 at step 200.
        let schedule = Schedule.warmupFractionCosine(warmupFraction: 0.05, decaySteps: nil, finalScale: 0)
        XCTAssertEqual(schedule.factor(step: 0, totalSteps: 200), 0.1, accuracy: 1e-6)
        XCTAssertEqual(schedule.factor(step: 9, totalSteps: 200), 1, accuracy: 1e-6)
        XCTAssertEqual(schedule.factor(step: 10, totalSteps: 200), 1, accuracy: 1e-6)
        XCTAssertEqual(schedule.factor(step: 105, totalSteps: 200), 0.5, accuracy: 1e-3)
        XCTAssertEqual(schedule.factor(step: 199, totalSteps: 200), 0, accuracy: 1e-3)
        XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make("adam:schedule=warmup_cosine,warmup=3,warmup_fraction=0.1"))
        XCTAssertThrowsError(try OptimizerCatalogue.handDesigned.make("adam:schedule=cosine,warmup_fraction=0.1"))
    }
}
