// `lo:PATH` as an optimizer spec: through a catalogue with the learned kinds of a test learned optimizer,
// and through the binary (`metatrain optimize --optimizer lo:PATH`).

import Foundation
import XCTest
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTrainCommands

/// SGD with θ = [log lr]; its architecture is `.learnableAdam` (metadata only).
private struct LearnableSGD: LearnedOptimizer {
    var architecture: LearnedOptimizerArchitecture { .learnableAdam }
    var metaLayout: ParameterLayout { ParameterLayout([("log_lr", [])]) }
    func initialMetaParameters(key: RandomKey) -> [Float] { [log(0.1)] }
    func optimizer(metaParameters: [Float]) -> any Optimizer { Scale(-exp(metaParameters[0])) }
}

final class LearnedOptimizerCommandTests: XCTestCase {
    func writeCheckpoint(_ dir: URL, logLearningRate: Float = log(0.1)) throws -> String {
        let path = dir.appendingPathComponent("lo.safetensors").path
        try LearnedOptimizerCheckpoint(learnedOptimizer: LearnableSGD(), metaParameters: [logLearningRate], outerStep: 3).write(to: path)
        return path
    }

    /// The hand-designed kinds with `lo:`/`learned` building `LearnableSGD` (a fresh checkpoint cache).
    func testCatalogue() -> OptimizerCatalogue {
        OptimizerCatalogue.handDesigned.adding(LearnedOptimizerKinds { _ in LearnableSGD() }.kinds)
    }

    /// A checkpoint of `LearnableSGD` in a fresh directory, and `testCatalogue()`; `cleanUp` removes the directory.
    func registeredCheckpoint() throws -> (dir: URL, path: String, catalogue: OptimizerCatalogue, cleanUp: () -> Void) {
        let dir = temporaryDirectory()
        let path = try writeCheckpoint(dir)
        return (dir, path, testCatalogue(), { try? FileManager.default.removeItem(at: dir) })
    }

    /// One SGD step on p = [1] with gradient [2].
    func stepOnce(_ opt: any Optimizer) -> Float {
        func run<O: Optimizer>(_ o: O) -> Float {
            let layout = ParameterLayout([("p", [1])])
            var p: [Float] = [1], g: [Float] = [2]
            var s = o.initialState(parameters: p, layout: layout)
            o.step(&p, gradient: &g, state: &s, context: StepContext(step: 0, layout: layout))
            return p[0]
        }
        return run(opt)
    }

    func testSpecResolvesThroughTheFactory() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCheckpoint(dir)
        let catalogue = testCatalogue()

