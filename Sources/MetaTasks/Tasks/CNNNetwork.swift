// The CNN of the CNN family as a computation over a given batch: forward, softmax cross-entropy and
// backward, shared by `CNNTask` and `CNNBenchmark` so the benchmark times the task's code path.
// NHWC activations, HWIO weights (see Conv2D.swift).
//
// A batch is cut into chunks of `imagesPerChunk` images (a constant of the network, chosen so one
// chunk's activations stay in L2). Each chunk runs forward and backward on its own and writes its
// own gradient; chunk gradients are then summed in chunk order. So chunks can run on several threads
// (each worker owns a workspace, BLAS single-threaded inside) and results do not depend on the
// thread count. All memory is allocated in `init`.

import CKernels
import MetaCore

final class CNNNetwork {
    /// The convolutions, in order.
    let convolutions: [Conv3x3Geometry]
    let classes: Int
    let activation: Activation
    /// conv{i}/w (3×3×Cin×Cout), conv{i}/b, head/w (C_last × classes), head/b.
    let layout: ParameterLayout
    /// Images per chunk of work (fixed: results depend on it, not on threads).
    let imagesPerChunk: Int
    /// Largest batch `run` accepts without gradient, and with gradient.
    let maxBatch: Int
    let maxGradientBatch: Int
    /// Worker threads for the chunks (1: all on the calling thread). Does not change results.
    /// With more than one, `run` sets OpenBLAS to one thread for its duration and restores it.
    var threads: Int = 1 {
        didSet {
            threads = max(1, threads)
            while workspaces.count < threads {
                workspaces.append(Workspace(convolutions, classes: classes, images: imagesPerChunk))
            }
        }
    }

    private let weightOffsets: [Int]
    private let biasOffsets: [Int]
    private let headWeightOffset: Int
    private let headBiasOffset: Int
    private var workspaces: [Workspace] = []
    /// One gradient per chunk of the largest gradient batch: chunks × layout.count.
    private let chunkGradients: CNNBuffer
    private let chunkLoss: UnsafeMutablePointer<Double>
    private let chunkCorrect: UnsafeMutablePointer<Int>
    private let maxChunks: Int

    /// Floats of scratch one chunk should use (512 KiB, half the L2 of one core here; measured: 2–4
    /// images of the peer workload per chunk beat 8–128 by ~5–10% on one thread).
    static let chunkBudget = 128 * 1024

    init(
        imageShape: [Int], channels: [Int], strides: [Int], classes: Int, activation: Activation,
        maxBatch: Int, maxGradientBatch: Int, imagesPerChunk: Int? = nil
    ) {
        precondition(imageShape.count == 3 && imageShape.allSatisfy { $0 > 0 }, "image shape must be [H, W, C]")
        precondition(channels.count == strides.count && !channels.isEmpty, "one stride per convolution")
        precondition(classes > 1 && maxBatch > 0 && maxGradientBatch > 0)
        var geometries = [Conv3x3Geometry]()
        var (h, w, c) = (imageShape[0], imageShape[1], imageShape[2])
        var layout = ParameterLayout()
        var wOff = [Int](), bOff = [Int]()
        for (i, (cout, stride)) in zip(channels, strides).enumerated() {
            let g = Conv3x3Geometry(height: h, width: w, inChannels: c, outChannels: cout, stride: stride)
            geometries.append(g)
            wOff.append(layout.append("conv\(i)/w", shape: [3, 3, c, cout]).offset)
            bOff.append(layout.append("conv\(i)/b", shape: [cout]).offset)
            (h, w, c) = (g.outHeight, g.outWidth, cout)
        }
        headWeightOffset = layout.append("head/w", shape: [c, classes]).offset
        headBiasOffset = layout.append("head/b", shape: [classes]).offset
        convolutions = geometries
        self.classes = classes
        self.activation = activation
        self.layout = layout
        weightOffsets = wOff
        biasOffsets = bOff
        self.maxBatch = max(maxBatch, maxGradientBatch)
        self.maxGradientBatch = maxGradientBatch
        let perImage = Workspace.floatsPerImage(geometries, classes: classes)
        let chunk = imagesPerChunk ?? max(1, min(64, Self.chunkBudget / perImage))
        self.imagesPerChunk = max(1, min(chunk, self.maxBatch))
        maxChunks = (self.maxBatch + self.imagesPerChunk - 1) / self.imagesPerChunk
        let gradientChunks = (maxGradientBatch + self.imagesPerChunk - 1) / self.imagesPerChunk
        chunkGradients = CNNBuffer(gradientChunks > 1 ? gradientChunks * layout.count : 0)
        chunkLoss = .allocate(capacity: maxChunks)
        chunkCorrect = .allocate(capacity: maxChunks)
        workspaces = [Workspace(geometries, classes: classes, images: self.imagesPerChunk)]
    }

