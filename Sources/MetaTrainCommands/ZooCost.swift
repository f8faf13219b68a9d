// `metatrain zoo cost`: measured time of one inner step (loss + gradient + SGD update) of every
// task in a list, to check that the zoo stays cheap (docs/architecture.md §5).

import ArgumentParser
import Foundation
import MetaCore
import MetaTasks

/// Times one inner step of every task of a zoo list.
struct ZooCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Time one inner step of every task of a list (single thread, as meta-training workers run).")

    @OptionGroup var zoo: ZooOptions
    @Option(help: "Which list, or all of them.")
    var list = TaskListChoice.all
    @Option(help: "Timed steps per task (after 3 warm-up steps).")
    var steps = 20
    @OptionGroup var output: JSONOutputOptions

    func validate() throws {
        try FlagLimits.check(steps, FlagLimits.timedSteps, "--steps")
    }

    struct Row: Codable { var id: String; var family: String; var parameters: Int; var stepMs: Double; var buildMs: Double }
    struct Summary: Codable {
        var tasks: Int
        var medianStepMs: Double
        var p90StepMs: Double
        var maxStepMs: Double
        var fractionUnder2ms: Double
        var over20ms: [String]
        var rows: [Row]
    }

    func run() throws {
        BLAS.setThreads(1)
        let z = try zoo.locate()
        let entries = try list.listNames.flatMap { try z.list($0).tasks }
        let progress = output.json ? nil : ProgressLine()
        var rows: [Row] = []
        for (i, e) in entries.enumerated() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let task = try e.config.makeTask()
            let build = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            var p = task.initialParameters(key: RandomKey(seed: 0))
            var g = [Float](repeating: 0, count: p.count)
            var times: [Double] = []
            for s in 0..<(steps + 3) {
                let s0 = DispatchTime.now().uptimeNanoseconds
                _ = task.lossAndGradient(p, gradient: &g, key: RandomKey(seed: 1).fold(UInt64(s)))
                Kernels.axpy(-1e-3, g, &p)
                if s >= 3 { times.append(Double(DispatchTime.now().uptimeNanoseconds - s0) / 1e6) }
            }
            times.sort()
            rows.append(Row(id: e.id, family: e.config.family.rawValue, parameters: task.layout.count,
                            stepMs: times[times.count / 2], buildMs: build))
            progress?.update("\(i + 1)/\(entries.count) \(e.id)", final: i + 1 == entries.count)
        }
        progress?.finish()
        let sorted = rows.map(\.stepMs).sorted()
        let summary = Summary(
            tasks: rows.count, medianStepMs: sorted[sorted.count / 2],
            p90StepMs: sorted[Int(0.9 * Double(sorted.count - 1))], maxStepMs: sorted.last!,
            fractionUnder2ms: Double(rows.filter { $0.stepMs < 2 }.count) / Double(rows.count),
            over20ms: rows.filter { $0.stepMs > 20 }.map(\.id), rows: rows)
        if output.json {
            print(TaskSpec.json(summary))
            return
        }
        for f in TaskFamilyName.allCases {
            let r = rows.filter { $0.family == f.rawValue }.map(\.stepMs).sorted()
            guard !r.isEmpty else { continue }
            print(f.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                + String(format: "%4d tasks  median %7.3f ms  p90 %7.3f ms  max %7.3f ms", r.count, r[r.count / 2], r[Int(0.9 * Double(r.count - 1))], r.last!))
        }
        print(String(format: "all        %4d tasks  median %7.3f ms  p90 %7.3f ms  max %7.3f ms  under 2 ms: %.1f%%",
                     summary.tasks, summary.medianStepMs, summary.p90StepMs, summary.maxStepMs, 100 * summary.fractionUnder2ms))
        let slow = rows.sorted { $0.stepMs > $1.stepMs }.prefix(3)
        print("slowest: " + slow.map { "\($0.id) \(String(format: "%.2f", $0.stepMs)) ms" }.joined(separator: ", "))
        if !summary.over20ms.isEmpty { print("over 20 ms: \(summary.over20ms.joined(separator: ", "))") }
    }
}
