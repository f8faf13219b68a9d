// `--evaluate-every N`: how often an inner training run measures its validation and test losses
// (`optimize`, `compare`).

import ArgumentParser

/// Steps between evaluations of an inner training run.
struct EvaluationCadenceOptions: ParsableArguments {
    @Option(help: "Measure validation and test losses every N steps (default: steps/20).")
    var evaluateEvery: Int?

    func validate() throws {
        try FlagLimits.check(evaluateEvery, FlagLimits.positive, "--evaluate-every")
    }
}