    deinit {
        chunkLoss.deallocate()
        chunkCorrect.deallocate()
    }

    /// Summed softmax cross-entropy over `batch` images (`batch · H·W·C` NHWC values) and the number
    /// of correct argmax predictions. If `gradient` is given it receives (overwritten) the gradient of
    /// `gradientScale · summed loss` (pass 1/batch for the mean loss).
    func run(
        parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
        gradient: UnsafeMutablePointer<Float>?, gradientScale: Float = 1
    ) -> (loss: Double, correct: Int) {
        precondition(batch > 0 && batch <= (gradient == nil ? maxBatch : maxGradientBatch), "batch \(batch) exceeds the network's capacity")
        let chunks = (batch + imagesPerChunk - 1) / imagesPerChunk
        let workers = min(threads, chunks)
        let inputCount = convolutions[0].inputCount
        let p = layout.count
        // One chunk writes straight into `gradient`; several write their own and are summed below.
        let direct = chunks == 1
        let chunkGradient = chunkGradients.pointer
        let work = { (chunk: Int, ws: Workspace) in
            let first = chunk * self.imagesPerChunk
            let images = min(self.imagesPerChunk, batch - first)
            let g: UnsafeMutablePointer<Float>? = gradient.map { direct ? $0 : chunkGradient + chunk * p }
            let r = self.chunk(
                ws, parameters: parameters, inputs: inputs + first * inputCount, labels: labels + first,
                images: images, gradient: g, gradientScale: gradientScale)
            self.chunkLoss[chunk] = r.loss
            self.chunkCorrect[chunk] = r.correct
        }
        if workers == 1 {
            for c in 0..<chunks { work(c, workspaces[0]) }
        } else {
            // Worker w takes chunks w, w + workers, …: every chunk's result is independent of who
            // computes it, and each worker owns one workspace. BLAS runs single-threaded inside.
            let saved = BLAS.threads
            if saved != 1 { BLAS.setThreads(1) }
            let spaces = workspaces
            Parallel.forEach(workers, threads: workers) { w in
                for c in stride(from: w, to: chunks, by: workers) { work(c, spaces[w]) }
            }
            if saved != 1 { BLAS.setThreads(saved) }
        }
        var loss = 0.0
        var correct = 0
        for c in 0..<chunks {
            loss += chunkLoss[c]
            correct += chunkCorrect[c]
        }
        if let gradient, !direct {
            gradient.update(from: chunkGradient, count: p)
            for c in 1..<chunks { mt_axpy(p, 1, chunkGradient + c * p, gradient) }
        }
        return (loss, correct)
    }

