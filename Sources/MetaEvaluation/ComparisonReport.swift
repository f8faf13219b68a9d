// Writes a comparison to a directory: report.md (for people), curves.csv (tidy, one row per step),
// summary.json and results.json (for machines), and SVG plots (per task, aggregate, summary bars).
// Every file is written atomically. Non-finite numbers are written as "nan"/"inf" strings in JSON,
// "nan"/"inf" in CSV, "—" in Markdown, and never reach SVG coordinates.

import Foundation
import MetaCore
import MetaTasks

/// How a comparison was started, for the report's header.
public struct ReportContext: Codable, Sendable {
    /// Where the tasks came from (`heldout`, a file, a list of ids).
    public var taskSource: String
    public var commandLine: String
    public var date: Date
    public var threads: Int
    /// The swept rates of each sweep optimizer, by name.
    public var sweeps: [String: [Float]]

    public init(taskSource: String, commandLine: String, date: Date = Date(), threads: Int, sweeps: [String: [Float]] = [:]) {
        self.taskSource = taskSource
        self.commandLine = commandLine
        self.date = date
        self.threads = threads
        self.sweeps = sweeps
    }
}

public enum ComparisonReport {
    public static let csvHeader = "task,family,optimizer,seed,step,train_loss,validation_loss,test_loss"

    /// Writes every output into `directory` (created if needed); returns the path of report.md.
    @discardableResult
    public static func write(_ result: Comparison.Result, context: ReportContext, to directory: String) throws -> String {
        let summary = ComparisonSummary(result)
        var context = context
        for (o, name) in result.optimizers.enumerated() where context.sweeps[name] == nil {
            // The swept rates, from the outcomes when the caller did not name them.
            if let sweep = result.tasks.indices.lazy.compactMap({ result.outcome(task: $0, optimizer: o, seed: 0).sweep }).first {
                context.sweeps[name] = sweep.map(\.learningRate)
            }
        }
        let dir = URL(fileURLWithPath: directory)
        let plotNames = plotFileNames(result.tasks.map(\.name))
        // The summaries first, the plots last: a full disk leaves report.md and summary.json, never
        // plots without them.
        var files: [(name: String, data: Data)] = [
            ("summary.json", try summaryJSON(result, summary: summary, context: context)),
            ("report.md", Data(markdown(result, summary: summary, context: context, plotNames: plotNames).utf8)),
            ("results.json", try resultsJSON(result, context: context)),
            ("curves.csv", Data(csv(result).utf8)),
            ("summary.svg", Data(summaryPlot(summary).utf8)),
            ("aggregate.svg", Data(aggregatePlot(result).utf8)),
        ]
        for t in result.tasks.indices { files.append(("plots/\(plotNames[t])", Data(taskPlot(result, task: t).utf8))) }
        try AtomicFile.writeAll(files, in: dir.path)
        let report = dir.appendingPathComponent("report.md").path
        return report
    }

    // MARK: - Text formats

    /// A number for tables: 4 significant digits, "—" when not finite.
    static func num(_ x: Double) -> String { x.isFinite ? String(format: "%.4g", x) : "—" }

