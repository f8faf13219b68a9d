// Building or loading a dataset from its config, with a process-wide cache so that the many task
// instances built over one dataset share one `DatasetSplits` and generated data is made once.

import Foundation

extension DatasetConfig {
    /// The dataset's splits, cached per config for the life of the process (a file changed on disk
    /// after its first load is not re-read). Generated datasets are deterministic from their seed.
    /// File paths are used as given: resolve relative ones first (`resolvingPaths(relativeTo:)`).
    /// Throws `SpecError` (located at the file) for missing or malformed files; failures are not cached.
    public func load() throws -> DatasetSplits {
        try DatasetCache.shared.splits(for: self)
    }

    /// Builds or reads the dataset afresh, bypassing the cache.
    public func build() throws -> DatasetSplits {
        switch self {
        case .blobs(let c): return BlobsGenerator.make(c)
        case .spirals(let c): return SpiralsGenerator.make(c)
        case .teacherStudent(let c): return TeacherStudentGenerator.make(c)
        case .glyphs(let c): return GlyphsGenerator.make(c)
        case .idx(let c): return try IDXLoader.load(c)
        case .cifar10(let c): return try CIFAR10Loader.load(c)
        }
    }
}

/// Config → splits, built at most once per config even when many threads ask at the same time:
/// a global lock guards the table, and each entry has its own lock held while it is built, so
/// different datasets build concurrently and askers of the same one wait for the first.
final class DatasetCache: @unchecked Sendable {
    static let shared = DatasetCache()

    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var splits: DatasetSplits?
    }

    private let lock = NSLock()
    private var entries: [DatasetConfig: Entry] = [:]

    func splits(for config: DatasetConfig) throws -> DatasetSplits {
        lock.lock()
        let entry: Entry
        if let e = entries[config] {
            entry = e
        } else {
            entry = Entry()
            entries[config] = entry
        }
        lock.unlock()

        entry.lock.lock()
        defer { entry.lock.unlock() }
        if let s = entry.splits { return s }
        let s = try config.build()
        entry.splits = s
        return s
    }
}
