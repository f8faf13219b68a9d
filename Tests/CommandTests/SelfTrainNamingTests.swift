// Run directories of `metatrain self-train`: one per outer-optimizer spec, named after it.

import XCTest
import MetaTraining
@testable import MetaTrainCommands

final class SelfTrainNamingTests: XCTestCase {
    func testDirectoryNamesKeepTheSettingsThatDistinguishRuns() {
        XCTAssertEqual(SelfTrainPlan.directoryName("lo:default"), "lo-default")
        XCTAssertEqual(SelfTrainPlan.directoryName("lo:results/self-training/recipe-long.safetensors"), "lo-recipe-long")
        XCTAssertEqual(SelfTrainPlan.directoryName("lo:default,scale=0.3"), "lo-default-scale-0.3")
        XCTAssertEqual(SelfTrainPlan.directoryName("lo:path=a/b.safetensors,scale=0.3,clip=1"), "lo-b-scale-0.3-clip-1")
        XCTAssertEqual(SelfTrainPlan.directoryName("adam:lr=1e-3"), "adam-lr-1e-3")
        XCTAssertNotEqual(SelfTrainPlan.directoryName("lo:default,scale=0.3"), SelfTrainPlan.directoryName("lo:default,scale=0.5"))
    }
}
