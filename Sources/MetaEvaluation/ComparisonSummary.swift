// The numbers a comparison is judged by. Every task counts once: per (task, optimizer) the final
// normalized test loss is averaged over seeds; optimizers are then summarized over tasks (mean,
// median, per-family means) and compared pairwise (on how many tasks A's seed mean is below B's).
// Diverged runs carry their normalizer's cap (docs/architecture.md §3), so every number here is finite.

import Foundation

/// Mean, sample standard deviation, median, min and max of a list of numbers.
public struct Statistics: Codable, Hashable, Sendable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation (n − 1); 0 for a single value.
    public var standardDeviation: Double
    public var median: Double
    public var minimum: Double
    public var maximum: Double

    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else {
            (mean, standardDeviation, median, minimum, maximum) = (.nan, .nan, .nan, .nan, .nan)
            return
        }
        mean = values.reduce(0, +) / Double(values.count)
        let m = mean
        standardDeviation = values.count > 1
            ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
        let sorted = values.sorted()
        let n = sorted.count
        median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        minimum = sorted[0]
        maximum = sorted[n - 1]
    }
}

/// Per-optimizer summaries and the pairwise win matrix of a `Comparison.Result`.
public struct ComparisonSummary: Codable, Sendable {
    public struct OptimizerSummary: Codable, Sendable {
        public var name: String
        /// Over tasks, of each task's seed-mean normalized test loss.
        public var meanNormalizedTestLoss: Double
        public var medianNormalizedTestLoss: Double
        /// Runs (task × seed) that diverged.
        public var divergedRuns: Int
        public var runs: Int
        /// Family name → mean over that family's tasks.
        public var familyMeans: [String: Double]
    }

    public var optimizers: [OptimizerSummary]
    /// Families present, in the zoo's order (mlp, cnn, quadratic, function2d, then others).
    public var families: [String]
    /// `taskMeans[t][o]`: seed-mean normalized test loss of optimizer o on task t.
    public var taskMeans: [[Double]]
    /// `wins[a][b]`: tasks on which a's seed mean is strictly below b's.
    public var wins: [[Int]]

    public init(_ result: Comparison.Result) {
        let nT = result.tasks.count, nO = result.optimizers.count
        taskMeans = (0..<nT).map { t in
            (0..<nO).map { o in Statistics(result.outcomes(task: t, optimizer: o).map { Double($0.result.normalizedTestLoss) }).mean }
        }
        let order = ["mlp", "cnn", "quadratic", "function2d"]
        let present = Set(result.tasks.map(\.family))
        families = order.filter(present.contains) + present.subtracting(order).sorted()
        let means = taskMeans
        optimizers = (0..<nO).map { o in
            let column = means.map { $0[o] }
            let stats = Statistics(column)
            var familyMeans: [String: Double] = [:]
            for f in present {
                familyMeans[f] = Statistics(result.tasks.indices.filter { result.tasks[$0].family == f }.map { column[$0] }).mean
            }
            let runs = (0..<nT).flatMap { result.outcomes(task: $0, optimizer: o) }
            return OptimizerSummary(
                name: result.optimizers[o], meanNormalizedTestLoss: stats.mean, medianNormalizedTestLoss: stats.median,
                divergedRuns: runs.filter(\.result.diverged).count, runs: runs.count, familyMeans: familyMeans)
        }
        wins = (0..<nO).map { a in
            (0..<nO).map { b in a == b ? 0 : means.filter { $0[a] < $0[b] }.count }
        }
    }

    /// The optimizers with the lowest value in each row of `taskMeans` (several on ties).
    public func best(task t: Int) -> Set<Int> {
        let row = taskMeans[t]
        guard let m = row.filter(\.isFinite).min() else { return [] }
        return Set(row.indices.filter { row[$0] == m })
    }
}