    /// Forward (and backward if `gradient` is given) of one chunk.
    private func chunk(
        _ ws: Workspace, parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        images: Int, gradient: UnsafeMutablePointer<Float>?, gradientScale: Float
    ) -> (loss: Double, correct: Int) {
        let last = convolutions.count - 1
        // Forward: z = conv(a_prev) + b, a = f(z).
        var input = inputs
        for (i, g) in convolutions.enumerated() {
            Conv3x3.forward(
                g, batch: images, input: input, weights: parameters + weightOffsets[i], bias: parameters + biasOffsets[i],
                output: ws.preActivations[i], columns: ws.columns[i])
            activation.forward(ws.preActivations[i], ws.activations[i], count: images * g.outputCount)
            input = UnsafePointer(ws.activations[i])
        }
        let top = convolutions[last]
        let width = top.outChannels
        mt_mean_pool_forward(images, top.outPixels, width, input, ws.pooled)
        mt_fill_rows(images, classes, parameters + headBiasOffset, ws.logits)
        BLAS.gemm(m: images, n: classes, k: width, a: ws.pooled, b: parameters + headWeightOffset, beta: 1, c: ws.logits)
        let result = Classification.softmaxCrossEntropy(
            logits: ws.logits, labels: labels, batch: images, classes: classes,
            dLogits: gradient == nil ? nil : ws.logitGradient, gradientScale: gradientScale)
        guard let gradient else { return result }

        // Backward. Head: dW = pooledᵀ·dLogits, db = Σ dLogits, dPooled = dLogits·Wᵀ.
        BLAS.gemm(transA: true, m: width, n: classes, k: images, a: ws.pooled, b: ws.logitGradient, c: gradient + headWeightOffset)
        mt_column_sums(images, classes, ws.logitGradient, gradient + headBiasOffset)
        BLAS.gemm(transB: true, m: images, n: width, k: classes, a: ws.logitGradient, b: parameters + headWeightOffset, c: ws.pooledGradient)
        mt_mean_pool_backward(images, top.outPixels, width, ws.pooledGradient, ws.gradients[last])
        for i in stride(from: last, through: 0, by: -1) {
            let g = convolutions[i]
            let dz = ws.gradients[i]  // holds dA on entry, dZ after the activation's backward
            activation.backward(pre: ws.preActivations[i], dz, dz, count: images * g.outputCount)
            let layerInput = i == 0 ? inputs : UnsafePointer(ws.activations[i - 1])
            Conv3x3.parameterGradient(
                g, batch: images, input: layerInput, columns: ws.columns[i].map { UnsafePointer($0) }, outputGradient: dz,
                weightGradient: gradient + weightOffsets[i], biasGradient: gradient + biasOffsets[i])
            if i > 0 {  // the input gradient of the first layer is not needed
                Conv3x3.inputGradient(
                    g, batch: images, weights: parameters + weightOffsets[i], outputGradient: dz,
                    inputGradient: ws.gradients[i - 1], columns: ws.columnGradient)
            }
        }
        return result
    }
}

/// An owned, zero-initialized Float buffer (scratch that outlives one call, freed with its owner).
final class CNNBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit { pointer.deallocate() }
}

/// Scratch of one worker for a chunk of `images` images.
private final class Workspace {
    private let owned: [CNNBuffer]
    /// Per convolution: im2col matrix (nil on the direct path), z, f(z), and dA / dZ
    /// (each images × Ho·Wo × Cout, the im2col matrix images·Ho·Wo × 9·Cin).
    let columns: [UnsafeMutablePointer<Float>?]
    let preActivations: [UnsafeMutablePointer<Float>]
    let activations: [UnsafeMutablePointer<Float>]
    let gradients: [UnsafeMutablePointer<Float>]
    /// dCol of the largest convolution after the first (images·Ho·Wo × 9·Cin).
    let columnGradient: UnsafeMutablePointer<Float>
    /// images × C_last, and images × classes.
    let pooled, pooledGradient, logits, logitGradient: UnsafeMutablePointer<Float>

    init(_ convolutions: [Conv3x3Geometry], classes: Int, images: Int) {
        var owned = [CNNBuffer]()
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let b = CNNBuffer(n)
            owned.append(b)
            return b.pointer
        }
        var dcol = 0
        var columns = [UnsafeMutablePointer<Float>?](), pre = [UnsafeMutablePointer<Float>]()
        var act = [UnsafeMutablePointer<Float>](), grad = [UnsafeMutablePointer<Float>]()
        for (i, g) in convolutions.enumerated() {
            columns.append(g.isDirect ? nil : make(images * g.columnCount))
            pre.append(make(images * g.outputCount))
            act.append(make(images * g.outputCount))
            grad.append(make(images * g.outputCount))
            if i > 0 { dcol = max(dcol, images * g.outPixels * g.patchLength) }
        }
        self.columns = columns
        preActivations = pre
        activations = act
        gradients = grad
        columnGradient = make(dcol)
        let width = convolutions.last!.outChannels
        pooled = make(images * width)
        pooledGradient = make(images * width)
        logits = make(images * classes)
        logitGradient = make(images * classes)
        self.owned = owned
    }

    /// Scratch floats per image, to size chunks.
    static func floatsPerImage(_ convolutions: [Conv3x3Geometry], classes: Int) -> Int {
        var n = 0
        var dcol = 0
        for (i, g) in convolutions.enumerated() {
            n += g.columnCount + 3 * g.outputCount
            if i > 0 { dcol = max(dcol, g.outPixels * g.patchLength) }
        }
        return n + dcol + 2 * (convolutions.last!.outChannels + classes)
    }
}
