// `metatrain bench`: timings of the peer workloads (benchmarks/peers), in milliseconds, to be set
// beside the PyTorch and JAX scripts run in the same session.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the benchmark workloads of the peer scripts (median, p10, min, p90 in ms).")

    @Flag(help: "Print JSON only.")
    var json = false
    @Option(help: "Threads (BLAS and workers).")
    var threads = 2
    @Option(help: "Comma-separated workloads: \(Bench.workloads.map(\.name).joined(separator: ", ")) (default: all).")
    var only: String?
    @Option(help: "Time lo_step_ms with this optimizer instead of a fresh LSTM_FF (lo:PATH, program:PATH, adam, …).")
    var stepOptimizer: String?

    struct Workload {
        var name: String
        var run: (Int) -> TimingSummary
    }

    static let workloads: [Workload] = [
        Workload(name: "mlp_step_ms") { threads in
            withAdam(layout: MLPBenchmark.layout) { MLPBenchmark.stepTiming(threads: threads, update: $0) }
        },
        Workload(name: "cnn_step_ms") { threads in
            withAdam(layout: CNNBenchmark.layout) { CNNBenchmark.stepTiming(threads: threads, update: $0) }
        },
        Workload(name: "adam_1e6_ms") { adamTiming(threads: $0) },
        Workload(name: "perparam_mlp_fwd_ms") { LearnedOptimizerBenchmark.perParameterMLPForward(threads: $0) },
        Workload(name: "lo_step_ms") { LearnedOptimizerBenchmark.lstmFFStep(threads: $0) },
    ]

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1…256, got \(threads)") }
        if let o = only {
            for n in o.split(separator: ",") where !Bench.workloads.contains(where: { $0.name == n }) {
                throw ValidationError("--only: unknown workload '\(n)'; valid: \(Bench.workloads.map(\.name).joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let names = only.map { $0.split(separator: ",").map(String.init) } ?? Bench.workloads.map(\.name)
        var results: [String: TimingSummary] = [:]
        let stepped: (any Optimizer)? = try stepOptimizer.map { spec in
            do { return try MetaTrain.catalogue.make(spec) } catch { throw ValidationError("--step-optimizer: \(error)") }
        }
        for w in Bench.workloads where names.contains(w.name) {
            if !json { FileHandle.standardError.write(Data("timing \(w.name)…\n".utf8)) }
            if w.name == "lo_step_ms", let o = stepped {
                results[w.name] = LearnedOptimizerBenchmark.optimizerStep(o)
            } else {
                results[w.name] = w.run(threads)
            }
        }
        struct Output: Encodable {
            var metatrain: String
            var threads: Int
            var cpu: String
            var results: [String: TimingSummary]
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: AnyKey.self)
                try c.encode(metatrain, forKey: AnyKey("metatrain"))
                try c.encode(threads, forKey: AnyKey("threads"))
                try c.encode(cpu, forKey: AnyKey("cpu_kernels"))
                for (k, v) in results { try c.encode(v, forKey: AnyKey(k)) }
            }
        }
        let out = Output(metatrain: "0.1.0", threads: threads, cpu: Kernels.cpuLevelName, results: results)
        if json {
            print(TaskSpec.json(out))
        } else {
            print("threads \(threads), kernels \(Kernels.cpuLevelName)")
            for name in names {
                guard let r = results[name] else { continue }
                print(name.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(format: "median %8.4f  p10 %8.4f  min %8.4f  p90 %8.4f", r.med, r.p10, r.min, r.p90))
            }
        }
    }

    /// The peers' optimizer, Adam(1e-3), built from the registry as every command builds it, handed
    /// to a workload as an update closure.
    static func withAdam(
        layout: ParameterLayout, _ body: ((inout [Float], inout [Float], Int) -> Void) -> TimingSummary
    ) -> TimingSummary {
        func run<O: Optimizer>(_ adam: O) -> TimingSummary {
            var state = adam.initialState(parameters: [Float](repeating: 0, count: layout.count), layout: layout)
            return body { parameters, gradient, step in
                adam.step(&parameters, gradient: &gradient, state: &state, context: StepContext(step: step, layout: layout))
            }
        }
        return run(try! OptimizerCatalogue.handDesigned.make("adam:lr=1e-3"))
    }

    /// The peers' Adam workload: one update of 1e6 floats (the registry's Adam, fused in-place step).
    static func adamTiming(threads: Int) -> TimingSummary {
        let n = 1_000_000
        var rng = RandomKey(seed: 0).generator()
        let layout = ParameterLayout([("w", [n])])
        var p = rng.normals(n)
        let g = rng.normals(n)
        var gradient = g
        let timing = withAdam(layout: layout) { update in
            var step = 0
            return TimingSummary.measure(warmup: 10, iterations: 100) {
                update(&p, &gradient, step)
                step += 1
            }
        }
        // The peers time the update alone on an unchanged gradient; Adam's fused step reads the
        // gradient without consuming it, which this checks rather than assumes.
        precondition(gradient == g, "the Adam step changed its gradient buffer: the timing would be wrong")
        return timing
    }
}
