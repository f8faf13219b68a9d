// Estimated work per inner step, used to keep sampled tasks cheap (docs/architecture.md §5: inner steps mostly
// under 2 ms). Counts multiply-adds as 2 FLOP; forward + backward ≈ 3 × forward.

extension DatasetConfig {
    /// The shape of one example, known without loading for generated datasets (file datasets:
    /// the usual MNIST / CIFAR-10 shapes, for estimates only).
    public var expectedFeatureShape: [Int] {
        switch self {
        case .blobs(let c): return [c.dimension]
        case .spirals: return [2]
        case .teacherStudent(let c): return [c.dimension]
        case .glyphs(let c): return [c.size, c.size, 1]
        case .idx: return [28, 28, 1]
        case .cifar10: return [32, 32, 3]
        }
    }

    /// Number of classes, known without loading for generated datasets (files: 10, for estimates).
    public var expectedClasses: Int {
        switch self {
        case .blobs(let c): return c.classes
        case .spirals(let c): return c.classes
        case .teacherStudent(let c): return c.classes
        case .glyphs(let c): return c.classes
        case .idx, .cifar10: return 10
        }
    }
}

extension TaskConfig {
    /// Estimated MFLOP of one training step (forward + backward).
    public var estimatedStepMFLOP: Double {
        switch self {
        case .mlp(let c):
            var fanIn = c.dataset.expectedFeatureShape.reduce(1, *)
            var macs = 0
            for w in c.hidden + [c.dataset.expectedClasses] {
                macs += fanIn * w
                fanIn = w
            }
            return 6 * Double(c.batchSize * macs) / 1e6
        case .cnn(let c):
            let shape = c.dataset.expectedFeatureShape
            var (h, w, cin) = (shape[0], shape[1], shape[2])
            var macs = 0
            for (cout, s) in zip(c.channels, c.strides) {
                h = (h - 1) / s + 1
                w = (w - 1) / s + 1
                macs += h * w * 9 * cin * cout
                cin = cout
            }
            macs += cin * c.dataset.expectedClasses
            return 6 * Double(c.batchSize * macs) / 1e6
        case .quadratic(let c):
            return c.rotate ? 2 * 4 * 8 * Double(c.dimension) / 1e6 : 4 * Double(c.dimension) / 1e6
        case .function2d:
            return 1e-4
        }
    }
}
