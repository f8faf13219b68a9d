// summary.json of `metatrain optimize --out`: what was trained, how, and the final losses.

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
    var diverged: Bool
    var seconds: Double
}
