// Progress of a long comparison: on a terminal one updating line (bar, runs done, elapsed, ETA);
// otherwise one plain log line per finished run. Progress only observes: it never touches results.

import Foundation
import MetaCore

/// Sent after every finished run.
public struct ProgressEvent: Sendable {
    /// The run that just finished (named by the spec it trained, e.g. `adam:lr=0.001` inside a sweep).
    public var result: RunResult
    public var done: Int
    public var total: Int
    /// Fraction of the estimated work done (runs weighted by steps × estimated step cost).
    public var fraction: Double
    public var elapsedSeconds: Double

    public init(result: RunResult, done: Int, total: Int, fraction: Double, elapsedSeconds: Double) {
        self.result = result
        self.done = done
        self.total = total
        self.fraction = fraction
        self.elapsedSeconds = elapsedSeconds
    }
}

/// Counts finished runs and serializes calls to the sink.
final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let totalWork: Double
    private let start: UInt64
    private let sink: ((ProgressEvent) -> Void)?
    private var done = 0
    private var work = 0.0

    init(total: Int, totalWork: Double, start: UInt64, sink: ((ProgressEvent) -> Void)?) {
        self.total = total
        self.totalWork = totalWork
        self.start = start
        self.sink = sink
    }

    func finished(_ result: RunResult, work w: Double) {
        guard let sink else { return }
        lock.lock()
        defer { lock.unlock() }
        done += 1
        work += w
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        sink(ProgressEvent(result: result, done: done, total: total,
                           fraction: totalWork > 0 ? min(1, work / totalWork) : Double(done) / Double(max(total, 1)),
                           elapsedSeconds: elapsed))
    }
}

/// Shows a comparison's progress on a `ProgressLine`: the bar on a terminal, one line per finished run in a log.
public final class ProgressReporter: @unchecked Sendable {
    public let line: ProgressLine

    public init(line: ProgressLine = ProgressLine()) { self.line = line }

    /// Handles one event (`Comparison.run` serializes calls).
    public func report(_ e: ProgressEvent) {
        if line.interactive {
            line.update(Self.line(e), final: e.done == e.total)
        } else {
            let r = e.result
            line.log("[\(e.done)/\(e.total)] \(r.task) \(r.optimizer) seed \(r.seed): normalized test loss "
                + Self.number(r.normalizedTestLoss) + (r.diverged ? " (diverged)" : "")
                + String(format: ", %.2f s", r.seconds))
        }
    }

    /// Ends the updating line.
    public func finish() { line.finish() }

    /// `[#####.....] 12/40 runs  0:32 elapsed  ETA 1:10`
    public static func line(_ e: ProgressEvent, width: Int = 30) -> String {
        var s = "\(ProgressLine.bar(e.fraction, width: width)) \(e.done)/\(e.total) runs  \(duration(e.elapsedSeconds)) elapsed"
        if e.done < e.total, e.fraction > 0 {
            s += "  ETA " + duration(e.elapsedSeconds * (1 - e.fraction) / e.fraction)
        }
        return s
    }

    /// `m:ss` or `h:mm:ss`.
    public static func duration(_ seconds: Double) -> String { ProgressLine.duration(seconds) }

    static func number(_ x: Float) -> String { x.isFinite ? String(format: "%.4g", x) : "\(x)" }
}
