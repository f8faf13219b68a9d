// Layout, parallel-for, BLAS and the C kernels.

import XCTest
import MetaCore
import TestSupport

final class CoreTests: XCTestCase {
    func testLayoutOffsetsAreContiguous() {
        let l = ParameterLayout([("w", [3, 4]), ("b", [4]), ("s", [])])
        XCTAssertEqual(l.count, 17)
        XCTAssertEqual(l["b"]?.offset, 12)
        XCTAssertEqual(l["s"]?.range, 16..<17)
        XCTAssertNil(l["nope"])
        let p = Parameters(layout: l, values: (0..<17).map(Float.init))
        XCTAssertEqual(p.tensor("b"), [12, 13, 14, 15])
        let data = try! JSONEncoder().encode(l)
        XCTAssertEqual(try! JSONDecoder().decode(ParameterLayout.self, from: data), l)
    }

    func testParallelResultsDoNotDependOnThreadCount() {
        func work(_ i: Int) -> Float {
            var g = RandomKey(seed: 9).fold(UInt64(i)).generator()
            return (0..<1000).reduce(Float(0)) { acc, _ in acc + g.normalFloat() }
        }
        let one = Parallel.map(257, threads: 1, work)
        for threads in [2, 3, 8] {
            XCTAssertEqual(Parallel.map(257, threads: threads, work), one)
        }
        var hit = [Int](repeating: 0, count: 100)
        hit.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            Parallel.forEach(100, threads: 4) { (base + $0).pointee += 1 }
        }
        XCTAssertEqual(hit, [Int](repeating: 1, count: 100))
    }

    func testGemmMatchesNaiveProducts() {
        var g = RandomKey(seed: 1).generator()
        let (m, n, k) = (5, 7, 3)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = g.normals(m * k), b = g.normals(k * n)
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
            } } }
            var ref = [Float](repeating: 0, count: m * n)
            for i in 0..<m { for j in 0..<n { for t in 0..<k {
                let av = ta ? a[t * m + i] : a[i * k + t]
                let bv = tb ? b[j * k + t] : b[t * n + j]
                ref[i * n + j] += av * bv
            } } }
            assertClose(c, ref, rtol: 1e-5, atol: 1e-5, "transA \(ta) transB \(tb)")
        }
    }

    func testAxpyAndSumOfSquares() {
        var y: [Float] = [1, 2, 3]
        Kernels.axpy(2, [1, 1, 1], &y)
        XCTAssertEqual(y, [3, 4, 5])
        let s = y.withUnsafeBufferPointer { Kernels.sumOfSquares($0) }
        XCTAssertEqual(s, 50)
        XCTAssertFalse(Kernels.cpuLevelName.isEmpty)
    }

    func testAtomicWriteReplacesWholeFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UInt32.random(in: 0...UInt32.max))")
        let path = dir.appendingPathComponent("sub/out.json").path
        try AtomicFile.write("first", to: path)
        try AtomicFile.write("second", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path)
        XCTAssertEqual(leftovers, ["out.json"])
    }
}
