// Prints CNN step timings (the peer workload). Opt-in, release only:
//   METATRAIN_BENCH=1 swift test -c release --filter CNNBenchmarkTests
// Asserts nothing about time (DESIGN §8: the machine's noise is up to 2×).

import Foundation
import XCTest
import MetaCore
import MetaTasks

final class CNNBenchmarkTests: XCTestCase {
    func testPrintStepTiming() throws {
        let mode = ProcessInfo.processInfo.environment["METATRAIN_BENCH"]
        try XCTSkipIf(mode == nil, "set METATRAIN_BENCH=1 (or =sweep) to time the CNN step")
        for threads in [1, 2] {
            let t = CNNBenchmark.stepTiming(threads: threads)
            XCTAssertTrue(t.med.isFinite)
            print("cnn step, \(threads) thread(s), \(Kernels.cpuLevelName): median \(t.med) ms (p10 \(t.p10), p90 \(t.p90))")
        }
        if mode == "sweep" {  // chunk sizes from METATRAIN_BENCH_CHUNKS="4,8,16" (default below)
            let list = ProcessInfo.processInfo.environment["METATRAIN_BENCH_CHUNKS"] ?? "2,4,8,16,32,64,128"
            for threads in [1, 2] {
                for chunk in list.split(separator: ",").compactMap({ Int($0) }) {
                    let t = CNNBenchmark.stepTiming(threads: threads, imagesPerChunk: chunk, warmup: 10, iterations: 100)
                    print("cnn step, \(threads) thread(s), \(chunk) images per chunk: median \(t.med) ms (p10 \(t.p10))")
                }
            }
        }
    }
}
