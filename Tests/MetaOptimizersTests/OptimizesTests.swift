// Every registry optimizer minimizes a parabola and Rosenbrock (optax's table test), through one
// helper that is itself shown to fail on a broken optimizer.

import MetaCore
import MetaOptimizers
import XCTest

/// A tiny objective: loss and gradient in Float, with its layout and start.
struct Objective {
    var name: String
    var layout: ParameterLayout
    var start: [Float]
    var lossAndGradient: ([Float]) -> (Float, [Float])

    /// ½ Σ aᵢ (xᵢ − cᵢ)² over a 2×3 matrix and a scalar, curvatures 1…10.
    static let parabola: Objective = {
        let a: [Float] = [1, 2, 4, 6, 8, 10, 3], c: [Float] = [1, -2, 0.5, 3, -1, 2, -0.5]
        return Objective(name: "parabola", layout: ParameterLayout([("w", [2, 3]), ("b", [])]), start: [Float](repeating: 0, count: 7)) { x in
            var loss: Float = 0
            var g = [Float](repeating: 0, count: x.count)
            for i in x.indices {
                loss += 0.5 * a[i] * (x[i] - c[i]) * (x[i] - c[i])
                g[i] = a[i] * (x[i] - c[i])
            }
            return (loss, g)
        }
    }()

    /// (1 − x)² + 100 (y − x²)² from (−1.2, 1); minimum 0 at (1, 1).
    static let rosenbrock = Objective(name: "rosenbrock", layout: ParameterLayout([("xy", [2])]), start: [-1.2, 1]) { p in
        let x = p[0], y = p[1]
        let loss = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
        return (loss, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    }
}

/// Runs `optimizer` for `steps` steps; nil when the final loss is finite and ≤ `threshold` and every
/// loss on the way was finite, else a diagnostic.
func optimizationFailure(_ optimizer: any Optimizer, on objective: Objective, steps: Int, threshold: Float) -> String? {
    func run<O: Optimizer>(_ o: O) -> String? {
        var x = objective.start
        var state = o.initialState(parameters: x, layout: objective.layout)
        var context = StepContext(step: 0, totalSteps: steps, layout: objective.layout)
        let initial = objective.lossAndGradient(x).0
        for t in 0..<steps {
            var (loss, g) = objective.lossAndGradient(x)
            guard loss.isFinite else { return "\(objective.name): loss \(loss) at step \(t)" }
            context.step = t
            context.loss = loss
            o.step(&x, gradient: &g, state: &state, context: context)
        }
        let final = objective.lossAndGradient(o.evaluationParameters(x, state: state)).0
        guard final.isFinite, final <= threshold else {
            return "\(objective.name): loss \(initial) → \(final) after \(steps) steps, wanted ≤ \(threshold)"
        }
        return nil
    }
    return run(optimizer)
}

final class OptimizesTests: XCTestCase {
    func assertOptimizes(_ spec: String, _ objective: Objective, steps: Int, threshold: Float, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let optimizer = try OptimizerCatalogue.handDesigned.make(spec)
            if let failure = optimizationFailure(optimizer, on: objective, steps: steps, threshold: threshold) {
                XCTFail("\(spec): \(failure)", file: file, line: line)
            }
        } catch {
            XCTFail("\(spec): \(error)", file: file, line: line)
        }
    }

