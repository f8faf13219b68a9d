import XCTest
import MetaCore
import TestSupport

final class RandomTests: XCTestCase {
    func testSameKeySameStream() {
        var a = RandomKey(seed: 42).generator()
        var b = RandomKey(seed: 42).generator()
        for _ in 0..<100 { XCTAssertEqual(a.next(), b.next()) }
    }
}
