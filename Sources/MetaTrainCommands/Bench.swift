// `metatrain bench`: times the peer workloads (benchmarks/peers), in milliseconds, to be set
// beside the PyTorch and JAX scripts run in the same session.

import ArgumentParser
import Foundation
import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks

/// Times the benchmark workloads.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the benchmark workloads of the peer scripts (median, p10, min, p90 in ms).")

    @OptionGroup var output: JSONOutputOptions
    @Option(help: "Threads (BLAS and workers).")
    var threads = 2
    @Option(help: "Comma-separated workloads: \(BenchWorkload.names) (default: all).", transform: { try BenchWorkload.list($0) })
    var only: [BenchWorkload]?
    @Option(help: "Time lo_step_ms with this optimizer instead of a fresh LSTM_FF (lo:PATH, program:PATH, adam, …).")
    var stepOptimizer: String?

    func validate() throws {
        try FlagLimits.check(threads, FlagLimits.blasThreads, "--threads")
    }

    func run() throws {
        let chosen = only ?? BenchWorkload.allCases
        let stepped: (any Optimizer)? = try stepOptimizer.map { spec in
            do { return try MetaTrain.catalogue.make(spec) } catch { throw ValidationError("--step-optimizer: \(error)") }
        }
        var results = BenchResults(threads: threads, cpu: Kernels.cpuLevelName)
        for w in BenchWorkload.allCases where chosen.contains(w) {
            if !output.json { FileHandle.standardError.write(Data("timing \(w.rawValue)…\n".utf8)) }
            if w == .learnedOptimizerStep, let o = stepped {
                results.results[w] = LearnedOptimizerBenchmark.optimizerStep(o)
            } else {
                results.results[w] = w.timing(threads: threads)
            }
        }
        print(output.json ? TaskSpec.json(results) : results.table(order: chosen))
    }
}
