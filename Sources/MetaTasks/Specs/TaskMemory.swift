// Memory a task needs, estimated from its config before anything is allocated, and checked against what
// the process may use (physical memory, a cgroup limit, RLIMIT_AS): a spec inside the documented ranges
// that needs terabytes is an error that says how much and why, never an allocation abort.

import Foundation

/// How much memory this process may use.
public enum MemoryBudget {
    /// Bytes: the smallest of physical memory, the cgroup (v2 or v1) limit and the soft RLIMIT_AS.
    public static var available: (bytes: Double, source: String) {
        var best = (bytes: Double(ProcessInfo.processInfo.physicalMemory), source: "physical memory")
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let v = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), v > 0, v < best.bytes {
                best = (v, "the cgroup memory limit (\(path))")
            }
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max, Double(limit.rlim_cur) < best.bytes {
            best = (Double(limit.rlim_cur), "the address-space limit (ulimit -v)")
        }
        return best
    }

    /// `1.2 GB`, `310 MB`, `3.1 TB`.
    public static func text(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB"]
        var v = bytes, i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(Int(v)) bytes" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[i])
    }
}

/// A task's estimated memory, by part.
public struct TaskMemoryEstimate: Sendable {
    /// The three splits' inputs as Float (and labels).
    public var dataset: Double
    /// Parameters, gradients and the network's activation buffers (sized for the larger of the batch and
    /// the evaluation chunk).
    public var network: Double
    public var total: Double { dataset + network }
}

extension DatasetConfig {
    /// Inputs per example and examples in all splits, from the config (files: from their sizes; a gzip
    /// file's uncompressed size is in its last four bytes).
    func estimatedBytes() -> Double {
        func generated(_ dimension: Int, _ samples: Int, _ heldout: Int) -> Double {
            Double(samples + 2 * heldout) * (Double(dimension) + 1) * 4
        }
        func fileBytes(_ path: String?) -> Double {
            guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.doubleValue else { return 0 }
            guard path.hasSuffix(".gz"), let h = FileHandle(forReadingAtPath: path) else { return size }
            defer { try? h.close() }
            // ISIZE: the uncompressed size mod 2^32; a file over 4 GiB uncompressed is counted from its
            // compressed size at the deflate format's largest ratio.
            guard size >= 18, (try? h.seek(toOffset: UInt64(size) - 4)) != nil, let tail = try? h.read(upToCount: 4), tail.count == 4
            else { return size }
            let isize = Double(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
            return max(isize, size * 1032 > 4_294_967_296 ? size * 1032 : 0)
        }
        switch self {
        case .blobs(let c): return generated(c.dimension, c.samples, c.heldout)
        case .spirals(let c): return generated(2, c.samples, c.heldout)
        case .teacherStudent(let c): return generated(c.dimension, c.samples, c.heldout)
        case .glyphs(let c): return generated(c.size * c.size, c.samples, c.heldout)
        case .idx(let c):
            // One byte per pixel on disk, one Float in memory.
            return 4 * (fileBytes(c.images) + fileBytes(c.testImages)) + fileBytes(c.labels) + fileBytes(c.testLabels)
        case .cifar10(let c):
            return 4 * (c.trainFiles.map(fileBytes).reduce(0, +) + (c.testFiles ?? []).map(fileBytes).reduce(0, +))
        }
    }

    /// Inputs per example (nil for files, whose shape is known only once read).
    var inputsPerExample: (height: Int, width: Int, channels: Int)? {
        switch self {
        case .blobs(let c): return (1, c.dimension, 1)
        case .spirals: return (1, 2, 1)
        case .teacherStudent(let c): return (1, c.dimension, 1)
        case .glyphs(let c): return (c.size, c.size, 1)
        case .idx: return (28, 28, 1)  // MNIST-sized until read; the file sizes bound the dataset
        case .cifar10: return (32, 32, 3)
        }
    }
}

extension TaskConfig {
    /// The memory the task will hold once built.
    public var estimatedMemory: TaskMemoryEstimate {
        switch self {
        case .mlp(let c):
            let input = c.dataset.inputsPerExample.map { $0.height * $0.width * $0.channels } ?? 784
            let widths = [input] + c.hidden + [1024]  // the output layer: at most 1,024 classes
            let parameters = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + Double($1.0 + 1) * Double($1.1) }
            let rows = Double(max(c.batchSize, 1024))
            return TaskMemoryEstimate(dataset: c.dataset.estimatedBytes(),
                                      network: 4 * (3 * parameters + 3 * rows * Double(widths.reduce(0, +))))
        case .cnn(let c):
            let shape = c.dataset.inputsPerExample ?? (28, 28, 1)
            var (h, w, channels) = (shape.height, shape.width, shape.channels)
            var activations = Double(h * w * channels), im2col = 0.0, parameters = 0.0
            for (out, stride) in zip(c.channels, c.strides) {
                let (oh, ow) = ((h + stride - 1) / stride, (w + stride - 1) / stride)
                im2col = max(im2col, Double(oh * ow * 9 * channels))
                parameters += Double(9 * channels * out + out)
                (h, w, channels) = (oh, ow, out)
                activations += 2 * Double(h * w * channels)
            }
            let rows = Double(max(c.batchSize, 256))
            return TaskMemoryEstimate(dataset: c.dataset.estimatedBytes(),
                                      network: 4 * (3 * parameters + rows * (2 * activations + im2col)))
        case .quadratic(let c):
            let d = Double(c.dimension)
            return TaskMemoryEstimate(dataset: 0, network: 4 * (2 * d * d + 8 * d))
        case .function2d:
            return TaskMemoryEstimate(dataset: 0, network: 1024)
        }
    }

    /// Throws when the estimate exceeds 90% of `budget` (default: what this process may use), saying how
    /// much and why.
    public func checkMemory(budget: (bytes: Double, source: String) = MemoryBudget.available) throws {
        let e = estimatedMemory
        guard e.total > 0.9 * budget.bytes else { return }
        throw SpecError(
            "\(family.rawValue) task",
            "needs about \(MemoryBudget.text(e.total)) (dataset \(MemoryBudget.text(e.dataset)), network buffers "
                + "\(MemoryBudget.text(e.network))) but \(budget.source) is \(MemoryBudget.text(budget.bytes)): "
                + "use fewer samples, a smaller batch or narrower layers")
    }
}
