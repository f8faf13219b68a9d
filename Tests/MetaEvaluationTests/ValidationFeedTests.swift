// Inner training feeds a validation-batch loss to optimizers that read one (learned optimizers with
// `validationLossInput`), and to no other.

import XCTest
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

/// SGD that records the parameters and the validation loss each step hands it; its step shrinks with
/// the validation loss, so a run fed other values ends elsewhere.
private struct RecordingSGD: Optimizer {
    struct State: Codable, Sendable {
        var seenParameters: [[Float]] = []
        var validationLosses: [Float?] = []
    }
    var reads: Bool
    var usesValidationLoss: Bool { reads }
    func initialState(parameters: [Float], layout: ParameterLayout) -> State { State() }
    func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        state.seenParameters.append(parameters)
        state.validationLosses.append(context.validationLoss)
        let lr: Float = 0.05 / (1 + (context.validationLoss ?? 0))
        for i in updates.indices { updates[i] *= -lr }
    }
}

final class ValidationFeedTests: XCTestCase {
    func testValidationBatchLossOfTheLastStepIsPassedToOptimizersThatReadIt() throws {
        let task = try TaskSpec.decode(Data(#"{"family": "mlp", "hidden": [8], "batchSize": 16, "dataset": {"kind": "blobs", "samples": 256, "heldout": 64}}"#.utf8), file: "test").makeTask()
        let steps = 6, seed: UInt64 = 3
        // What each step is handed, replayed with InnerTraining's keys (its state is not returned by `run`).
        func handed(_ optimizer: RecordingSGD) -> (state: RecordingSGD.State, parameters: [Float]) {
            var p = task.initialParameters(key: InnerTraining.initKey(seed: seed))
            var state = optimizer.initialState(parameters: p, layout: task.layout)
            var g = [Float](repeating: 0, count: p.count)
            var context = StepContext(step: 0, totalSteps: steps, layout: task.layout)
            for t in 0..<steps {
                context.step = t
                context.loss = task.lossAndGradient(p, gradient: &g, key: InnerTraining.batchKey(seed: seed, step: t))
                optimizer.step(&p, gradient: &g, state: &state, context: context)
                if optimizer.usesValidationLoss {
                    context.validationLoss = task.batchLoss(p, split: .validation, key: InnerTraining.validationBatchKey(seed: seed, step: t))
                }
            }
            return (state, p)
        }
        let (reading, finalParameters) = handed(RecordingSGD(reads: true))
        XCTAssertNil(reading.validationLosses[0], "nothing measured before the first step")
        for t in 1..<steps {
            let expected = task.batchLoss(reading.seenParameters[t], split: .validation,
                                          key: InnerTraining.validationBatchKey(seed: seed, step: t - 1))
            XCTAssertEqual(reading.validationLosses[t], expected)
            XCTAssertNotEqual(expected, task.batchLoss(reading.seenParameters[t], split: .train, key: InnerTraining.batchKey(seed: seed, step: t)))
        }
        let (notReading, plainFinal) = handed(RecordingSGD(reads: false))
        XCTAssertTrue(notReading.validationLosses.allSatisfy { $0 == nil })
        XCTAssertNotEqual(finalParameters, plainFinal)

        // `InnerTraining.run` feeds the same losses: it ends at the replay's parameters.
        for reads in [true, false] {
            let run = InnerTraining.run(RecordingSGD(reads: reads), task: task, taskName: "mlp", optimizerName: "rec", steps: steps, seed: seed)
            XCTAssertEqual(run.finalTest.loss, task.evaluate(reads ? finalParameters : plainFinal, split: .test).loss)
        }
    }

    /// `keep_best` reports a stored copy of the weights, but the validation losses it is fed (and that the
    /// optimizers inside it read) are the iterate's: the trajectory is the inner optimizer's own, and the
    /// reported test loss is that of the iterate with the lowest smoothed validation loss.
    func testKeepBestIsFedTheIteratesValidationLoss() throws {
        let task = try TaskSpec.decode(Data(#"{"family": "mlp", "hidden": [8], "batchSize": 16, "dataset": {"kind": "blobs", "samples": 256, "heldout": 64}}"#.utf8), file: "test").makeTask()
        let steps = 40, seed: UInt64 = 5
        let inner = RecordingSGD(reads: true)
        let wrapped = KeepBest(inner, smoothing: 0.5)
        let plain = InnerTraining.run(inner, task: task, taskName: "mlp", optimizerName: "rec", steps: steps, seed: seed, evaluateEvery: 1)
        let kept = InnerTraining.run(wrapped, task: task, taskName: "mlp", optimizerName: "kept", steps: steps, seed: seed, evaluateEvery: 1)
        XCTAssertEqual(kept.curve.map(\.trainLoss).filter(\.isFinite), plain.curve.map(\.trainLoss).filter(\.isFinite))
        // Replay: the iterates and the validation-batch losses measured after each step.
        var p = task.initialParameters(key: InnerTraining.initKey(seed: seed))
        var state = wrapped.initialState(parameters: p, layout: task.layout)
        var g = [Float](repeating: 0, count: p.count)
        var context = StepContext(step: 0, totalSteps: steps, layout: task.layout)
        var average = 0.0, best = Double.infinity, bestAt = -1
        var iterates: [[Float]] = []
        for t in 0..<steps {
            context.step = t
            context.loss = task.lossAndGradient(p, gradient: &g, key: InnerTraining.batchKey(seed: seed, step: t))
            wrapped.step(&p, gradient: &g, state: &state, context: context)
            iterates.append(p)
            let v = task.batchLoss(p, split: .validation, key: InnerTraining.validationBatchKey(seed: seed, step: t))
            context.validationLoss = v
            if t < steps - 1 {  // the last measured loss is never read by a step
                average = 0.5 * average + 0.5 * Double(v)
                let corrected = average / (1 - Foundation.pow(0.5, Double(t + 1)))
                if corrected < best { best = corrected; bestAt = t }
            }
        }
        let expected = bestAt == steps - 2 ? p : iterates[bestAt]
        XCTAssertEqual(wrapped.evaluationParameters(p, state: state), expected)
        XCTAssertEqual(kept.finalTest.loss, task.evaluate(expected, split: .test).loss)
        XCTAssertLessThan(bestAt, steps - 2, "the run should have gone past its best validation loss for this test to bite")
    }
}
