// The workloads `metatrain bench` times: the same operations as the peer scripts in benchmarks/peers
// (PyTorch, JAX), named by the keys their JSON results use.

import ArgumentParser
import MetaCore
import MetaLearned
import MetaOptimizers
import MetaTasks

/// One timed workload, named by its result key.
enum BenchWorkload: String, CaseIterable, ExpressibleByArgument {
    case mlpStep = "mlp_step_ms"
    /// The MLP step with Muon (its Newton–Schulz iterations on BLAS) on the weight matrices, Adam on the biases.
    case mlpMuonStep = "mlp_muon_step_ms"
    case cnnStep = "cnn_step_ms"
    case adam = "adam_1e6_ms"
    case perParameterMLPForward = "perparam_mlp_fwd_ms"
    case learnedOptimizerStep = "lo_step_ms"

    /// Times the workload on `threads` threads.
    func timing(threads: Int) -> TimingSummary {
        switch self {
        case .mlpStep: return Self.withAdam(layout: MLPBenchmark.layout) { MLPBenchmark.stepTiming(threads: threads, update: $0) }
        case .mlpMuonStep:
            return Self.with(Self.muonSpec, layout: MLPBenchmark.layout) { MLPBenchmark.stepTiming(threads: threads, update: $0) }
        case .cnnStep: return Self.withAdam(layout: CNNBenchmark.layout) { CNNBenchmark.stepTiming(threads: threads, update: $0) }
        case .adam: return Self.adamTiming(threads: threads)
        case .perParameterMLPForward: return LearnedOptimizerBenchmark.perParameterMLPForward(threads: threads)
        case .learnedOptimizerStep: return LearnedOptimizerBenchmark.lstmFFStep(threads: threads)
        }
    }

    /// Every workload's name, comma-separated.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a comma-separated list of workload names (`bench --only`).
    static func list(_ argument: String) throws -> [BenchWorkload] {
        try argument.split(separator: ",").map { name in
            guard let w = BenchWorkload(rawValue: String(name)) else {
                throw ValidationError("unknown workload '\(name)'; valid: \(names)")
            }
            return w
        }
    }

    /// The peers' optimizer, Adam(1e-3), built from the catalogue as every command builds it, handed
    /// to a workload as an update closure.
    static func withAdam(
        layout: ParameterLayout, _ body: ((inout [Float], inout [Float], Int) -> Void) -> TimingSummary
    ) -> TimingSummary {
        with("adam:lr=1e-3", layout: layout, body)
    }

    /// The Muon peer (`torch.optim.Muon` at lr 0.02 on the 2-D weights, AdamW at 1e-3 on the biases).
    static let muonSpec = "muon:lr=0.02,adam_lr=1e-3"

    /// The optimizer `spec` names (a fixed, valid spec), handed to a workload as an update closure.
    static func with(
        _ spec: String, layout: ParameterLayout, _ body: ((inout [Float], inout [Float], Int) -> Void) -> TimingSummary
    ) -> TimingSummary {
        func run<O: Optimizer>(_ optimizer: O) -> TimingSummary {
            var state = optimizer.initialState(parameters: [Float](repeating: 0, count: layout.count), layout: layout)
            return body { parameters, gradient, step in
                optimizer.step(&parameters, gradient: &gradient, state: &state, context: StepContext(step: step, layout: layout))
            }
        }
        do { return run(try OptimizerCatalogue.handDesigned.make(spec)) } catch {
            preconditionFailure("the benchmark's own spec '\(spec)' does not build: \(error)")  // a programmer error
        }
    }

    /// The peers' Adam workload: one update of 1e6 floats (the catalogue's Adam, fused in-place step).
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
