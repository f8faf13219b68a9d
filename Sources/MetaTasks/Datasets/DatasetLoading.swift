// PLACEHOLDER (replaced by the datasets work): builds or loads a dataset from its config.
import Foundation

extension DatasetConfig {
    /// The dataset's splits; generated datasets are deterministic from their seed. Cached by config.
    public func load() throws -> DatasetSplits {
        throw SpecError("dataset", "dataset loading is not implemented yet")
    }
}
