// The peer CNN workload (benchmarks/peers: bench_torch.py, bench_jax.py) on the CNN task's own code
// path (`CNNNetwork`): conv 3×3 1→16 stride 2, ReLU, conv 3×3 16→32 stride 2, ReLU, global mean
// pool, linear 32→10, softmax cross-entropy; batch 128 of 28×28×1 N(0,1) images, uniform labels;
// forward + backward + an optimizer update (the caller's: `metatrain bench` passes Adam(1e-3)) over
// the flat parameters, cycling over a pool of 50 batches.

import MetaCore

public enum CNNBenchmark {
    public static let batchSize = 128
    public static let poolSize = 50

    /// Median (and quantiles) of one training step in ms: 30 warm-up and 300 timed steps.
    /// `threads` sets OpenBLAS's threads and the network's chunk workers.
    /// `update(&parameters, &gradient, step)` applies the optimizer (step counts from 0).
    public static func stepTiming(threads: Int, update: (inout [Float], inout [Float], Int) -> Void) -> TimingSummary {
        stepTiming(threads: threads, imagesPerChunk: nil, update: update)
    }

    /// The parameter layout of the benchmark network (for the optimizer's state).
    public static var layout: ParameterLayout {
        CNNNetwork(imageShape: [28, 28, 1], channels: [16, 32], strides: [2, 2], classes: 10, activation: .relu,
                   maxBatch: 1, maxGradientBatch: 1, imagesPerChunk: nil).layout
    }

    /// As above with the chunk size forced (nil: the network's own choice), for tuning.
    public static func stepTiming(
        threads: Int, imagesPerChunk: Int?, warmup: Int = 30, iterations: Int = 300,
        update: (inout [Float], inout [Float], Int) -> Void
    ) -> TimingSummary {
        BLAS.setThreads(threads)
        let network = CNNNetwork(
            imageShape: [28, 28, 1], channels: [16, 32], strides: [2, 2], classes: 10, activation: .relu,
            maxBatch: batchSize, maxGradientBatch: batchSize, imagesPerChunk: imagesPerChunk)
        network.threads = threads
        var rng = RandomKey(seed: 0).fold("cnn-benchmark").generator()
        let imageCount = 28 * 28
        let inputs = (0..<poolSize).map { _ in rng.normals(batchSize * imageCount) }
        let labels = (0..<poolSize).map { _ in (0..<batchSize).map { _ in Int32(rng.int(below: 10)) } }
        var parameters = [Float](repeating: 0, count: network.layout.count)
        for t in network.layout.tensors where t.shape.count > 1 {
            let fanOut = t.shape.last!
            var r = RandomKey(seed: 1).fold(t.name).generator()
            parameters.replaceSubrange(t.range, with: Initializer.he.draw(fanIn: t.count / fanOut, fanOut: fanOut, scale: 1, rng: &r))
        }
        var gradient = [Float](repeating: 0, count: parameters.count)
        var step = 0
        return TimingSummary.measure(warmup: warmup, iterations: iterations) {
            let b = step % poolSize
            step += 1
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeMutableBufferPointer { g in
                    _ = network.run(
                        parameters: p.baseAddress!, inputs: inputs[b], labels: labels[b], batch: batchSize,
                        gradient: g.baseAddress!, gradientScale: 1 / Float(batchSize))
                }
            }
            update(&parameters, &gradient, step - 1)
        }
    }
}
