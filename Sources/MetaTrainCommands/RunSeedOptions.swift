// `--seed S`: the seed of one inner training run (`optimize`, `zoo validate`).

import ArgumentParser

/// The seed of one inner training run's initialization and minibatches.
struct RunSeedOptions: ParsableArguments {
    @Option(help: "Seed of the initialization and minibatches.")
    var seed: UInt64 = 0
}