    static func csvNumber(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func md(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// `plots/` file names: the task name with `/` (and other unsafe characters) replaced, made unique.
    public static func plotFileNames(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { name in
            var base = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
            while base.hasPrefix("_") || base.hasPrefix(".") { base.removeFirst() }
            if base.hasSuffix(".json") { base.removeLast(5) }
            if base.isEmpty { base = "task" }
            var candidate = base, k = 2
            while used.contains(candidate) {
                candidate = "\(base)-\(k)"
                k += 1
            }
            used.insert(candidate)
            return candidate + ".svg"
        }
    }

    /// One row per curve point: the final evaluation point of a diverged run is merged into the row of
    /// the step where it diverged; the final point's training loss (not measured) is empty.
    public static func csv(_ result: Comparison.Result) -> String {
        var lines = [csvHeader]
        for outcome in result.outcomes {
            let r = outcome.result
            let prefix = [csvField(r.task), csvField(r.family), csvField(r.optimizer), "\(r.seed)"].joined(separator: ",")
            for p in mergedCurve(r.curve) {
                let train = p.measuredTrain ? csvNumber(p.point.trainLoss) : ""
                let v = p.point.validationLoss.map(csvNumber) ?? ""
                let t = p.point.testLoss.map(csvNumber) ?? ""
                lines.append("\(prefix),\(p.point.step),\(train),\(v),\(t)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The curve with the final evaluation merged into a diverged run's last step.
    static func mergedCurve(_ curve: [CurvePoint]) -> [(point: CurvePoint, measuredTrain: Bool)] {
        guard let last = curve.last else { return [] }
        var rows = curve.dropLast().map { ($0, true) }
        if let i = rows.indices.last, rows[i].0.step == last.step {
            if rows[i].0.validationLoss == nil { rows[i].0.validationLoss = last.validationLoss }
            if rows[i].0.testLoss == nil { rows[i].0.testLoss = last.testLoss }
        } else {
            rows.append((last, false))
        }
        return rows.map { (point: $0.0, measuredTrain: $0.1) }
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// A decoder that reads what `encoder()` writes (non-finite numbers as strings).
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        d.dateDecodingStrategy = .iso8601
        return d
    }

    /// The settings of a run, saved beside its results (docs/architecture.md §9).
    public struct ConfigRecord: Codable, Sendable {
        public var taskSource: String
        public var tasks: [String]
        public var optimizers: [String]
        public var sweeps: [String: [Float]]
        public var steps: Int
        public var seeds: [UInt64]
        public var evaluateEvery: Int
        public var threads: Int
        public var commandLine: String
        /// When and how long: in results.json and report.md, left out of summary.json so two runs of the
        /// same command write the same summary bytes.
        public var date: Date?
        public var wallSeconds: Double?
    }

    static func config(_ result: Comparison.Result, _ context: ReportContext, timings: Bool = true) -> ConfigRecord {
        ConfigRecord(
            taskSource: context.taskSource, tasks: result.tasks.map(\.name), optimizers: result.optimizers,
            sweeps: context.sweeps, steps: result.steps, seeds: result.seeds, evaluateEvery: result.evaluateEvery,
            threads: context.threads, commandLine: context.commandLine, date: timings ? context.date : nil,
            wallSeconds: timings ? result.wallSeconds : nil)
    }

    public struct SummaryFile: Codable, Sendable {
        public var config: ConfigRecord
        public var families: [String]
        public var optimizers: [ComparisonSummary.OptimizerSummary]
        /// wins[A][B]: tasks on which A's seed-mean normalized test loss is below B's.
        public var wins: [String: [String: Int]]
        /// Per task, per optimizer: seed-mean normalized test loss.
        public var taskMeans: [String: [String: Double]]
        /// Per task, per sweep optimizer: the chosen rate of each seed.
        public var chosenLearningRates: [String: [String: [Float]]]
    }

    static func summaryJSON(_ result: Comparison.Result, summary: ComparisonSummary, context: ReportContext) throws -> Data {
        var wins: [String: [String: Int]] = [:]
        for (a, na) in result.optimizers.enumerated() {
            wins[na] = [:]
            for (b, nb) in result.optimizers.enumerated() where a != b { wins[na]![nb] = summary.wins[a][b] }
        }
        var taskMeans: [String: [String: Double]] = [:], lrs: [String: [String: [Float]]] = [:]
        for (t, task) in result.tasks.enumerated() {
            taskMeans[task.name] = Dictionary(uniqueKeysWithValues: zip(result.optimizers, summary.taskMeans[t]))
            for (o, name) in result.optimizers.enumerated() {
                let chosen = result.outcomes(task: t, optimizer: o).compactMap(\.learningRate)
                if !chosen.isEmpty { lrs[task.name, default: [:]][name] = chosen }
            }
        }
        let file = SummaryFile(
            config: config(result, context, timings: false), families: summary.families, optimizers: summary.optimizers,
            wins: wins, taskMeans: taskMeans, chosenLearningRates: lrs)
        return try encoder().encode(file)
    }

    /// A `RunResult` without its curve (that is in curves.csv), with the sweep's choice.
    public struct RunRecord: Codable, Sendable {
        public var task: String
        public var family: String
        public var optimizer: String
        public var seed: UInt64
        public var steps: Int
        /// Steps actually taken (fewer when the run diverged).
        public var stepsTaken: Int
        public var finalTrain: TaskEvaluation
        public var finalValidation: TaskEvaluation
        public var finalTest: TaskEvaluation
        public var normalizedTestLoss: Float
        public var normalizedValidationLoss: Float
        public var diverged: Bool
        /// Why the run is flagged as diverged (`RunResult.divergence`), if it is.
        public var divergence: String?
        public var seconds: Double
        public var learningRate: Float?
        public var sweep: [SweepPoint]?
    }

    public struct ResultsFile: Codable, Sendable {
        public var config: ConfigRecord
        public var tasks: [ComparisonTaskInfo]
        public var runs: [RunRecord]
    }

    static func resultsJSON(_ result: Comparison.Result, context: ReportContext) throws -> Data {
        let runs = result.outcomes.map { o in
            let r = o.result
            return RunRecord(
                task: r.task, family: r.family, optimizer: r.optimizer, seed: r.seed, steps: r.steps,
                stepsTaken: r.curve.last?.step ?? 0, finalTrain: r.finalTrain, finalValidation: r.finalValidation,
                finalTest: r.finalTest, normalizedTestLoss: r.normalizedTestLoss,
                normalizedValidationLoss: r.normalizedValidationLoss, diverged: r.diverged, divergence: r.divergence,
                seconds: r.seconds, learningRate: o.learningRate, sweep: o.sweep)
        }
        return try encoder().encode(ResultsFile(config: config(result, context), tasks: result.tasks, runs: runs))
    }

    /// The summary table as printed at the end of `compare`.
    public static func summaryTable(_ result: Comparison.Result, summary: ComparisonSummary? = nil) -> String {
        let s = summary ?? ComparisonSummary(result)
        let width = max(9, result.optimizers.map(\.count).max() ?? 0)
        var lines = ["optimizer".padding(toLength: width, withPad: " ", startingAt: 0) + "      mean    median  diverged"]
        for o in s.optimizers {
            lines.append(o.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + " " + num(o.meanNormalizedTestLoss).leftPadded(9) + " " + num(o.medianNormalizedTestLoss).leftPadded(9)
                + " " + "\(o.divergedRuns)/\(o.runs)".leftPadded(9))
        }
        return lines.joined(separator: "\n")
    }

    static func markdown(_ result: Comparison.Result, summary: ComparisonSummary, context: ReportContext, plotNames: [String]) -> String {
        let names = result.optimizers
        var out: [String] = []
        out.append("# Optimizer comparison\n")
        let date = ISO8601DateFormatter().string(from: context.date)
        var familyCounts: [String] = []
        for f in summary.families { familyCounts.append("\(result.tasks.filter { $0.family == f }.count) \(f)") }
        out.append("- **Tasks**: \(md(context.taskSource)): \(result.tasks.count) tasks (\(familyCounts.joined(separator: ", ")))")
        out.append("- **Optimizers**: " + names.map { "`\($0)`" }.joined(separator: ", "))
        for (name, rates) in context.sweeps.sorted(by: { $0.key < $1.key }) {
            let lo = rates.first.map { "\($0)" } ?? "?", hi = rates.last.map { "\($0)" } ?? "?"
            out.append("  - `\(name)`: the learning rate is swept per task and seed over \(rates.count) log-spaced values from \(lo) to \(hi) (\(rates.map { "\($0)" }.joined(separator: ", "))); the rate with the best final **validation** loss wins (diverged runs never win) and that run's **test** loss is reported.")
        }
        out.append("- **Steps**: \(result.steps), validation and test losses every \(result.evaluateEvery) steps and at the end")
        out.append("- **Seeds**: \(result.seeds.map(String.init).joined(separator: ", ")) (each seed fixes the initialization and the minibatches, shared by all optimizers)")
        out.append("- **Command**: `\(context.commandLine)`")
        out.append("- **Date**: \(date); **wall time** \(ProgressReporter.duration(result.wallSeconds)) (\(String(format: "%.1f", result.wallSeconds)) s) on \(context.threads) thread\(context.threads == 1 ? "" : "s"), \(result.outcomes.count) reported runs")
        out.append("")
        out.append("Scores are **final normalized test losses** (lower is better): per task, classification losses map to `(clip(L, 0, log 2C) − log(C/5))·10/log C`, other tasks to `(L − min)/(initial − min)` clipped to [0, 100]. A diverged run scores its normalizer's cap. Each task counts once: per task the score is the mean over seeds.\n")

        out.append("## Summary\n")
        out.append("| optimizer | mean | median | diverged runs |")
        out.append("|---|---:|---:|---:|")
        let bestMean = summary.optimizers.map(\.meanNormalizedTestLoss).filter(\.isFinite).min()
        let bestMedian = summary.optimizers.map(\.medianNormalizedTestLoss).filter(\.isFinite).min()
        for o in summary.optimizers {
            let mean = num(o.meanNormalizedTestLoss), median = num(o.medianNormalizedTestLoss)
            out.append("| `\(md(o.name))` | \(o.meanNormalizedTestLoss == bestMean ? "**\(mean)**" : mean) | \(o.medianNormalizedTestLoss == bestMedian ? "**\(median)**" : median) | \(o.divergedRuns) / \(o.runs) |")
        }
        // Finite runs that ended far above their start (`DivergenceRule`): scored as measured, but named here.
        let rose = result.outcomes.filter { !$0.result.diverged && $0.result.divergence != nil }
        if !rose.isEmpty {
            out.append("\nRuns that stayed finite but ended with a validation loss over \(Int(DivergenceRule.factor))× their start (scored as measured): "
                + rose.prefix(20).map { "\($0.result.task) `\(md($0.result.optimizer))` seed \($0.result.seed)" }.joined(separator: "; ")
                + (rose.count > 20 ? "; and \(rose.count - 20) more (results.json, `divergence`)" : "") + ".")
        }
        out.append("\n![Mean and median normalized test loss per optimizer](summary.svg)\n")

        out.append("## By family\n")
        out.append("Mean over the family's tasks of the seed-mean normalized test loss.\n")
        out.append("| optimizer | " + summary.families.map { f in "\(f) (\(result.tasks.filter { $0.family == f }.count))" }.joined(separator: " | ") + " |")
        out.append("|---|" + summary.families.map { _ in "---:|" }.joined())
        for o in summary.optimizers {
            var cells: [String] = []
            for f in summary.families {
                let v = o.familyMeans[f] ?? .nan
                let best = summary.optimizers.compactMap { $0.familyMeans[f] }.filter(\.isFinite).min()
                cells.append(v == best ? "**\(num(v))**" : num(v))
            }
            out.append("| `\(md(o.name))` | " + cells.joined(separator: " | ") + " |")
        }
        out.append("")

        out.append("## Pairwise wins\n")
        out.append("Row A, column B: on how many of the \(result.tasks.count) tasks A's seed-mean normalized test loss is lower than B's.\n")
        out.append("| A \\ B | " + names.map { "`\(md($0))`" }.joined(separator: " | ") + " |")
        out.append("|---|" + names.map { _ in "---:|" }.joined())
        for (a, na) in names.enumerated() {
            out.append("| `\(md(na))` | " + names.indices.map { b in a == b ? "·" : "\(summary.wins[a][b])" }.joined(separator: " | ") + " |")
        }
        out.append("")

        out.append("## Training curves, all tasks\n")
        out.append("![Mean normalized validation loss vs fraction of training](aggregate.svg)\n")

        out.append("## Per task\n")
        let seedNote = result.seeds.count > 1 ? "mean ± sample standard deviation over \(result.seeds.count) seeds" : "one seed"
        out.append("Final normalized test loss, \(seedNote); best per row in bold; † n: n runs diverged. The task name links to its plot.\n")
        let sweepColumns = names.indices.filter { o in result.outcomes.contains { $0.result.optimizer == names[o] && $0.learningRate != nil } }
        out.append("| task | family | " + names.map { "`\(md($0))`" }.joined(separator: " | ")
            + sweepColumns.map { " | `\(md(names[$0]))` lr" }.joined() + " |")
        out.append("|---|---|" + names.map { _ in "---:|" }.joined() + sweepColumns.map { _ in "---:|" }.joined())
        for (t, task) in result.tasks.enumerated() {
            let best = summary.best(task: t)
            var cells: [String] = []
            for o in names.indices {
                let runs = result.outcomes(task: t, optimizer: o)
                let stats = Statistics(runs.map { Double($0.result.normalizedTestLoss) })
                var cell = num(stats.mean)
                if runs.count > 1 { cell += " ± " + (stats.standardDeviation.isFinite ? String(format: "%.2g", stats.standardDeviation) : "—") }
                if best.contains(o) { cell = "**\(cell)**" }
                let diverged = runs.filter(\.result.diverged).count
                if diverged > 0 { cell += " † \(diverged)" }
                cells.append(cell)
            }
            for o in sweepColumns {
                let rates = result.outcomes(task: t, optimizer: o).compactMap(\.learningRate)
                var distinct: [Float] = []
                for r in rates where !distinct.contains(r) { distinct.append(r) }
                cells.append(distinct.map { "\($0)" }.joined(separator: ", "))
            }
            out.append("| [\(md(task.name))](plots/\(plotNames[t])) | \(task.family) | " + cells.joined(separator: " | ") + " |")
        }
        out.append("")
        out.append("Files: `curves.csv` (every step of every reported run), `results.json` (every run's final numbers and sweeps), `summary.json` (the tables above), `plots/` (one SVG per task).\n")
        return out.joined(separator: "\n")
    }

    // MARK: - Plots

    static func taskPlot(_ result: Comparison.Result, task t: Int) -> String {
        struct Curves { var train: [(x: Double, y: Double)]; var validation: [(x: Double, y: Double)]; var test: [(x: Double, y: Double)] }
        func seedMean(_ values: [[(step: Int, value: Float)]]) -> [(x: Double, y: Double)] {
            var sums: [Int: (Double, Int)] = [:]
            for run in values {
                for (step, v) in run where v.isFinite {
                    let s = sums[step] ?? (0, 0)
                    sums[step] = (s.0 + Double(v), s.1 + 1)
                }
            }
            return sums.keys.sorted().map { (Double($0), sums[$0]!.0 / Double(sums[$0]!.1)) }
        }
        let curves: [Curves] = result.optimizers.indices.map { o in
            let runs = result.outcomes(task: t, optimizer: o).map(\.result)
            return Curves(
                train: seedMean(runs.map { $0.curve.filter { !$0.trainLoss.isNaN }.map { ($0.step, $0.trainLoss) } }),
                validation: seedMean(runs.map { $0.curve.compactMap { p in p.validationLoss.map { (p.step, $0) } } }),
                test: seedMean(runs.map { $0.curve.compactMap { p in p.testLoss.map { (p.step, $0) } } }))
        }
        let all = curves.flatMap { $0.train.map(\.y) + $0.validation.map(\.y) + $0.test.map(\.y) }.filter(\.isFinite)
        let initial = curves.compactMap { $0.train.first?.y ?? $0.validation.first?.y }.filter(\.isFinite).max()
        let positive = !all.isEmpty && all.allSatisfy { $0 > 0 }
        var hi = all.max() ?? 1
        let lo = all.min() ?? 0
        if let i = initial, positive { hi = min(hi, i * 10) } else if let i = initial, i > lo { hi = min(hi, lo + (i - lo) * 1.5) }
        let log = positive && hi / lo > 10
        let window = max(1, result.steps / 20)
        var chart = LineChart(
            title: "\(result.tasks[t].name) (\(result.tasks[t].family), \(result.tasks[t].parameters) parameters)",
            xLabel: "step", yLabel: "loss")
        chart.logY = log
        chart.yCap = hi
        chart.xRange = 0...Double(max(result.steps, 1))
        for (o, c) in curves.enumerated() {
            let color = Palette.color(o), dash = Palette.dash(o)
            chart.series.append(.init(points: smooth(c.train, halfWindow: window, log: log), color: color, dash: dash, mark: .line))
            chart.series.append(.init(points: c.validation, color: color, mark: .circles))
            chart.series.append(.init(points: c.test, color: color, mark: .squares))
            let runs = result.outcomes(task: t, optimizer: o)
            let diverged = runs.filter(\.result.diverged).count
            let label = result.optimizers[o] + (diverged > 0 ? " (\(diverged)/\(runs.count) diverged)" : "")
            chart.legend.append(.init(label: label, color: color, dash: dash, mark: .line))
        }
        chart.legend.append(.init(label: "", color: "white"))
        chart.legend.append(.init(label: "line: train (moving avg)", color: "#555", mark: .line))
        chart.legend.append(.init(label: "validation (mean)", color: "#555", mark: .circles))
        chart.legend.append(.init(label: "test (mean)", color: "#555", mark: .squares))
        return chart.render()
    }

    /// Centered moving average over ±`halfWindow` points (in log10 space when `log`); the window
    /// narrows near the start (point i averages at most ±i/3) so a fast initial drop stays visible.
    static func smooth(_ points: [(x: Double, y: Double)], halfWindow: Int, log: Bool) -> [(x: Double, y: Double)] {
        let pts = points.filter { $0.y.isFinite && (!log || $0.y > 0) }
        let ys = pts.map { log ? log10($0.y) : $0.y }
        var prefix = [0.0]
        for y in ys { prefix.append(prefix.last! + y) }
        return pts.indices.map { i in
            let h = min(halfWindow, i / 3)
            let a = max(0, i - h), b = min(pts.count - 1, i + h)
            let m = (prefix[b + 1] - prefix[a]) / Double(b - a + 1)
            return (pts[i].x, log ? pow(10, m) : m)
        }
    }

    /// Per optimizer, the mean over tasks (of the mean over seeds) of the normalized validation loss at
    /// each evaluation step; a diverged run counts as its normalizer's cap after it stopped.
    public static func aggregateCurves(_ result: Comparison.Result) -> [[(fraction: Double, loss: Double)]] {
        let grid = Array(stride(from: 0, to: result.steps, by: result.evaluateEvery)) + [result.steps]
        return result.optimizers.indices.map { o in
            var sums = [Double](repeating: 0, count: grid.count), counts = [Int](repeating: 0, count: grid.count)
            for (t, task) in result.tasks.enumerated() {
                var taskSums = [Double](repeating: 0, count: grid.count), taskCounts = [Int](repeating: 0, count: grid.count)
                for outcome in result.outcomes(task: t, optimizer: o) {
                    let r = outcome.result
                    var byStep: [Int: Float] = [:]
                    for p in r.curve { if let v = p.validationLoss { byStep[p.step] = v } }
                    let lastStep = r.curve.last?.step ?? 0
                    for (g, step) in grid.enumerated() {
                        let value: Float
                        if let v = byStep[step] {
                            value = task.normalizer(v)
                        } else if r.diverged && step > lastStep {
                            value = task.normalizer.cap
                        } else {
                            continue
                        }
                        guard value.isFinite else { continue }
                        taskSums[g] += Double(value)
                        taskCounts[g] += 1
                    }
                }
                for g in grid.indices where taskCounts[g] > 0 {
                    sums[g] += taskSums[g] / Double(taskCounts[g])
                    counts[g] += 1
                }
            }
            return grid.indices.filter { counts[$0] > 0 }.map {
                (Double(grid[$0]) / Double(max(result.steps, 1)), sums[$0] / Double(counts[$0]))
            }
        }
    }

    static func aggregatePlot(_ result: Comparison.Result) -> String {
        var chart = LineChart(
            title: "Mean normalized validation loss over \(result.tasks.count) task\(result.tasks.count == 1 ? "" : "s")",
            xLabel: "fraction of training (\(result.steps) steps)", yLabel: "normalized validation loss")
        chart.xRange = 0...1
        for (o, curve) in aggregateCurves(result).enumerated() {
            let color = Palette.color(o), dash = Palette.dash(o)
            chart.series.append(.init(points: curve.map { ($0.fraction, $0.loss) }, color: color, dash: dash, mark: .line))
            chart.series.append(.init(points: curve.map { ($0.fraction, $0.loss) }, color: color, mark: .circles))
            chart.legend.append(.init(label: result.optimizers[o], color: color, dash: dash, mark: .line))
        }
        return chart.render()
    }

    static func summaryPlot(_ summary: ComparisonSummary) -> String {
        BarChart(
            title: "Final normalized test loss over tasks (lower is better)", yLabel: "normalized test loss",
            categories: summary.optimizers.map(\.name),
            measures: [("mean", summary.optimizers.map(\.meanNormalizedTestLoss), 0.9),
                       ("median", summary.optimizers.map(\.medianNormalizedTestLoss), 0.35)],
            colors: summary.optimizers.indices.map(Palette.color)).render()
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
