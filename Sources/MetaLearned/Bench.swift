// Benchmarks of the learned optimizers' hot paths (figures for `metatrain bench` and docs/architecture.md §8).

import Foundation
import MetaCore
import MetaOptimizers

/// Timings of the learned optimizers, in milliseconds (median, p10, min, p90).
public enum LearnedOptimizerBenchmark {
    /// Rows of both benchmarks (the peers' workload).
    public static let rows = 100_000

    /// The per-parameter MLP 40 → 32 → 32 → 2 (ReLU) over 100,000 rows of random features through the
    /// fused kernel, as the peers time it (JAX 7.6 ms, PyTorch 7.9 ms with 2 threads): 10 warm-up
    /// calls, 100 timed.
    public static func perParameterMLPForward(threads: Int) -> TimingSummary {
        var rng = RandomKey(seed: 1).generator()
        let (inputs, h1, h2, outputs) = (40, 32, 32, 2)
        let x = rng.normals(rows * inputs)
        let w1 = rng.normals(inputs * h1, std: 1 / Float(inputs).squareRoot()), b1 = rng.normals(h1, std: 0.1)
        let w2 = rng.normals(h1 * h2, std: 1 / Float(h1).squareRoot()), b2 = rng.normals(h2, std: 0.1)
        let w3 = rng.normals(h2 * outputs, std: 1 / Float(h2).squareRoot()), b3 = rng.normals(outputs, std: 0.1)
        var y = [Float](repeating: 0, count: rows * outputs)
        return TimingSummary.measure(warmup: 10, iterations: 100) {
            PerParameterMLP.forward(rows: rows, inputs: inputs, x: x, hidden1: h1, hidden2: h2, outputs: outputs,
                                    w1: w1, b1: b1, w2: w2, b2: b2, w3: w3, b3: b3, into: &y, threads: threads)
        }
    }

    /// The tensors of `lstmFFStep`'s 100,000 parameters: a 256×256 matrix, its 256 biases, a 133×256
    /// matrix and 160 biases (65,536 + 256 + 34,048 + 160).
    public static let lstmFFShapes: [[Int]] = [[256, 256], [256], [133, 256], [160]]

    /// One full LSTM_FF update (default sizes, θ at initialization) of 100,000 parameters in the
    /// tensors `lstmFFShapes`, state carried from call to call: 10 warm-up calls, 100 timed.
    public static func lstmFFStep(threads: Int) -> TimingSummary {
        let learned = LSTMFFOptimizer(threads: threads)
        return optimizerStep(learned.optimizer(metaParameters: learned.initialMetaParameters(key: RandomKey(seed: 2))))
    }

    /// One `update` of any optimizer (a learned optimizer's, a program, Adam) over the 100,000
    /// parameters of `lstmFFShapes`, state carried from call to call: 10 warm-up calls, 100 timed.
    public static func optimizerStep<O: Optimizer>(_ optimizer: O) -> TimingSummary {
        let layout = ParameterLayout(lstmFFShapes.enumerated().map { ("t\($0.offset)", $0.element) })
        precondition(layout.count == rows)
        var rng = RandomKey(seed: 3).generator()
        let parameters = rng.normals(rows, std: 0.1)
        let gradient = rng.normals(rows, std: 0.01)
        var state = optimizer.initialState(parameters: parameters, layout: layout)
        var updates = gradient
        var step = 0
        return TimingSummary.measure(warmup: 10, iterations: 100) {
            updates = gradient
            optimizer.update(&updates, state: &state, parameters: parameters,
                             context: StepContext(step: step, loss: 1 / Float(step + 1), layout: layout))
            step += 1
        }
    }
}
