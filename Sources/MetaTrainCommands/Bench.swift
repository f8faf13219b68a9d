// `metatrain bench`: timings of the peer workloads.

import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time the benchmark workloads of the peer scripts.")
}
