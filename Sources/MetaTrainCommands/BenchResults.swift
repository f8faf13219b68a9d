// What `metatrain bench` prints: the timings keyed as the peer scripts key theirs (JSON), or a table.

import Foundation
import MetaCore
import MetaTasks

/// The timings of one `bench` run.
struct BenchResults: Encodable {
    var metatrain = "0.1.0"
    var threads: Int
    var cpu: String
    var results: [BenchWorkload: TimingSummary] = [:]

    /// `{"metatrain", "threads", "cpu_kernels", "<workload>": {…}, …}`, the peers' layout.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(metatrain, forKey: AnyKey("metatrain"))
        try c.encode(threads, forKey: AnyKey("threads"))
        try c.encode(cpu, forKey: AnyKey("cpu_kernels"))
        for (w, timing) in results { try c.encode(timing, forKey: AnyKey(w.rawValue)) }
    }

    /// One line per workload in `order`: median, p10, min and p90 in milliseconds.
    func table(order: [BenchWorkload]) -> String {
        var lines = ["threads \(threads), kernels \(cpu)"]
        for w in order {
            guard let r = results[w] else { continue }
            lines.append(w.rawValue.padding(toLength: (BenchWorkload.allCases.map(\.rawValue.count).max() ?? 14) + 2, withPad: " ", startingAt: 0)
                + String(format: "median %8.4f  p10 %8.4f  min %8.4f  p90 %8.4f", r.med, r.p10, r.min, r.p90))
        }
        return lines.joined(separator: "\n")
    }
}
