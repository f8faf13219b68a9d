// The peer MLP training-step benchmark (docs/architecture.md §8, benchmarks/peers): the same workload as the
// JAX and PyTorch scripts, run through the code path `MLPTask` uses (`MLPNetwork`). Prints nothing.

import MetaCore

/// MLP 784-128-128-10 (ReLU), batch 128, softmax cross-entropy, forward + backward + an optimizer
/// update (the caller's: `metatrain bench` passes Adam(1e-3) from the optimizer registry) over the flat
/// parameter vector, cycling over a pool of 50 random batches (inputs N(0,1), labels uniform in
/// 0..<10); weights N(0, 1/fanIn), biases 0, as in the peer scripts.
public enum MLPBenchmark {
    public static let widths = [784, 128, 128, 10]
    public static let batchSize = 128
    public static let poolSize = 50

    /// The parameter layout of the benchmark network (for the optimizer's state).
    public static var layout: ParameterLayout { MLPNetwork.layout(widths: widths) }

    /// Times one training step (30 warm-up, 300 timed); `update(&parameters, &gradient, step)` applies
    /// the optimizer (step counts from 0). Sets OpenBLAS to `threads` threads and leaves it so.
    public static func stepTiming(threads: Int, update: (inout [Float], inout [Float], Int) -> Void) -> TimingSummary {
        BLAS.setThreads(threads)
        let network = MLPNetwork(widths: widths, activation: .relu, capacity: batchSize)
        let n = network.layout.count
        let features = widths[0], classes = widths[widths.count - 1]

        let key = RandomKey(seed: 0)
        var parameters = [Float](repeating: 0, count: n)
        for l in 0..<network.layerCount {
            let spec = network.layout["layer\(l)/w"]!
            var rng = key.fold(UInt64(l)).generator()
            let w = rng.normals(spec.count, std: (1 / Float(spec.shape[1])).squareRoot())  // [fanOut, fanIn]
            parameters.replaceSubrange(spec.range, with: w)
        }
        var rng = key.fold("pool").generator()
        let inputs = rng.normals(poolSize * batchSize * features)
        let labels = (0..<(poolSize * batchSize)).map { _ in Int32(rng.int(below: classes)) }

        var gradient = [Float](repeating: 0, count: n)
        var step = 0
        var lossSink = 0.0
        let timing = inputs.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { y in
                TimingSummary.measure(warmup: 30, iterations: 300) {
                    let b = step % poolSize
                    parameters.withUnsafeBufferPointer { p in
                        gradient.withUnsafeMutableBufferPointer { g in
                            lossSink += network.loss(
                                parameters: p.baseAddress!, inputs: x.baseAddress! + b * batchSize * features,
                                labels: y.baseAddress! + b * batchSize, rows: batchSize, gradient: g.baseAddress!
                            ).lossSum
                        }
                    }
                    update(&parameters, &gradient, step)
                    step += 1
                }
            }
        }
        precondition(lossSink.isFinite, "MLP benchmark loss diverged")
        return timing
    }
}
