// JSON syntax errors with the file, line and column a person can go to.

import Foundation
import XCTest
import MetaCore

final class JSONSyntaxTests: XCTestCase {
    func testJSONSyntaxErrorsNameLineAndColumn() {
        func located(_ text: String) -> String? { JSONSyntax.error(in: Data(text.utf8), file: "f.json")?.location }
        XCTAssertNil(located(#"{"a": [1, 2]}"#))
        XCTAssertEqual(located("{\n  \"seed\": 1,\n  \"outerSteps\": 3 x\n}\n"), "f.json:3:19")
        XCTAssertEqual(located("{\"a\" 1}"), "f.json:1:6")
        // Columns count characters, not bytes.
        XCTAssertEqual(located("{\"é\": 1,\n \"ü\": x}"), "f.json:2:7")
        // An unfinished file: the error is at its end.
        XCTAssertEqual(located("{\n  \"a\": 1,\n"), "f.json:3:1")
        XCTAssertEqual(JSONSyntax.error(in: Data("[1, 2".utf8), file: "f.json")?.message, "not valid JSON: unexpected end of file")

        // Through a decoder: the syntax error gets the place; a type error keeps the key path.
        struct Config: Decodable { var seed: Int }
        func decodeError(_ text: String) -> SpecError? {
            let result = Result { try JSONDecoder().decode(Config.self, from: Data(text.utf8)) }
            guard case .failure(let error) = result else { return nil }
            return SpecError.from(error, file: "c.json", data: Data(text.utf8))
        }
        XCTAssertEqual(decodeError("{\n\"seed\": 1,,\n}")?.location, "c.json:2:11")
        XCTAssertEqual(decodeError(#"{"seed": "one"}"#)?.location, "c.json: seed")
    }
}
