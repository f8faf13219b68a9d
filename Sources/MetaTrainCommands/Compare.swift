// `metatrain compare`: every optimizer on every task for several seeds, in parallel; writes a report
// (Markdown, CSV, JSON, SVG plots) to a directory. The work is in MetaEvaluation's `Comparison` and
// `ComparisonReport`; this file reads flags and task lists.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaTasks

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare optimizers on a set of tasks over several seeds; write report.md, CSV, JSON and SVG plots.",
        discussion: """
        Optimizers: specs NAME[:key=value,…] separated by ';', e.g. 'sgd:lr=0.1;adam-tuned'. \
        'adam-tuned' is Adam with the learning rate swept per task and seed over 14 log-spaced values \
        from 1e-5 to 1e-1 (adam-tuned:min=…,max=…,count=… to change), chosen by final validation loss; \
        its test loss is reported. 'tuned:inner=[SPEC],min=…,max=…,count=…' sweeps any optimizer that \
        takes lr the same way, e.g. 'tuned:inner=[program:Programs/lion.prog],min=1e-4,max=1e-1,count=4'. \
        Results do not depend on --threads.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "Tasks: 'heldout', 'valid' or 'train' (zoo lists), comma-separated zoo ids and/or task spec files, or a JSON file with a task list.")
    var tasks: String
    @Option(help: "Optimizer specs separated by ';', e.g. 'sgd:lr=0.1;adam-tuned'.")
    var optimizers: String
    @Option(help: "Inner training steps per run.")
    var steps: Int
    @Option(help: "Seeds per (task, optimizer): seeds 0..<K.")
    var seeds = 1
    @Option(help: "Output directory (created).")
    var out: String
    @Option(help: "Worker threads (default: the number of cores).")
    var threads = Parallel.availableCores
    @Option(help: "Measure validation and test losses every N steps (default: steps/20).")
    var evaluateEvery: Int?
    @Option(help: "Keep only the first N tasks (after --family), for quick runs.")
    var limit: Int?
    @Option(help: "Keep only tasks of this family: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var family: String?

    func validate() throws {
        guard (1...10_000_000).contains(steps) else { throw ValidationError("--steps must be in 1…10000000, got \(steps)") }
        guard (1...10_000).contains(seeds) else { throw ValidationError("--seeds must be in 1…10000, got \(seeds)") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1…1024, got \(threads)") }
        if let e = evaluateEvery, e < 1 { throw ValidationError("--evaluate-every must be at least 1, got \(e)") }
        if let l = limit, l < 1 { throw ValidationError("--limit must be at least 1, got \(l)") }
        if let f = family, TaskFamilyName(rawValue: f) == nil {
            throw ValidationError("--family: unknown family '\(f)'; one of: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
        do { try ComparedOptimizer.parseList(optimizers, catalogue: MetaTrain.catalogue).forEach { try $0.checkBuildable(catalogue: MetaTrain.catalogue) } } catch {
            throw ValidationError("--optimizers: \(error)")
        }
    }

    func run() throws {
        var selected = try CompareTasks.resolve(tasks, zoo: { try zoo.locate() })
        if let f = family { selected.removeAll { $0.config.family.rawValue != f } }
        if let l = limit { selected = Array(selected.prefix(l)) }
        guard !selected.isEmpty else {
            throw ValidationError("--tasks: no tasks left" + (family.map { " after --family \($0)" } ?? ""))
        }
        let compared = try ComparedOptimizer.parseList(optimizers, catalogue: MetaTrain.catalogue)
        var sweeps: [String: [Float]] = [:]
        for o in compared { if case .sweep(let s) = o.kind { sweeps[o.name] = s.learningRates } }
        let comparison = Comparison(
            tasks: selected, optimizers: compared, steps: steps, seeds: (0..<seeds).map(UInt64.init),
            threads: threads, evaluateEvery: evaluateEvery, catalogue: MetaTrain.catalogue)
        let runs = comparison.workItems.count
        FileHandle.standardError.write(Data(
            "compare: \(selected.count) tasks × \(compared.count) optimizers × \(seeds) seeds = \(runs) runs of \(steps) steps on \(threads) threads\n".utf8))
        let reporter = ProgressReporter()
        let result = try comparison.run(progress: reporter.report)
        reporter.finish()
        let context = ReportContext(
            taskSource: tasks + (family.map { " (family \($0))" } ?? "") + (limit.map { " (first \($0))" } ?? ""),
            commandLine: CommandLine.arguments.map(Self.shellQuoted).joined(separator: " "),
            threads: threads, sweeps: sweeps)
        let report = try ComparisonReport.write(result, context: context, to: out)
        print(ComparisonReport.summaryTable(result))
        print(String(format: "wall time %.1f s", result.wallSeconds))
        print("report: \(report)")
    }

    static func shellQuoted(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Reading `--tasks`.
enum CompareTasks {
    /// `heldout` / `valid` / `train`, a JSON task-list file, or comma-separated ids and spec files.
    static func resolve(_ argument: String, zoo: () throws -> TaskZoo) throws -> [ComparisonTask] {
        if TaskZoo.listNames.contains(argument) {
            return try zoo().list(argument).tasks.map { ComparisonTask(name: $0.id, config: $0.config) }
        }
        var result: [ComparisonTask] = []
        for part in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if TaskZoo.listNames.contains(part) {
                result += try zoo().list(part).tasks.map { ComparisonTask(name: $0.id, config: $0.config) }
            } else if let list = try taskListFile(part, zoo: zoo) {
                result += list
            } else {
                let (name, config) = try TaskSpec.resolve(part, zoo: zoo)
                result.append(ComparisonTask(name: name, config: config))
            }
        }
        guard !result.isEmpty else { throw ValidationError("--tasks: no tasks given") }
        var seen = Set<String>()
        for t in result where !seen.insert(t.name).inserted {
            throw ValidationError("--tasks: '\(t.name)' is listed twice")
        }
        return result
    }

    /// A JSON file holding a task list: `{"tasks": [{"id", "config"}…]}` (a zoo list), an array of
    /// `{"id", "config"}`, an array of task configs, or an array of zoo ids / spec paths. nil for
    /// anything else (a single task spec).
    static func taskListFile(_ path: String, zoo: () throws -> TaskZoo) throws -> [ComparisonTask]? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) else { return nil }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let items: [Any]
        if let object = json as? [String: Any], let tasks = object["tasks"] as? [Any] {
            items = tasks
        } else if let array = json as? [Any] {
            items = array
        } else {
            return nil
        }
        var result: [ComparisonTask] = []
        for (i, item) in items.enumerated() {
            if let text = item as? String {
                let resolved = text.hasPrefix("/") || !text.hasSuffix(".json") ? text : base.appendingPathComponent(text).path
                let (name, config) = try TaskSpec.resolve(resolved, zoo: zoo)
                result.append(ComparisonTask(name: name, config: config))
                continue
            }
            let itemData = try JSONSerialization.data(withJSONObject: item)
            if let object = item as? [String: Any], let id = object["id"] as? String, let config = object["config"] {
                let c = try TaskSpec.decode(JSONSerialization.data(withJSONObject: config), file: "\(path): tasks[\(i)].config", baseDirectory: base)
                result.append(ComparisonTask(name: id, config: c))
            } else {
                let c = try TaskSpec.decode(itemData, file: "\(path): [\(i)]", baseDirectory: base)
                result.append(ComparisonTask(name: "\(path)#\(i)", config: c))
            }
        }
        return result
    }
}
