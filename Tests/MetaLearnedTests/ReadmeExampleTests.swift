// The README's "use a trained optimizer from Swift" example, kept compiling and working here.

import Foundation
import XCTest
import MetaCore
import MetaLearned
import MetaOptimizers

final class ReadmeExampleTests: XCTestCase {
    func testReadmeExample() throws {
        // Stand-in for Checkpoints/default.safetensors: an LSTM_FF checkpoint at its initial θ.
        let lo = LSTMFFOptimizer()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        try LearnedOptimizerCheckpoint(learnedOptimizer: lo, metaParameters: lo.initialMetaParameters(key: RandomKey(seed: 0))).write(to: path)

        // --- README example ---
        let checkpoint = try LearnedOptimizerCheckpoint.load(from: path)
        let optimizer = try checkpoint.optimizer()

        /// Minimizes ‖w − 1‖² over 10 weights with any optimizer.
        func fit<O: Optimizer>(_ opt: O, steps: Int) -> Float {
            let layout = ParameterLayout([("w", [10])])    // your tensors, by name and shape
            var w = [Float](repeating: 0, count: 10)       // one flat parameter buffer
            var state = opt.initialState(parameters: w, layout: layout)
            for t in 0..<steps {
                let loss = w.reduce(0) { $0 + ($1 - 1) * ($1 - 1) }
                var gradient = w.map { 2 * ($0 - 1) }      // your gradient
                let context = StepContext(step: t, totalSteps: steps, loss: loss, layout: layout)
                opt.step(&w, gradient: &gradient, state: &state, context: context)
            }
            return w.reduce(0) { $0 + ($1 - 1) * ($1 - 1) }
        }
        let final = fit(optimizer, steps: 100)
        // --- end of example ---

        XCTAssertTrue(final.isFinite)
        XCTAssertLessThanOrEqual(final, 10)  // starts at 10; an untrained θ moves little but never diverges
    }
}
