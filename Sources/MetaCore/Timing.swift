// Wall-clock timing for benchmarks, summarized like the peer scripts (median, p10, min, p90 in ms).

import Foundation

/// Quantiles of repeated timings, in milliseconds.
public struct TimingSummary: Codable, Hashable, Sendable {
    public var med: Double
    public var p10: Double
    public var min: Double
    public var p90: Double

    /// Times `body` `iterations` times after `warmup` untimed calls.
    public static func measure(warmup: Int = 30, iterations: Int = 300, _ body: () -> Void) -> TimingSummary {
        for _ in 0..<warmup { body() }
        var ts = [Double]()
        ts.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        ts.sort()
        func q(_ f: Double) -> Double {
            let v = ts[Int(f * Double(ts.count - 1))]
            return (v * 1e4).rounded() / 1e4
        }
        return TimingSummary(med: q(0.5), p10: q(0.1), min: q(0), p90: q(0.9))
    }

    public init(med: Double, p10: Double, min: Double, p90: Double) {
        self.med = med
        self.p10 = p10
        self.min = min
        self.p90 = p90
    }
}
