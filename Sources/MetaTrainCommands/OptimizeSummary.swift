// summary.json of `metatrain optimize --out`: what was trained, how, and the final losses. No timings: two
// runs of the same command write the same bytes (the wall time is printed).

import MetaTasks

/// One optimize run's results, as written to summary.json.
struct OptimizeSummary: Codable {
    var task: String
    var config: TaskConfig
    var optimizer: String
    var steps: Int
    var seed: UInt64
    var parameters: Int
    var finalTrain: TaskEvaluation
    var finalValidation: TaskEvaluation
    var finalTest: TaskEvaluation
    var normalizedTestLoss: Float
    /// The loss became NaN or infinite.
    var diverged: Bool
    /// Why the run is flagged as diverged (non-finite, or ending far above its start); absent when healthy.
    var divergence: String?
}
