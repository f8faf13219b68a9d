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

    func testAdamKernelMatchesScalarReference() {
        var g = RandomKey(seed: 2).generator()
        let n = 1037  // not a multiple of any vector width
        var p = g.normals(n), m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
        var rp = p.map(Double.init), rm = [Double](repeating: 0, count: n), rv = rm
        for step in 1...5 {
            let grad = g.normals(n)
            p.withUnsafeMutableBufferPointer { pp in grad.withUnsafeBufferPointer { gp in
                m.withUnsafeMutableBufferPointer { mp in v.withUnsafeMutableBufferPointer { vp in
                    Kernels.adamStep(parameters: pp.baseAddress!, gradient: gp.baseAddress!, m: mp.baseAddress!,
                                     v: vp.baseAddress!, count: n, learningRate: 0.01, step: step)
                } }
            } }
            for i in 0..<n {
                let gi = Double(grad[i])
                rm[i] = 0.9 * rm[i] + 0.1 * gi
                rv[i] = 0.999 * rv[i] + 0.001 * gi * gi
                let mh = rm[i] / (1 - pow(0.9, Double(step))), vh = rv[i] / (1 - pow(0.999, Double(step)))
                rp[i] -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        assertClose(p, rp.map(Float.init), rtol: 1e-5, atol: 1e-6)
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
