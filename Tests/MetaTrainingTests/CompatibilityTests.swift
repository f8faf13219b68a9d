// Checkpoints written before the meta-training refactor still load, and a run resumed from one with
// today's code ends bit-identical to the run the old code made without interruption (Fixtures/README.md).

import Foundation
import XCTest
import MetaLearned
@testable import MetaTraining

final class CompatibilityTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testOldResumableCheckpointContinuesBitIdentically() throws {
        let (config, state) = try TrainingRun.loadResumable(from: fixtures.appendingPathComponent("resumable-before-catalogue.safetensors").path)
        XCTAssertEqual(state.outerStep, 3)
        XCTAssertEqual(config.estimator, .pes)
        var cfg = config
        cfg.outerSteps = 6
        for threads in [1, 2] {
            cfg.threads = threads
            let trainer = try MetaTrainer(config: cfg, resumingFrom: state)
            while trainer.outerStep < 6 { try trainer.step() }
            let expected = try LearnedOptimizerCheckpoint.load(from: fixtures.appendingPathComponent("uninterrupted-before-catalogue.safetensors").path)
            XCTAssertEqual(expected.outerStep, 6)
            XCTAssertEqual(trainer.metaParameters, expected.metaParameters, "θ after resuming at \(threads) threads")
        }
    }

    /// The config the fixtures were made from is the one stored in them.
    func testFixtureConfigIsTheStoredOne() throws {
        let (config, _) = try TrainingRun.loadResumable(from: fixtures.appendingPathComponent("resumable-before-catalogue.safetensors").path)
        var file = try MetaTrainingConfig.decode(Data(contentsOf: fixtures.appendingPathComponent("small-config.json")), file: "small-config.json")
        file.outerSteps = config.outerSteps
        XCTAssertEqual(file, config)
    }
}
