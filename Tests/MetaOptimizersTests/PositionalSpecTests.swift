// `lo:PATH`: names that take a file accept it bare as the first setting (stored under `path`).

import MetaCore
import MetaOptimizers
import XCTest

final class PositionalSpecTests: XCTestCase {
    func testBarePathIsThePathSetting() throws {
        let bare = try OptimizerSpec.parse("lo:/runs/a b/x.safetensors")
        XCTAssertEqual(bare.name, "lo")
        XCTAssertEqual(bare["path"], .text("/runs/a b/x.safetensors"))
        XCTAssertEqual(bare, try OptimizerSpec.parse("lo:path=/runs/a b/x.safetensors"))
        XCTAssertEqual(bare.description, "lo:/runs/a b/x.safetensors")
        XCTAssertEqual(try OptimizerSpec.parse(bare.description), bare)

        let more = try OptimizerSpec.parse("lo:./ckpt/x.safetensors,seed=3")
        XCTAssertEqual(more.settings.map(\.key), ["path", "seed"])
        XCTAssertEqual(try OptimizerSpec.parse(more.description), more)
        XCTAssertEqual(try OptimizerSpec.parse("lo:default")["path"], .text("default"))

        let nested = try OptimizerSpec.parse("lookahead:k=5,inner=[lo:x.safetensors]")
        guard case .spec(let inner)? = nested["inner"] else { return XCTFail("inner is not a spec") }
        XCTAssertEqual(inner["path"], .text("x.safetensors"))
        XCTAssertEqual(try OptimizerSpec.parse(nested.description), nested)
        XCTAssertEqual(try OptimizerSpec.parseList("adam;lo:/a.safetensors").map(\.name), ["adam", "lo"])
    }

    func testOtherNamesStillNeedKeyValue() {
        XCTAssertThrowsError(try OptimizerSpec.parse("adam:lr")) { e in
            XCTAssertTrue("\(e)".contains("expected '=' after 'lr'"), "\(e)")
        }
        // Only the first setting may be bare.
        XCTAssertThrowsError(try OptimizerSpec.parse("lo:a.safetensors,b.safetensors"))
        XCTAssertThrowsError(try OptimizerSpec.parse("lo:"))
        // A path with a colon cannot be given bare.
        XCTAssertThrowsError(try OptimizerSpec.parse("lo:C:/x"))
    }
}
