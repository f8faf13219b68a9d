// Architecture configs read from files are range-checked: every one-field edit that the fused kernels
// cannot run is a decoding error naming the key, never a trap.

import Foundation
import XCTest
import MetaCore
@testable import MetaLearned

final class ArchitectureLimitsTests: XCTestCase {
    func decode(_ json: String) throws -> LearnedOptimizerArchitecture {
        do { return try JSONDecoder().decode(LearnedOptimizerArchitecture.self, from: Data(json.utf8)) } catch {
            throw SpecError.from(error, file: "arch.json")
        }
    }

    func testEditsOutsideTheRangesNameTheKey() throws {
        let cases: [(String, String, String)] = [
            ("lstm_ff", #""mlpHidden": [32]"#, "config.mlpHidden"),
            ("lstm_ff", #""mlpHidden": []"#, "config.mlpHidden"),
            ("lstm_ff", #""mlpHidden": [0, 32]"#, "config.mlpHidden[0]"),
            ("lstm_ff", #""mlpHidden": [32, -4]"#, "config.mlpHidden[1]"),
            ("lstm_ff", #""mlpHidden": [32, 2147483648]"#, "config.mlpHidden[1]"),
            ("lstm_ff", #""decays": []"#, "config.decays"),
            ("lstm_ff", #""decays": [0.5, 1.5]"#, "config.decays[1]"),
            ("lstm_ff", #""decays": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]"#, "config.decays"),
            ("lstm_ff", #""extraOutputs": 1000"#, "config.extraOutputs"),
            ("lstm_ff", #""extraOutputs": -1"#, "config.extraOutputs"),
            ("lstm_ff", #""lstmHidden": 0"#, "config.lstmHidden"),
            ("lstm_ff", #""lstmHidden": 2147483648"#, "config.lstmHidden"),
            ("lstm_ff", #""lstmHidden": 4096"#, "config.lstmHidden"),
            ("lstm_ff", #""lstmToMLP": 120"#, "config.lstmToMLP"),
            ("lstm_ff", #""globalMessage": -2"#, "config.globalMessage"),
            ("lstm_ff", #""timeScales": [0]"#, "config.timeScales[0]"),
            ("lstm_ff", #""featureClip": 0"#, "config.featureClip"),
            ("lstm_ff", #""lossDecay": 1"#, "config.lossDecay"),
            ("perparam_mlp", #""mlpHidden": [8]"#, "config.mlpHidden"),
            ("perparam_mlp", #""decays": []"#, "config.decays"),
            ("learnable_adam", #""beta1": 1"#, "config.beta1"),
            ("learnable_adam", #""learningRate": -1"#, "config.learningRate"),
        ]
        for (name, field, key) in cases {
            XCTAssertThrowsError(try decode(#"{"name": "\#(name)", "config": {\#(field)}}"#), field) { e in
                XCTAssertTrue("\(e)".hasPrefix("arch.json: \(key):"), "\(field): \(e)")
            }
        }
    }

    func testDefaultsAndTheShippedCheckpointAreInRange() throws {
        for a in LearnedOptimizerArchitecture.defaults { XCTAssertNoThrow(try a.validate(), a.name) }
        XCTAssertNoThrow(try LearnedOptimizerCheckpoint.shipped().architecture.validate())
        // The widest configs the kernels take still decode.
        XCTAssertNoThrow(try decode(#"{"name": "lstm_ff", "config": {"mlpHidden": [128, 128], "extraOutputs": 126}}"#))
    }
}
