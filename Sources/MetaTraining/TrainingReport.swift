// `metatrain report`'s work: a meta-training run's metrics.jsonl as SVG training curves (meta-loss and the
// held-out checks against Adam, over outer steps and over wall time) and a short Markdown summary.

import Foundation
import MetaCore
import MetaEvaluation

/// What `metatrain train` logged (read through the `MetricsRecord` schema it was written with): one
/// entry per outer step and per held-out check, and the run's config.
public struct TrainingReport {
    public struct Step: Sendable { public var step: Int; public var metaLoss: Double; public var elapsed: Double }
    public typealias Evaluation = HeldOutCheck

    public var directory: String
    public var steps: [Step] = []
    public var evaluations: [Evaluation] = []
    /// config.json as written by `train` (nil when absent or unreadable).
    public var config: MetaTrainingConfig?
    /// Problems that did not stop the reading (an unfinished last line skipped), for the user.
    public var warnings: [String] = []

    /// Reads `directory/metrics.jsonl` (and config.json); errors name the file and line.
    public static func load(directory: String) throws -> TrainingReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError(directory, "not a directory (expected a run directory written by `metatrain train`)")
        }
        let path = (directory as NSString).appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: path) else {
            throw SpecError(path, "not found: is \(directory) a run directory written by `metatrain train`?")
        }
        var run = TrainingReport(directory: directory)
        let (records, skippedTornLine) = try MetricsRecord.readSkippingTornLine(path: path)
        if skippedTornLine {
            run.warnings.append("\(path): skipped the unfinished last line (the run stopped while writing it)")
        }
        for record in records {
            switch record {
            case .step(let m, let elapsed): run.steps.append(Step(step: m.step, metaLoss: Double(m.metaLoss), elapsed: elapsed))
            case .evaluation(let e): run.evaluations.append(e)
            }
        }
        guard !run.steps.isEmpty else { throw SpecError(path, "no outer-step lines (type \"step\")") }
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        if let c = FileManager.default.contents(atPath: configPath) {
            run.config = try? MetaTrainingConfig.decode(c, file: configPath)
        }
        return run
    }

    /// Centered moving average of the meta-loss over `window` outer steps.
    public func smoothed(window: Int) -> [Double] {
        let values = steps.map(\.metaLoss)
        var prefix = [0.0]
        for v in values { prefix.append(prefix.last! + (v.isFinite ? v : 0)) }
        let half = window / 2
        return values.indices.map { i in
            let a = max(0, i - half), b = min(values.count, i + half + 1)
            return (prefix[b] - prefix[a]) / Double(b - a)
        }
    }

    func mean(_ slice: ArraySlice<Step>) -> Double { slice.isEmpty ? .nan : slice.reduce(0) { $0 + $1.metaLoss } / Double(slice.count) }

    /// Writes the plots and report.md; returns the file names.
    public func writeReport(to outDir: String, window requested: Int?) throws -> [String] {
        try OutputDirectory.prepare(outDir)
        let window = requested ?? max(1, steps.count / 50)
        let avg = smoothed(window: window)
        let minutes = steps.map { $0.elapsed / 60 }
        var files: [(name: String, text: String)] = []

        let raw = LineChart.Series(points: steps.map { (Double($0.step), $0.metaLoss) }, color: "#BBBBBB", mark: .line)
        var byStep = LineChart.lines(title: "Meta-loss (moving average over \(window) outer steps)", xLabel: "outer step",
                                     yLabel: "normalized meta-loss", [(label: "moving average", points: zip(steps, avg).map { (Double($0.step), $1) })])
        byStep.series.insert(raw, at: 0)
        byStep.legend.append(.init(label: "per step", color: "#BBBBBB"))
        files.append(("meta-loss.svg", byStep.render()))
        let byTime = LineChart.lines(title: "Meta-loss against wall time", xLabel: "minutes", yLabel: "normalized meta-loss",
                                     [(label: "moving average (\(window) steps)", points: Array(zip(minutes, avg)))])
        files.append(("meta-loss-time.svg", byTime.render()))
        if !evaluations.isEmpty {
            func chart(_ x: (Evaluation) -> Double, _ xLabel: String) -> String {
                var c = LineChart.lines(
                    title: "Held-out check: mean normalized test loss", xLabel: xLabel, yLabel: "normalized test loss",
                    [(label: "learned optimizer", points: evaluations.map { (x($0), Double($0.learnedOptimizer)) }),
                     (label: "adam (default lr)", points: evaluations.map { (x($0), Double($0.adam)) })])
                for i in c.series.indices { c.series[i].mark = .line }
                c.series += c.series.map { LineChart.Series(points: $0.points, color: $0.color, mark: .circles) }
                return c.render()
            }
            files.append(("heldout.svg", chart({ Double($0.step) }, "outer step")))
            files.append(("heldout-time.svg", chart({ $0.elapsed / 60 }, "minutes")))
        }
        // report.md first: a full disk leaves it rather than plots without it.
        files.insert(("report.md", markdown(window: window, plots: files.map(\.name))), at: 0)
        try AtomicFile.writeAll(files, in: outDir)
        return files.dropFirst().map(\.name) + ["report.md"]
    }

    func markdown(window: Int, plots: [String]) -> String {
        let n = steps.count
        let tenth = max(1, n / 10)
        let hundred = min(100, n)
        let wall = steps.last!.elapsed
        var md = "# Meta-training run `\(directory)`\n\n"
        if let c = config {
            let tasks: String
            switch c.tasks {
            case .zooList(let name): tasks = name
            case .explicit(let list):
                tasks = "\(list.count) tasks listed in the config (\(Set(list.map(\.family.rawValue)).sorted().joined(separator: ", ")))"
            }
            md += "| setting | value |\n|---|---|\n"
            md += "| learned optimizer | \(c.architecture.name) |\n"
            if let start = c.initialCheckpoint { md += "| initial θ (warm start) | `\(start)` |\n" }
            if let wrapper = c.innerWrapper { md += "| inner wrapper (θ trained inside it) | `\(wrapper)` |\n" }
            md += "| estimator | \(c.estimator.rawValue) |\n| tasks | \(tasks) |\n"
            md += "| tasks per step × truncation | \(c.tasksPerStep) × \(c.truncationLength) |\n| horizon | \(c.horizon.lowerBound)…\(c.horizon.upperBound) |\n"
            md += "| outer optimizer | `\(c.outerOptimizer)` |\n| ĝ clip | \(c.gradientClip) |\n| σ | \(c.sigma) |\n"
            md += "| seed | \(c.seed) |\n| planned outer steps | \(c.outerSteps) |\n\n"
        }
        md += String(format: "Outer steps logged: %d (last %d) in %.1f min (%.3f s per outer step).\n\n", n, steps.last!.step, wall / 60, wall / Double(max(n, 1)))
        md += "| meta-loss | mean |\n|---|---:|\n"
        md += String(format: "| first %d outer steps | %.4f |\n", hundred, mean(steps.prefix(hundred)))
        md += String(format: "| last %d outer steps | %.4f |\n", hundred, mean(steps.suffix(hundred)))
        md += String(format: "| first 10%% (%d steps) | %.4f |\n", tenth, mean(steps.prefix(tenth)))
        md += String(format: "| last 10%% (%d steps) | %.4f |\n", tenth, mean(steps.suffix(tenth)))
        let avg = smoothed(window: window)
        if let best = avg.indices.min(by: { avg[$0] < avg[$1] }) {
            md += String(format: "| lowest moving average (%d steps) | %.4f at step %d |\n", window, avg[best], steps[best].step)
        }
        md += "\n![meta-loss](meta-loss.svg)\n\n![meta-loss against time](meta-loss-time.svg)\n\n"
        if !evaluations.isEmpty {
            md += "## Held-out checks during training\n\n"
            md += "Mean normalized test loss over the check's tasks (lower is better) after the check's inner steps.\n\n"
            md += "| outer step | minutes | learned optimizer | adam | LO better on |\n|---:|---:|---:|---:|---:|\n"
            for e in evaluations {
                md += String(format: "| %d | %.1f | %.4f | %.4f | %d/%d |\n", e.step, e.elapsed / 60, e.learnedOptimizer, e.adam, e.wins, e.tasks.count)
            }
            md += "\n![held-out](heldout.svg)\n\n![held-out against time](heldout-time.svg)\n"
        }
        return md
    }
}
