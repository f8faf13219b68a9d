// The progress of one inner training run (`optimize`) on the shared `ProgressLine`:
// `heldout/mlp-001 · adam [#####.....] 500/1000 steps  812 steps/s  ETA 0:01`.

import Foundation
import MetaCore

/// Shows steps done, rate and ETA of one run.
struct StepProgress {
    let total: Int
    let label: String
    let line: ProgressLine

    init(total: Int, label: String, line: ProgressLine = ProgressLine()) {
        self.total = total
        self.label = label
        self.line = line
    }

    /// Called after each step with the number of steps done.
    func update(_ done: Int) {
        line.update(Self.text(label: label, done: done, total: total, elapsed: line.elapsed), final: done == total)
    }

    /// Ends the line.
    func finish() { line.finish() }

    static func text(label: String, done: Int, total: Int, elapsed: Double) -> String {
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? ProgressLine.duration(Double(total - done) / rate) : "?"
        let bar = ProgressLine.bar(Double(done) / Double(max(total, 1)))
        return "\(label) \(bar) \(done)/\(total) steps  \(String(format: "%.0f", rate)) steps/s  ETA \(eta)"
    }
}
