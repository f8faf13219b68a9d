// What `self-train` writes once its runs are done: the meta-loss curves side by side (meta-loss.csv,
// meta-loss.svg), the comparison of the outer optimizer under study with the better baseline at
// matched outer steps, before and past the outer learned optimizer's training horizon (report.md,
// summary.json), and the held-out comparison of the trained optimizers.

import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers

public struct SelfTrainReport {
    /// One run's meta-loss per outer step, read back from its metrics file.
    struct Curve {
        var run: SelfTrainPlan.Run
        var metaLoss: [Double]
        /// Trailing moving average of `metaLoss` over `SelfTrainReport.window` steps.
        var average: [Double]
        /// Cumulative seconds of outer-step computation (continues across resumes).
        var seconds: [Double]
    }

    /// What the outer learned optimizer was meta-trained on (from its checkpoint's config).
    struct OuterInfo: Codable {
        var spec: String
        var checkpoint: String?
        var architecture: String?
        /// Range of its training episodes' total inner steps; the upper end is its horizon.
        var trainingHorizon: [Int]?
        var truncationLength: Int?
        var trainedOuterSteps: Int?
        /// Self-training outer steps beyond which it runs past the longest inner run it was trained on.
        var horizon: Int? { trainingHorizon?.last }
    }

    /// Mean meta-losses over a range of outer steps, the subject against the better baseline there.
    struct Window: Codable {
        var name: String
        var steps: [Int]
        /// Run label → mean meta-loss over the window.
        var means: [String: Double]
        var bestBaseline: String
        /// Subject mean / best baseline mean.
        var ratio: Double
        var withinGoal: Bool
        /// Fraction of outer steps in the window where the subject's moving average is within the
        /// goal of the lower of the baselines' moving averages at that step.
        var fractionOfStepsWithinGoal: Double
    }

    static let goal = 1.10

    let plan: SelfTrainPlan
    let directory: URL
    let commandLine: String
    let heldout: Comparison.Result?
    let heldoutTasks: String
    let curves: [Curve]
    let outer: OuterInfo
    let steps: Int
    let window: Int
    let windows: [Window]

    public init(plan: SelfTrainPlan, directory: URL, commandLine: String, heldout: Comparison.Result?, heldoutTasks: String) throws {
        self.plan = plan
        self.directory = directory
        self.commandLine = commandLine
        self.heldout = heldout
        self.heldoutTasks = heldoutTasks
        steps = plan.config.outerSteps
        window = max(1, steps / 20)
        var curves: [Curve] = []
        for run in plan.runs {
            let path = directory.appendingPathComponent(run.directory).appendingPathComponent(plan.config.metricsFile).path
            curves.append(try Self.readCurve(path, run: run, steps: steps, window: window))
        }
        self.curves = curves
        outer = Self.outerInfo(plan.outers[0])
        windows = Self.windows(curves: curves, steps: steps, horizon: outer.horizon, window: window)
    }

    public static func trainedName(_ run: SelfTrainPlan.Run) -> String { "trained by \(run.label)" }

    /// A legend-sized label: `lo:/long/path/name.safetensors` → `lo:name.safetensors`.
    static func shortLabel(_ spec: String) -> String {
        guard let parsed = try? OptimizerSpec.parse(spec), parsed.name == LearnedOptimizerKinds.name,
              case .text(let path)? = parsed[OptimizerSpec.positionalKey], path.contains("/") else { return spec }
        return "lo:" + URL(fileURLWithPath: path).lastPathComponent
    }

    // MARK: reading

    static func readCurve(_ path: String, run: SelfTrainPlan.Run, steps: Int, window: Int) throws -> Curve {
        guard FileManager.default.fileExists(atPath: path) else { throw SpecError(path, "cannot read the run's metrics") }
        var loss = [Double](repeating: .nan, count: steps), secs = [Double](repeating: 0, count: steps)
        var seen = 0
        for case .step(let m, _) in try MetricsRecord.read(path: path) where (0..<steps).contains(m.step) {
            loss[m.step] = Double(m.metaLoss)
            secs[m.step] = m.seconds
            seen += 1
        }
        guard seen == steps else { throw SpecError(path, "holds \(seen) of the \(steps) outer steps") }
        var cumulative = 0.0
        for i in 0..<steps { cumulative += secs[i].isFinite ? secs[i] : 0; secs[i] = cumulative }
        return Curve(run: run, metaLoss: loss, average: movingAverage(loss, window: window), seconds: secs)
    }

