// Programs as optimizers, against outside references: the Lion program replays optax's Lion
// trajectory (Tests/TestSupport/Fixtures), the AdamW program matches a hand computation without bias
// correction, and signSGD / momentum / RMSProp match the registry's optax-checked optimizers.

import Foundation
import XCTest
import MetaCore
import MetaOptimizers
import TestSupport
@testable import MetaPrograms

final class ProgramOptimizerTests: XCTestCase {
    static let sharedReference = TestFixtures.optaxTrajectories

    func program(_ name: String) throws -> Program {
        try ProgramParser.load(path: packageRoot.appendingPathComponent("Programs/\(name).prog").path)
    }

    /// Replays the reference's Lion case(s) with a program; returns the worst relative error.
    func replayLion(_ program: Program) throws -> Double {
        let data = try Data(contentsOf: Self.sharedReference)
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = (root["cases"] as! [[String: Any]]).filter { $0["optimizer"] as? String == "lion" }
        XCTAssertFalse(cases.isEmpty)
        var worst = 0.0
        for c in cases {
            let hyper = c["hyper"] as! [String: Double]
            // The shipped program's constants are Lion's defaults; the case must use them.
            XCTAssertEqual(hyper["b1"], 0.9)
            XCTAssertEqual(hyper["b2"], 0.99)
            XCTAssertEqual(hyper["weight_decay"], 0.01)
            let shapes = c["shapes"] as! [String: [Int]]
            let names = shapes.keys.sorted()
            var layout = ParameterLayout()
            for n in names { layout.append(n, shape: shapes[n]!) }
            func flat(_ tensors: Any) -> [Float] {
                let t = tensors as! [String: Any]
                func walk(_ x: Any) -> [Float] {
                    if let a = x as? [Any] { return a.flatMap(walk) }
                    return [Float((x as! NSNumber).doubleValue)]
                }
                return names.flatMap { walk(t[$0]!) }
            }
            let optimizer = try ProgramOptimizer(program, learningRate: Float(hyper["lr"]!))
            var parameters = flat(c["params0"]!)
            var state = optimizer.initialState(parameters: parameters, layout: layout)
            let grads = c["grads"] as! [Any], expected = c["params"] as! [Any]
            for t in grads.indices {
                var g = flat(grads[t])
                optimizer.step(&parameters, gradient: &g, state: &state, context: StepContext(step: t, layout: layout))
                worst = max(worst, TrajectoryReplay.relativeErrors(ours: parameters, reference: flat(expected[t])).max)
            }
        }
        return worst
    }

    func testLionProgramReproducesTheReferenceTrajectory() throws {
        let error = try replayLion(try program("lion"))
        XCTAssertLessThanOrEqual(error, TrajectoryReplay.float32Tolerance)
    }

    func testReplayCatchesABrokenLion() throws {
        var broken = try program("lion")
        let i = broken.statements.firstIndex { $0.target == "m" }!
        broken.statements[i] = Statement("m", .interp, [.variable("g"), .variable("m"), .constant(0.98)])
        // Outside the assertion, so that a missing reference skips instead of failing.
        let error = try replayLion(broken)
        XCTAssertGreaterThan(error, TrajectoryReplay.float32Tolerance)
    }

    func testAdamWProgramMatchesAHandComputationWithoutBiasCorrection() throws {
        let optimizer = try ProgramOptimizer(try program("adamw"))
        XCTAssertEqual(optimizer.learningRate, 1e-3, "the file's '# lr:' header")
        var rng = RandomKey(seed: 3).generator()
        let n = 7
        let layout = ParameterLayout([("w", [n])])
        var parameters = rng.normals(n)
        var state = optimizer.initialState(parameters: parameters, layout: layout)
        var (w, m, v) = (parameters.map(Double.init), [Double](repeating: 0, count: n), [Double](repeating: 0, count: n))
        for t in 0..<5 {
            var g = rng.normals(n)
            if t == 2 { g[0] = 0 }  // a zero gradient element stays finite thanks to eps
            for i in 0..<n {
                let gi = Double(g[i])
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.999 * v[i] + 0.001 * gi * gi
                w[i] -= 1e-3 * (m[i] / (v[i].squareRoot() + 1e-8) + 0.01 * w[i])
            }
            optimizer.step(&parameters, gradient: &g, state: &state, context: StepContext(step: t, layout: layout))
            assertClose(parameters, w.map(Float.init), rtol: 1e-5, atol: 1e-6, "step \(t + 1)")
            assertClose(state.m, m.map(Float.init), rtol: 1e-5, atol: 1e-7)
        }
        // The first step without bias correction is lr·(0.1g / sqrt(0.001g²)) ≈ 3.16·lr per element
        // (bias-corrected Adam would step lr): the registry's adamw is a different optimizer here.
    }

    func testKnownProgramsMatchTheRegistry() throws {
        let table: [(program: String, lr: Float, registry: String)] = [
            ("momentum", 0.05, "momentum:lr=0.05,momentum=0.9"),
            ("rmsprop", 0.01, "rmsprop:lr=0.01,decay=0.9,eps=1e-8"),
            ("signsgd", 0.02, "sgd:lr=0.02"),  // on sign(g): the gradient is replaced below
            ("lion", 3e-4, "lion:lr=3e-4,b1=0.9,b2=0.99,weight_decay=0.01"),
        ]
        for row in table {
            let p = try ProgramOptimizer(try program(row.program), learningRate: row.lr)
            let r = try OptimizerCatalogue.handDesigned.make(row.registry)
            let layout = ParameterLayout([("a", [3, 4]), ("b", [5])])
            var rng = RandomKey(seed: 11).generator()
            let start = rng.normals(layout.count)
            func run<O: Optimizer>(_ o: O, signs: Bool) -> [Float] {
                var x = start
                var s = o.initialState(parameters: x, layout: layout)
                var gr = RandomKey(seed: 5).generator()
                for t in 0..<10 {
                    var g = gr.normals(layout.count)
                    if signs { g = g.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
                    o.step(&x, gradient: &g, state: &s, context: StepContext(step: t, layout: layout))
                }
                return x
            }
            let ours = run(p, signs: false)
            let theirs = run(r, signs: row.program == "signsgd")
            XCTAssertLessThanOrEqual(TrajectoryReplay.relativeErrors(ours: ours, reference: theirs).max, 1e-5, row.program)
        }
    }

    func testNormReducesPerTensorAndScalarsFold() throws {
        // update = lr * g / norm(g): each tensor's step has unit norm times lr.
        let p = try ProgramParser.parseChecked("n = norm(g)\nc = 2 * 0.5\nu = g / n\nk = lr * c\nupdate = u * k\n")
        let compiled = try CompiledProgram(p)
        XCTAssertEqual(compiled.instructionCount, 4, "the constant product folds away; lr * c stays a scalar instruction")
        let o = try ProgramOptimizer(p, learningRate: 0.5)
        let layout = ParameterLayout([("a", [2]), ("b", [3])])
        var g: [Float] = [3, 4, 1, 2, 2]
        var s = o.initialState(parameters: [0, 0, 0, 0, 0], layout: layout)
        o.update(&g, state: &s, parameters: [0, 0, 0, 0, 0], context: StepContext(step: 0, layout: layout))
        assertClose(g, [-0.3, -0.4, -1.0 / 6, -2.0 / 6, -2.0 / 6])
    }
}
