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

    /// Any path can be written quoted, and the canonical text quotes it when it must.
    func testQuotedPathsRoundTrip() throws {
        let paths = ["/a:b/c.safetensors", "C:/x", "a,b=c[d];e]f", #"say "hi".safetensors"#, #"back\slash\"#, " padded ", "", "plain/x.safetensors"]
        for path in paths {
            let spec = OptimizerSpec(name: "lo", settings: [("path", .text(path)), ("scale", .text("0.5"))])
            let text = spec.description
            XCTAssertEqual(try OptimizerSpec.parse(text), spec, text)
            // Inside a bracketed spec and in a list too.
            let outer = OptimizerSpec(name: "lookahead", settings: [("inner", .spec(spec)), ("k", .text("5"))])
            XCTAssertEqual(try OptimizerSpec.parse(outer.description), outer, outer.description)
            XCTAssertEqual(try OptimizerSpec.parseList("adam;\(text);sgd"), [OptimizerSpec(name: "adam"), spec, OptimizerSpec(name: "sgd")], text)
        }
        // Plain paths are still written bare; others quoted, with `path=` or without.
        XCTAssertEqual(OptimizerSpec(name: "lo", settings: [("path", .text("plain/x.safetensors"))]).description, "lo:plain/x.safetensors")
        XCTAssertEqual(OptimizerSpec(name: "lo", settings: [("path", .text("/a:b/c"))]).description, #"lo:"/a:b/c""#)
        XCTAssertEqual(try OptimizerSpec.parse(#"lo:path="/a:b/c""#), try OptimizerSpec.parse(#"lo:"/a:b/c""#))
        XCTAssertEqual(try OptimizerSpec.parse(#"lo:"/a:b/c""#)["path"], .text("/a:b/c"))
        XCTAssertEqual(try OptimizerSpec.parse(#"program:"x;y.prog",lr=1e-3"#)["path"], .text("x;y.prog"))
        XCTAssertEqual(try OptimizerSpec.parse(#"lo:"a\"b""#)["path"], .text(#"a"b"#))
        // Unclosed quotes and unknown escapes are errors that say where.
        XCTAssertThrowsError(try OptimizerSpec.parse(#"lo:"/a:b"#)) { e in
            XCTAssertTrue("\(e)".contains("column 4") && "\(e)".contains("never closed"), "\(e)")
        }
        XCTAssertThrowsError(try OptimizerSpec.parse(#"lo:"a\nb""#)) { e in XCTAssertTrue("\(e)".contains("backslash"), "\(e)") }
    }
}