    /// Mean of the last `window` values at each index (fewer at the start); non-finite values skipped.
    static func movingAverage(_ xs: [Double], window: Int) -> [Double] {
        xs.indices.map { i in mean(xs[max(0, i - window + 1)...i]) }
    }

    static func mean<C: Collection>(_ xs: C) -> Double where C.Element == Double {
        let f = xs.filter(\.isFinite)
        return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count)
    }

    static func outerInfo(_ spec: String) -> OuterInfo {
        var info = OuterInfo(spec: spec)
        guard let parsed = try? OptimizerSpec.parse(spec), parsed.name == LearnedOptimizerKinds.name,
              let source = try? LearnedOptimizerKinds.shared.source(of: parsed) else { return info }
        let path = source.description
        // Relative to the working directory when inside it, so reports read the same on every clone.
        let cwd = FileManager.default.currentDirectoryPath + "/"
        info.checkpoint = path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
        guard let ckpt = try? LearnedOptimizerKinds.shared.checkpoint(parsed) else { return info }
        info.architecture = ckpt.architecture.name
        if let text = ckpt.config, let cfg = try? MetaTrainingConfig.decode(Data(text.utf8)) {
            info.trainingHorizon = [cfg.horizon.lowerBound, cfg.horizon.upperBound]
            info.truncationLength = cfg.truncationLength
            info.trainedOuterSteps = cfg.outerSteps
        }
        return info
    }

    // MARK: analysis

    static func windows(curves: [Curve], steps: Int, horizon: Int?, window: Int) -> [Window] {
        guard let subject = curves.first, curves.count > 1 else { return [] }
        let baselines = Array(curves.dropFirst())
        var ranges: [(String, Range<Int>)] = [("all outer steps", 0..<steps)]
        if let h = horizon {
            ranges.append(("up to the horizon", 0..<min(h, steps)))
            if steps > h { ranges.append(("past the horizon", h..<steps)) }
        }
        let tail = max(1, steps / 10)
        ranges.append(("final (last 10%)", (steps - tail)..<steps))
        return ranges.filter { !$0.1.isEmpty }.map { name, range in
            var means: [String: Double] = [:]
            for c in curves { means[c.run.label] = mean(c.metaLoss[range]) }
            let best = baselines.min { (means[$0.run.label] ?? .infinity) < (means[$1.run.label] ?? .infinity) }!
            let ratio = means[subject.run.label]! / means[best.run.label]!
            let within = range.filter { s in
                let reference = baselines.map { $0.average[s] }.filter(\.isFinite).min() ?? .nan
                return subject.average[s] <= goal * reference
            }.count
            return Window(name: name, steps: [range.lowerBound, range.upperBound], means: means, bestBaseline: best.run.label,
                          ratio: ratio, withinGoal: ratio <= goal, fractionOfStepsWithinGoal: Double(within) / Double(range.count))
        }
    }

    var finalWindow: Window? { windows.last }

    /// One line: the goal, evaluated on the final meta-loss.
    public var verdict: String {
        guard let w = finalWindow, let subject = curves.first else { return "self-training: no baseline to compare with" }
        let pct = (w.ratio - 1) * 100
        return String(format: "%@: final meta-loss %.4f vs %.4f for %@ (%+.1f%%): %@ the 10%% goal",
                      subject.run.label, w.means[subject.run.label] ?? .nan, w.means[w.bestBaseline] ?? .nan,
                      w.bestBaseline, pct, w.withinGoal ? "meets" : "misses")
    }

    // MARK: writing

    public func write() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // The summaries before the curves: a full disk leaves report.md and summary.json.
        try AtomicFile.writeAll([
            ("report.md", markdown()),
            ("summary.json", String(decoding: try enc.encode(summary()), as: UTF8.self) + "\n"),
            ("meta-loss.csv", csv()),
            ("meta-loss.svg", chart().render()),
        ], in: directory.path)
    }

    static let csvHeader = "run,outer_step,meta_loss,meta_loss_avg,seconds"

    func csv() -> String {
        var lines = [Self.csvHeader]
        for c in curves {
            let name = c.run.label.contains(",") || c.run.label.contains("\"")
                ? "\"" + c.run.label.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : c.run.label
            for s in 0..<steps {
                lines.append("\(name),\(s),\(Self.g(c.metaLoss[s])),\(Self.g(c.average[s])),\(String(format: "%.3f", c.seconds[s]))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func g(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "nan" }
    static func f4(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "—" }

    func chart() -> LineChart {
        let stride = max(1, steps / 600)  // at most ~600 points per line
        var chart = LineChart.lines(
            title: "Self-training: meta-loss of the fresh learned optimizer", xLabel: "outer step",
            yLabel: "meta-loss (moving average over \(window) steps)",
            curves.map { c in
                let points = Swift.stride(from: 0, to: steps, by: stride).map { (x: Double($0), y: c.average[$0]) }
                    + [(x: Double(steps - 1), y: c.average[steps - 1])]
                return (label: Self.shortLabel(c.run.spec), points: points)
            })
        chart.logY = false
        if let h = outer.horizon {
            chart.verticalMarkers = [(Double(h), "outer LO horizon (\(h) steps)")]
        }
        return chart
    }

    struct Summary: Encodable {
        struct RunSummary: Encodable {
            var label: String
            var spec: String
            var directory: String
            var baseline: Bool
            var outerSteps: Int
            var firstMetaLoss: Double
            var finalMetaLoss: Double
            var seconds: Double
        }
        var config: MetaTrainingConfig
        var outer: OuterInfo
        var movingAverageWindow: Int
        var goal: Double
        var runs: [RunSummary]
        var windows: [Window]
        var heldout: ComparisonSummary?
        var heldoutSettings: [String: String]?
    }

    func summary() -> Summary {
        let tail = max(1, steps / 10)
        let runs = curves.map { c in
            Summary.RunSummary(label: c.run.label, spec: c.run.spec, directory: c.run.directory, baseline: c.run.isBaseline,
                               outerSteps: steps, firstMetaLoss: Self.mean(c.metaLoss.prefix(tail)),
                               finalMetaLoss: Self.mean(c.metaLoss.suffix(tail)), seconds: c.seconds.last ?? 0)
        }
        return Summary(config: plan.config, outer: outer, movingAverageWindow: window, goal: Self.goal, runs: runs,
                       windows: windows, heldout: heldout.map(ComparisonSummary.init),
                       heldoutSettings: heldout.map { ["tasks": heldoutTasks, "steps": "\($0.steps)", "seeds": "\($0.seeds.count)"] })
    }

    func markdown() -> String {
        let cfg = plan.config
        var out: [String] = []
        out.append("# Self-training: a learned optimizer as the outer optimizer\n")
        out.append("The same fresh, randomly initialized learned optimizer (same seed, tasks and budget) is meta-trained once per outer optimizer; the first, `\(plan.outers[0])`, is the one under study (Metz et al. 2020 §4.6), the others are baselines. The outer optimizer receives the clipped ES/PES estimate as its gradient and the outer (meta-) loss as its loss.\n")
        let tasks: String
        switch cfg.tasks {
        case .zooList(let name): tasks = "the zoo's `\(name)` list"
        case .explicit(let list): tasks = "\(list.count) explicit tasks"
        }
        out.append("- **Fresh learned optimizer**: `\(cfg.architecture.name)`, \(cfg.estimator.rawValue.uppercased()) over \(tasks)\(cfg.families.map { " (families \($0.map(\.rawValue).joined(separator: ", ")))" } ?? ""), \(cfg.tasksPerStep) tasks × truncation \(cfg.truncationLength) per outer step, episodes of \(cfg.horizon.lowerBound)–\(cfg.horizon.upperBound) inner steps, σ \(cfg.sigma), gradient clip ±\(cfg.gradientClip), seed \(cfg.seed), **\(steps) outer steps** per run")
        out.append("- **Outer optimizers**: " + plan.runs.map { "`\($0.label)`\($0.isBaseline ? "" : " (under study)") in `\($0.directory)/`" }.joined(separator: ", "))
        if let ckpt = outer.checkpoint {
            var line = "- **Outer learned optimizer**: `\(ckpt)`"
            if let a = outer.architecture { line += " (`\(a)`)" }
            if let h = outer.trainingHorizon {
                line += ", meta-trained on inner runs of \(h[0])–\(h[1]) steps"
                if let t = outer.truncationLength { line += " (truncations of \(t))" }
                if let n = outer.trainedOuterSteps { line += " for \(n) outer steps" }
                line += ". In self-training every outer step is one step of it, so **past outer step \(h[1]) it runs beyond the horizon it was trained on** (dashed line in the plot)."
            } else {
                line += "; its checkpoint holds no training config, so its horizon is unknown."
            }
            out.append(line)
        }
        out.append("- **Command**: `\(commandLine)`")
        out.append("- **Date**: \(ISO8601DateFormatter().string(from: Date()))")
        out.append("")
        out.append("![Meta-loss against outer step](meta-loss.svg)\n")
        out.append("Meta-loss: mean normalized validation loss over a truncation, averaged over the ± perturbed runs and the outer batch (lower is better). Curves: moving average over \(window) outer steps; per-step values in `meta-loss.csv`.\n")

        out.append("## Runs\n")
        let s = summary()
        out.append("| outer optimizer | first 10% | final (last 10%) | compute time |")
        out.append("|---|---:|---:|---:|")
        let bestFinal = s.runs.map(\.finalMetaLoss).filter(\.isFinite).min()
        for r in s.runs {
            let fin = Self.f4(r.finalMetaLoss)
            out.append("| `\(r.label)` | \(Self.f4(r.firstMetaLoss)) | \(r.finalMetaLoss == bestFinal ? "**\(fin)**" : fin) | \(ProgressReporter.duration(r.seconds)) |")
        }
        out.append("")

        if let subject = curves.first, !windows.isEmpty {
            out.append("## Against the better baseline\n")
            out.append("Goal: the meta-loss of `\(subject.run.label)` within \(Int(((Self.goal - 1) * 100).rounded()))% of the better baseline at the same outer step. Per window: each run's mean meta-loss, the ratio of the studied run's mean to the better baseline's, and the fraction of outer steps at which its moving average is within \(Int(((Self.goal - 1) * 100).rounded()))% of the lower baseline moving average at that step.\n")
            out.append("| window | outer steps | " + curves.map { "`\($0.run.label)`" }.joined(separator: " | ") + " | ratio to better baseline | goal | steps within goal |")
            out.append("|---|---|" + curves.map { _ in "---:|" }.joined() + "---:|---|---:|")
            for w in windows {
                let cells = curves.map { Self.f4(w.means[$0.run.label] ?? .nan) }
                out.append("| \(w.name) | \(w.steps[0])–\(w.steps[1] - 1) | " + cells.joined(separator: " | ")
                           + String(format: " | %.3f (vs `%@`) | %@ | %.0f%% |", w.ratio, w.bestBaseline, w.withinGoal ? "met" : "missed", 100 * w.fractionOfStepsWithinGoal))
            }
            out.append("\n**Result**: \(verdict).\n")
        }

        if let heldout {
            let summary = ComparisonSummary(heldout)
            out.append("## Held-out comparison of the trained optimizers\n")
            out.append("Each run's final learned optimizer (`OUT/<run>/final.safetensors`) on the `\(heldoutTasks)` tasks, \(heldout.steps) inner steps, seeds \(heldout.seeds.map(String.init).joined(separator: ", ")) — the same computation as `metatrain compare` (full report in [heldout/report.md](heldout/report.md)). Scores are final normalized test losses (lower is better), each task counting once.\n")
            out.append("| optimizer | mean | median | diverged runs | " + summary.families.map { "\($0)" }.joined(separator: " | ") + " |")
            out.append("|---|---:|---:|---:|" + summary.families.map { _ in "---:|" }.joined())
            for o in summary.optimizers {
                out.append("| `\(o.name)` | \(Self.f4(o.meanNormalizedTestLoss)) | \(Self.f4(o.medianNormalizedTestLoss)) | \(o.divergedRuns) / \(o.runs) | "
                           + summary.families.map { Self.f4(o.familyMeans[$0] ?? .nan) }.joined(separator: " | ") + " |")
            }
            out.append("")
            let names = heldout.optimizers
            out.append("Pairwise wins (row A, column B: tasks of \(heldout.tasks.count) where A's seed-mean score is lower):\n")
            out.append("| A \\ B | " + names.map { "`\($0)`" }.joined(separator: " | ") + " |")
            out.append("|---|" + names.map { _ in "---:|" }.joined())
            for (a, na) in names.enumerated() {
                out.append("| `\(na)` | " + names.indices.map { b in a == b ? "·" : "\(summary.wins[a][b])" }.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