    /// Per-optimizer learning rates; sign-like rules (Lion, Adafactor's clipped steps) get a cosine
    /// schedule so that their last steps are small enough to settle.
    static let table: [(parabola: String, rosenbrock: String)] = [
        ("sgd:lr=0.1", "sgd:lr=1e-3"),
        ("momentum:lr=0.02", "momentum:lr=2e-4"),
        ("nesterov:lr=0.02", "nesterov:lr=2e-4"),
        ("rmsprop:lr=0.03,schedule=cosine", "rmsprop:lr=3e-3,schedule=cosine"),
        ("adagrad:lr=0.5", "adagrad:lr=0.5"),
        ("adam:lr=0.05", "adam:lr=0.02"),
        ("adamw:lr=0.05", "adamw:lr=0.02,weight_decay=0"),
        ("lion:lr=0.03,schedule=cosine,weight_decay=0", "lion:lr=3e-3,schedule=cosine,weight_decay=0"),
        ("adafactor:lr=0.05,schedule=cosine", "adafactor:lr=3e-3,schedule=cosine"),
        ("adax:lr=0.1", "adax:lr=0.02"),
        ("nadamw:lr=0.05", "nadamw:lr=0.02,weight_decay=0"),
        ("muon:lr=0.05,schedule=cosine", "muon:lr=0.02"),
        ("schedule_free_adamw:lr=0.1", "schedule_free_adamw:lr=0.05,warmup_steps=100"),
        ("prodigy", "prodigy:schedule=cosine"),
        ("lookahead:k=5,alpha=0.5,inner=[adam:lr=0.1]", "lookahead:k=5,inner=[adam:lr=0.03]"),
        ("hypergrad:beta=0.05,inner=[adam:lr=0.05]", "hypergrad:beta=0.02,inner=[adam:lr=0.01]"),
        ("plateau:monitor=train,inner=[adam:lr=0.05]", "plateau:monitor=train,patience=50,inner=[adam:lr=0.02]"),
        ("mechanic:inner=[adam:lr=1]", "mechanic:inner=[adam:lr=1]"),
        ("average:decay=0.9,inner=[adam:lr=0.05]", "average:decay=0.9,inner=[adam:lr=0.02]"),
        ("keep_best:monitor=train,inner=[adam:lr=0.05]", "keep_best:monitor=train,inner=[adam:lr=0.02]"),
        ("gap_decay:inner=[adam:lr=0.05]", "gap_decay:inner=[adam:lr=0.02]"),
    ]

    func testTableCoversEveryOptimizer() {
        let named = Set(Self.table.flatMap { [$0.parabola, $0.rosenbrock] }.map { String($0.prefix { $0 != ":" }) })
        XCTAssertEqual(named, Set(OptimizerCatalogue.handDesigned.kinds.map(\.name)))
    }

    /// Mechanic learns its scale from scratch (s_init 1e-6) and settles slowly: optax's own
    /// `contrib.mechanize(adam(1.0))` ends at 0.0069 on this parabola after 600 steps and at 0.23 on
    /// Rosenbrock after 5,000 (measured with optax 0.2.8), so its rows get thresholds above those.
    static let thresholds: [String: (parabola: Float, rosenbrock: Float)] = ["mechanic": (0.02, 0.3)]

    func threshold(_ spec: String) -> (parabola: Float, rosenbrock: Float) {
        Self.thresholds[String(spec.prefix { $0 != ":" })] ?? (1e-3, 1e-2)
    }

    func testEveryOptimizerMinimizesAParabola() {
        for row in Self.table { assertOptimizes(row.parabola, .parabola, steps: 600, threshold: threshold(row.parabola).parabola) }
    }

    func testEveryOptimizerMinimizesRosenbrock() {
        for row in Self.table { assertOptimizes(row.rosenbrock, .rosenbrock, steps: 5000, threshold: threshold(row.rosenbrock).rosenbrock) }
    }

    func testTheHelperFailsABrokenOptimizer() {
        // Sign-flipped SGD (ascent) and a frozen one.
        XCTAssertNotNil(optimizationFailure(ScaleByLearningRate(0.1, flipSign: false), on: .parabola, steps: 600, threshold: 1e-3))
        XCTAssertNotNil(optimizationFailure(Scale(0), on: .rosenbrock, steps: 100, threshold: 1e-2))
        // And passes the same rule with the right sign.
        XCTAssertNil(optimizationFailure(ScaleByLearningRate(0.1), on: .parabola, steps: 600, threshold: 1e-3))
    }
}
