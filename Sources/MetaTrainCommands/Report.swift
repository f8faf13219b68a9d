// `metatrain report RUN_DIR`: a meta-training run's metrics.jsonl as SVG training curves (meta-loss and
// the held-out evaluations against Adam, over outer steps and over wall time) and a short Markdown
// summary, written to RUN_DIR/report/.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plot a meta-training run's curves and summarize it (writes RUN_DIR/report/).",
        discussion: """
        Reads RUN_DIR/metrics.jsonl (and RUN_DIR/config.json when present) as `metatrain train` writes them, \
        and writes report.md, meta-loss.svg, meta-loss-time.svg, heldout.svg and heldout-time.svg \
        into RUN_DIR/report (or --out).
        """)

    @Argument(help: "A directory written by `metatrain train` (holds metrics.jsonl).")
    var runDir: String
    @Option(help: "Where to write the report (default: RUN_DIR/report).")
    var out: String?
    @Option(help: "Outer steps per moving-average window of the meta-loss (default: 1/50 of the run).")
    var window: Int?

    func validate() throws {
        if let w = window, w < 1 { throw ValidationError("--window must be at least 1, got \(w)") }
    }

    func run() throws {
        let run = try TrainingRunMetrics.load(directory: runDir)
        let outDir = out ?? (runDir as NSString).appendingPathComponent("report")
        let files = try run.writeReport(to: outDir, window: window)
        print("wrote \(files.map { (outDir as NSString).appendingPathComponent($0) }.joined(separator: ", "))")
    }
}

/// What `metatrain train` logged: one entry per outer step and per held-out evaluation.
struct TrainingRunMetrics {
    struct Step { var step: Int; var metaLoss: Double; var elapsed: Double }
    struct Evaluation { var step: Int; var elapsed: Double; var learnedOptimizer: Double; var adam: Double; var wins: Int; var tasks: Int; var innerSteps: Int }

    var directory: String
    var steps: [Step] = []
    var evaluations: [Evaluation] = []
    /// config.json as written by `train` (nil when absent).
    var config: [String: Any]?

    /// Reads `directory/metrics.jsonl`; errors name the file and line.
    static func load(directory: String) throws -> TrainingRunMetrics {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpecError(directory, "not a directory (expected a run directory written by `metatrain train`)")
        }
        let path = (directory as NSString).appendingPathComponent("metrics.jsonl")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(path, "not found: is \(directory) a run directory written by `metatrain train`?")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SpecError(path, "not UTF-8 text") }
        var run = TrainingRunMetrics(directory: directory)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let location = "\(path):\(i + 1)"
            guard let d = trimmed.data(using: .utf8),
                  let o = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] else {
                throw SpecError(location, "not a JSON object")
            }
            func number(_ key: String) throws -> Double {
                guard let v = o[key] as? NSNumber else { throw SpecError(location, "missing number '\(key)'") }
                return v.doubleValue
            }
            switch o["type"] as? String {
            case "step":
                run.steps.append(Step(step: Int(try number("step")), metaLoss: try number("metaLoss"), elapsed: try number("elapsed")))
            case "eval":
                run.evaluations.append(Evaluation(
                    step: Int(try number("step")), elapsed: try number("elapsed"), learnedOptimizer: try number("learnedOptimizer"),
                    adam: try number("adam"), wins: Int(try number("wins")), tasks: (o["tasks"] as? [Any])?.count ?? 0,
                    innerSteps: Int((o["steps"] as? NSNumber)?.intValue ?? 0)))
            default:
                continue  // lines of other kinds are not plotted
            }
        }
        guard !run.steps.isEmpty else { throw SpecError(path, "no outer-step lines (type \"step\")") }
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        if let c = FileManager.default.contents(atPath: configPath) {
            run.config = (try? JSONSerialization.jsonObject(with: c)) as? [String: Any]
        }
        return run
    }

    /// Centered moving average of the meta-loss over `window` outer steps.
    func smoothed(window: Int) -> [Double] {
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
    func writeReport(to outDir: String, window requested: Int?) throws -> [String] {
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
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
                    [(label: "learned optimizer", points: evaluations.map { (x($0), $0.learnedOptimizer) }),
                     (label: "adam (default lr)", points: evaluations.map { (x($0), $0.adam) })])
                for i in c.series.indices { c.series[i].mark = .line }
                c.series += c.series.map { LineChart.Series(points: $0.points, color: $0.color, mark: .circles) }
                return c.render()
            }
            files.append(("heldout.svg", chart({ Double($0.step) }, "outer step")))
            files.append(("heldout-time.svg", chart({ $0.elapsed / 60 }, "minutes")))
        }
        files.append(("report.md", markdown(window: window, plots: files.map(\.name))))
        for f in files { try AtomicFile.write(f.text, to: (outDir as NSString).appendingPathComponent(f.name)) }
        return files.map(\.name)
    }

    func markdown(window: Int, plots: [String]) -> String {
        let n = steps.count
        let tenth = max(1, n / 10)
        let hundred = min(100, n)
        let wall = steps.last!.elapsed
        var md = "# Meta-training run `\(directory)`\n\n"
        if let c = config {
            let arch = (c["architecture"] as? [String: Any])?["name"] as? String ?? "?"
            func s(_ k: String) -> String {
                guard let v = c[k] else { return "?" }
                if let a = v as? [[String: Any]] {
                    let families = Set(a.compactMap { $0["family"] as? String }).sorted()
                    return "\(a.count) tasks listed in the config (\(families.joined(separator: ", ")))"
                }
                if let a = v as? [Any] { return a.map { "\($0)" }.joined(separator: "…") }
                return "\(v)"
            }
            md += "| setting | value |\n|---|---|\n"
            md += "| learned optimizer | \(arch) |\n"
            if let start = c["initialCheckpoint"] as? String { md += "| initial θ (warm start) | `\(start)` |\n" }
            if let wrapper = c["innerWrapper"] as? String { md += "| inner wrapper (θ trained inside it) | `\(wrapper)` |\n" }
            md += "| estimator | \(s("estimator")) |\n| tasks | \(s("tasks")) |\n"
            md += "| tasks per step × truncation | \(s("tasksPerStep")) × \(s("truncationLength")) |\n| horizon | \(s("horizon")) |\n"
            md += "| outer optimizer | `\(s("outerOptimizer"))` |\n| ĝ clip | \(s("gradientClip")) |\n| σ | \(s("sigma")) |\n"
            md += "| seed | \(s("seed")) |\n| planned outer steps | \(s("outerSteps")) |\n\n"
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
                md += String(format: "| %d | %.1f | %.4f | %.4f | %d/%d |\n", e.step, e.elapsed / 60, e.learnedOptimizer, e.adam, e.wins, e.tasks)
            }
            md += "\n![held-out](heldout.svg)\n\n![held-out against time](heldout-time.svg)\n"
        }
        return md
    }
}
