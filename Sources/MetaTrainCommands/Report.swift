// `metatrain report RUN_DIR`: a meta-training run's metrics.jsonl as SVG training curves (meta-loss and
// the held-out evaluations against Adam, over outer steps and over wall time) and a short Markdown
// summary, written to RUN_DIR/report/.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaTraining

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
        let run = try TrainingReport.load(directory: runDir)
        for w in run.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        let outDir = out ?? (runDir as NSString).appendingPathComponent("report")
        let files = try run.writeReport(to: outDir, window: window)
        print("wrote \(files.map { (outDir as NSString).appendingPathComponent($0) }.joined(separator: ", "))")
    }
}
