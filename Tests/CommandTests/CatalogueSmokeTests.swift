// Every kind the command line's catalogue builds, smoke-tested through its example spec, and the smoke test
// shown to catch broken optimizers.

import Foundation
import XCTest
import MetaCore
import MetaOptimizers
import MetaTrainCommands
import TestSupport

/// Updates NaN from the second step on.
private struct NaNLater: Optimizer {
    func initialState(parameters: [Float], layout: ParameterLayout) -> Int { 0 }
    func update(_ updates: inout [Float], state: inout Int, parameters: [Float], context: StepContext) {
        for i in updates.indices { updates[i] = state == 0 ? -0.1 * updates[i] : .nan }
        state += 1
    }
}

/// Momentum whose state forgets its buffer when encoded.
private struct ForgetfulMomentum: Optimizer {
    struct State: Codable, Sendable {
        var m: [Float]
        init(m: [Float]) { self.m = m }
        init(from decoder: Decoder) throws { m = [] }
        func encode(to encoder: Encoder) throws { var c = encoder.singleValueContainer(); try c.encodeNil() }
    }
    func initialState(parameters: [Float], layout: ParameterLayout) -> State { State(m: []) }
    func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        if state.m.isEmpty { state.m = [Float](repeating: 0, count: updates.count) }
        for i in updates.indices { state.m[i] = 0.9 * state.m[i] + updates[i]; updates[i] = -0.1 * state.m[i] }
    }
}

/// Evaluates a copy one element short.
private struct ShortEvaluation: Optimizer {
    func initialState(parameters: [Float], layout: ParameterLayout) -> EmptyState { EmptyState() }
    func update(_ updates: inout [Float], state: inout EmptyState, parameters: [Float], context: StepContext) {
        for i in updates.indices { updates[i] *= -0.1 }
    }
    func evaluationParameters(_ parameters: [Float], state: EmptyState) -> [Float] { Array(parameters.dropLast()) }
}

final class CatalogueSmokeTests: XCTestCase {
    func testEveryKindOfTheCatalogueBuildsAndSteps() throws {
        let catalogue = MetaTrain.catalogue
        XCTAssertTrue(Set(["adam", "lookahead", "lo", "learned", "program"]).isSubset(of: Set(catalogue.names)))
        for kind in catalogue.kinds {
            let optimizer = try catalogue.make(kind.example)
            XCTAssertEqual(smokeTestOptimizer(optimizer), [], "\(kind.name) (\(kind.example))")
        }
    }

    func testTheSmokeTestCatchesBrokenOptimizers() {
        XCTAssertEqual(smokeTestOptimizer(ScaleByLearningRate(0.1)), [])
        XCTAssertTrue(smokeTestOptimizer(NaNLater()).contains { $0.contains("non-finite update") })
        XCTAssertTrue(smokeTestOptimizer(ForgetfulMomentum()).contains { $0.contains("round trip") || $0.contains("round-trip") })
        XCTAssertTrue(smokeTestOptimizer(ShortEvaluation()).contains { $0.contains("evaluation parameters") })
        XCTAssertTrue(smokeTestOptimizer(Scale(0)).contains { $0.contains("never moved") })
    }

    /// `metatrain optimizers` prints every kind of the catalogue with its keys, and the sweeps.
    func testOptimizersCommandListsTheCatalogue() throws {
        let r = try metatrain(["optimizers"])
        XCTAssertEqual(r.status, 0, r.err)
        for kind in MetaTrain.catalogue.kinds {
            XCTAssertTrue(r.out.contains("  \(kind.name) "), kind.name)
            for key in kind.keys { XCTAssertTrue(r.out.contains("\(key.key)="), "\(kind.name).\(key.key)") }
        }
        XCTAssertTrue(r.out.contains("adam-tuned") && r.out.contains("tuned:inner="), r.out)
    }
}