        XCTAssertTrue(catalogue.names.contains("lo"))
        XCTAssertEqual(stepOnce(try catalogue.make("lo:\(path)")), 1 - 0.1 * 2, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try catalogue.make("lo:path=\(path)")), 1 - 0.1 * 2, accuracy: 1e-6)
        XCTAssertNoThrow(try ComparedOptimizer.parseList("sgd;lo:\(path)", catalogue: catalogue).forEach { try $0.checkBuildable(catalogue: catalogue) })

        // Cached by path: rewriting the file does not change what an already-loaded spec gives.
        _ = try writeCheckpoint(dir, logLearningRate: log(0.5))
        XCTAssertEqual(stepOnce(try catalogue.make("lo:\(path)")), 1 - 0.1 * 2, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try testCatalogue().make("lo:\(path)")), 0, accuracy: 1e-6)

        // Errors name the file or the spec.
        let missing = dir.appendingPathComponent("none.safetensors").path
        XCTAssertThrowsError(try catalogue.make("lo:\(missing)")) { e in
            XCTAssertEqual(e as? SpecError, SpecError(missing, "no such file"))
        }
        let garbage = dir.appendingPathComponent("garbage.safetensors").path
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try catalogue.make("lo:\(garbage)")) { e in
            XCTAssertTrue("\(e)".hasPrefix(garbage) && "\(e)".contains("not a valid safetensors file"), "\(e)")
        }
        XCTAssertThrowsError(try catalogue.make("lo")) { e in XCTAssertTrue("\(e)".contains("needs a checkpoint"), "\(e)") }
        XCTAssertThrowsError(try catalogue.make("lo:\(path),lr=3")) { e in XCTAssertTrue("\(e)".contains("unknown key 'lr'"), "\(e)") }
    }

    /// Lookahead takes a learned optimizer as its inner optimizer: `lookahead:k=K,inner=[lo:PATH]`.
    func testLookaheadAroundALearnedOptimizer() throws {
        let (dir, path, catalogue, cleanUp) = try registeredCheckpoint()
        defer { cleanUp() }

        // k = 1: fast = 1 − 0.1·2 = 0.8, slow = 1 + 0.5·(0.8 − 1) = 0.9.
        XCTAssertEqual(stepOnce(try catalogue.make("lookahead:k=1,alpha=0.5,inner=[lo:\(path)]")), 0.9, accuracy: 1e-6)
        // k = 2: the first step is the inner optimizer's alone.
        XCTAssertEqual(stepOnce(try catalogue.make("lookahead:k=2,alpha=0.5,inner=[lo:\(path),scale=2]")), 1 - 2 * 0.1 * 2, accuracy: 1e-6)
        XCTAssertNoThrow(try ComparedOptimizer.parseList("lookahead:k=10,inner=[lo:\(path)]", catalogue: catalogue).forEach { try $0.checkBuildable(catalogue: catalogue) })
        let missing = dir.appendingPathComponent("none.safetensors").path
        XCTAssertThrowsError(try catalogue.make("lookahead:inner=[lo:\(missing)]")) { e in
            XCTAssertTrue("\(e)".contains("key 'inner'") && "\(e)".contains("no such file"), "\(e)")
        }
    }

    /// The step-size wrappers take a learned optimizer too: `plateau:…,inner=[hypergrad:…,inner=[lo:PATH]]`,
    /// `mechanic:inner=[lo:PATH]` (whose first step is s_init times the learned one).
    func testStepSizeWrappersAroundALearnedOptimizer() throws {
        let (dir, path, catalogue, cleanUp) = try registeredCheckpoint()
        defer { cleanUp() }

        // The first step of either wrapper is the inner optimizer's own: 1 − 0.1·2.
        let spec = "plateau:rise=0.03,inner=[hypergrad:beta=0.1,inner=[lo:\(path)]]"
        XCTAssertEqual(stepOnce(try catalogue.make(spec)), 0.8, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try catalogue.make("hypergrad:init_scale=0.5,inner=[lo:\(path)]")), 0.9, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try catalogue.make("mechanic:s_init=0.5,inner=[lo:\(path)]")), 0.9, accuracy: 1e-6)
        XCTAssertTrue(try catalogue.make(spec).usesValidationLoss)
        XCTAssertNoThrow(try ComparedOptimizer.parseList(spec, catalogue: catalogue).forEach { try $0.checkBuildable(catalogue: catalogue) })
        let missing = dir.appendingPathComponent("none.safetensors").path
        XCTAssertThrowsError(try catalogue.make("plateau:inner=[hypergrad:inner=[lo:\(missing)]]")) { e in
            XCTAssertTrue("\(e)".contains("key 'inner'") && "\(e)".contains("no such file"), "\(e)")
        }
    }

    /// `learned:PATH,…` is `lo:PATH,…` inside `LearnedOptimizerKinds.recommendedWrapper`, step for step.
    func testLearnedIsTheCheckpointInsideTheRecommendedWrappers() throws {
        let (dir, path, catalogue, cleanUp) = try registeredCheckpoint()
        defer { cleanUp() }

        XCTAssertTrue(catalogue.names.contains("learned"))
        XCTAssertEqual(try OptimizerSpec.parse("learned:\(path),scale=2").description, "learned:\(path),scale=2")
        /// Ten steps on a quadratic with a fixed curvature per element: the parameters after each step.
        func trajectory(_ opt: any Optimizer) -> [[Float]] {
            func run<O: Optimizer>(_ o: O) -> [[Float]] {
                let layout = ParameterLayout([("w", [2, 2]), ("b", [2])])
                var p: [Float] = [1, -2, 0.5, 3, -1, 2], out: [[Float]] = []
                var s = o.initialState(parameters: p, layout: layout)
                for t in 0..<10 {
                    var g = p.indices.map { Float($0 + 1) * p[$0] }
                    let loss = zip(p, p.indices).reduce(Float(0)) { $0 + Float($1.1 + 1) * $1.0 * $1.0 / 2 }
                    o.step(&p, gradient: &g, state: &s, context: StepContext(step: t, totalSteps: 10, loss: loss, validationLoss: loss, layout: layout))
                    out.append(p)
                }
                return out
            }
            return run(opt)
        }
        let explicit = LearnedOptimizerKinds.recommendedWrapper.replacingOccurrences(of: "[theta]", with: "[lo:\(path),scale=2]")
        let a = trajectory(try catalogue.make("learned:\(path),scale=2")), b = trajectory(try catalogue.make(explicit))
        XCTAssertEqual(a, b)
        // The wrappers start at a quarter of the inner step for dense tensors (init_scale=0.25): 1 − 0.25·2·0.1·2.
        XCTAssertEqual(stepOnce(try catalogue.make("learned:\(path),scale=2")), 1 - 0.25 * 2 * 0.1 * 2, accuracy: 1e-6)
        XCTAssertNotEqual(a, trajectory(try catalogue.make("lo:\(path),scale=2")))
        XCTAssertNoThrow(try ComparedOptimizer.parseList("learned:\(path);adam", catalogue: catalogue).forEach { try $0.checkBuildable(catalogue: catalogue) })

        // Errors name `learned` or the file.
        XCTAssertThrowsError(try catalogue.make("learned:\(path),lr=3")) { e in
            XCTAssertTrue("\(e)".contains("optimizer 'learned'") && "\(e)".contains("unknown key 'lr'"), "\(e)")
        }
        let missing = dir.appendingPathComponent("none.safetensors").path
        XCTAssertThrowsError(try catalogue.make("learned:\(missing)")) { e in
            XCTAssertEqual(e as? SpecError, SpecError(missing, "no such file"))
        }
    }

    /// `scale=S` multiplies every update the learned optimizer proposes; the common keys apply too.
    func testScaleAndCommonKeysWrapTheLearnedOptimizer() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeCheckpoint(dir)
        let catalogue = testCatalogue()
        func make(_ text: String) throws -> any Optimizer { try catalogue.make(text) }

        // SGD at 0.1 on p = 1, g = 2: update −0.2, scaled.
        XCTAssertEqual(stepOnce(try make("lo:\(path),scale=0.25")), 1 - 0.25 * 0.1 * 2, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try make("lo:path=\(path),scale=3")), 1 - 3 * 0.1 * 2, accuracy: 1e-6)
        // A per-element clip of the gradient before the rule: g = 2 → 0.5.
        XCTAssertEqual(stepOnce(try make("lo:\(path),clip=0.5")), 1 - 0.1 * 0.5, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try make("lo:\(path),scale=2,clip=0.5")), 1 - 2 * 0.1 * 0.5, accuracy: 1e-6)

        // Decoupled weight decay after the (scaled) update: p ← p + s·u − λ·p.
        XCTAssertEqual(stepOnce(try make("lo:\(path),weight_decay=0.5")), 1 - 0.1 * 2 - 0.5 * 1, accuracy: 1e-6)
        XCTAssertEqual(stepOnce(try make("lo:\(path),scale=2,weight_decay=0.5")), 1 - 2 * 0.1 * 2 - 0.5 * 1, accuracy: 1e-6)
        // decay=matrices leaves the rank-1 tensor alone.
        XCTAssertEqual(stepOnce(try make("lo:\(path),weight_decay=0.5,decay=matrices")), 1 - 0.1 * 2, accuracy: 1e-6)
        // decay=dense too (rank 2 only; `gap_decay`'s tests show it leaving a rank-4 kernel alone).
        XCTAssertEqual(stepOnce(try make("lo:\(path),weight_decay=0.5,decay=dense")), 1 - 0.1 * 2, accuracy: 1e-6)

        for (bad, words) in [("scale=0", "out of range"), ("scale=-1", "out of range"), ("scale=big", "expected a number"),
                             ("scale=nan", "expected a number"), ("warmup=3", "needs schedule=warmup"),
                             ("weight_decay=2", "out of range"), ("weight_decay=-1", "out of range"),
                             ("decay=matrices", "needs weight_decay > 0"), ("weight_decay=0.1,decay=rows", "unknown value 'rows'")] {
            XCTAssertThrowsError(try make("lo:\(path),\(bad)"), bad) { e in
                XCTAssertTrue("\(e)".contains(words), "\(bad): \(e)")
            }
        }
    }

    /// `lo:default` is the checkpoint compiled into MetaLearned, the same bytes as Checkpoints/default.safetensors,
    /// and the command line builds `learned` from it in a directory that holds nothing of the package.
    func testShippedCheckpointIsTheResourceFromAnyDirectory() throws {
        let shipped = try LearnedOptimizerCheckpoint.shipped()
        let file = try LearnedOptimizerCheckpoint.load(from: packageRoot.appendingPathComponent("Checkpoints/default.safetensors").path)
        XCTAssertEqual(shipped.metaParameters, file.metaParameters)
        XCTAssertEqual(shipped.architecture, file.architecture)
        XCTAssertEqual(try LearnedOptimizerKinds.shared.source(of: OptimizerSpec.parse("lo:default")), .shipped)

        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"family": "quadratic", "dimension": 20}"#.utf8).write(to: dir.appendingPathComponent("task.json"))
        let r = try metatrain(["optimize", "--task", "task.json", "--optimizer", "learned", "--steps", "20", "--out", "out"], cwd: dir.path)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("final test loss"), r.out)
    }

    func testBinaryOptimizesWithALearnedOptimizer() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try writeCheckpoint(dir)
        let missing = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "lo:\(dir.path)/none.safetensors", "--steps", "5"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("none.safetensors: no such file"), missing.err)

        // A real architecture the binary builds: learnable Adam with θ at lr 0.1 behaves like adam:lr=0.1.
        let lo = LearnableAdam(config: LearnableAdamConfig(learningRate: 0.1))
        let adamPath = dir.appendingPathComponent("adam.safetensors").path
        try LearnedOptimizerCheckpoint(learnedOptimizer: lo, metaParameters: lo.initialMetaParameters(key: RandomKey(seed: 0)))
            .write(to: adamPath)
        let r = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "lo:\(adamPath)", "--steps", "50"])
        XCTAssertEqual(r.status, 0, r.err)
        let a = try metatrain(["optimize", "--task", "heldout/quadratic-001", "--optimizer", "adam:lr=0.1", "--steps", "50"])
        func finalLoss(_ text: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix("final test loss") }.flatMap { Double($0.split(separator: " ").last!) }
        }
        let (x, y) = (try XCTUnwrap(finalLoss(r.out)), try XCTUnwrap(finalLoss(a.out)))
        XCTAssertEqual(x, y, accuracy: 1e-3 * max(abs(y), 1e-6), "lo:\(adamPath) vs adam:lr=0.1")
        XCTAssertTrue(r.out.contains("final test loss"), r.out)
    }
}
