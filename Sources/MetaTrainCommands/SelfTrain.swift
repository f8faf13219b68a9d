// `metatrain self-train` (docs/architecture.md §4, paper §4.6): the same fresh learned optimizer (same seed, tasks and
// budget) is meta-trained once per outer optimizer — a trained learned optimizer (`lo:PATH`) and
// baselines such as Adam — each run a normal `train` run directory under OUT; then the meta-loss
// curves are written side by side (CSV, SVG, report) and every trained optimizer is compared on
// held-out tasks. Re-running with the same OUT (or `--resume`) skips finished runs and resumes an
// interrupted one from its checkpoint.

import ArgumentParser
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining

struct SelfTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-train",
        abstract: "Meta-train a fresh learned optimizer with a trained one as outer optimizer, beside Adam baselines.",
        discussion: """
        Each outer optimizer (--outer, then each of --baselines) meta-trains the same fresh learned optimizer \
        (the --config recipe, default: train's) in OUT/<run>/, a normal train run directory. Then OUT gets \
        meta-loss.csv, meta-loss.svg, report.md and summary.json, and heldout/ the held-out comparison of the \
        trained optimizers. Ctrl-C checkpoints and exits with status 130; running again with the same --out (or --resume \
        --out OUT) skips finished runs and continues the interrupted one bit-identically.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "The outer optimizer under study: a spec, usually a trained learned optimizer lo:PATH.")
    var outer: String = "lo:default"
    @Option(help: "Baseline outer optimizers, specs separated by ';'.")
    var baselines: String = "adam:lr=1e-3;adam:lr=3e-5"
    @Option(help: "The fresh learned optimizer's meta-training config (JSON; default: train's default recipe). Its outerOptimizer is replaced per run.")
    var config: String?
    @Option(help: "Output directory.")
    var out: String = "runs/self-train"
    @Flag(help: "Continue the self-training run in --out with its saved plan (flags may change --outer-steps, --threads and the evaluation).")
    var resume = false
    @OptionGroup var flags: MetaTrainingFlags
    @OptionGroup var evaluation: SelfTrainEvaluationOptions

    func validate() throws {
        if resume && config != nil { throw ValidationError("--config and --resume exclude each other: a resumed run keeps its plan") }
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
        if !resume {
            let outers = try SelfTrainPlan.parseOuters(outer: outer, baselines: baselines)
            // Every outer optimizer must build before any training (a missing lo: checkpoint fails here).
            for (i, spec) in outers.enumerated() {
                do { _ = try MetaTrain.catalogue.make(spec) } catch {
                    throw ValidationError("\(i == 0 ? "--outer" : "--baselines"): '\(spec)': \(error)")
                }
            }
        }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let planPath = outURL.appendingPathComponent(SelfTrainPlan.fileName).path
        let saved = try SelfTrainPlan.load(planPath)
        var plan: SelfTrainPlan
        if resume {
            guard let saved else { throw ValidationError("--resume: \(planPath) not found: nothing to resume in \(out)") }
            for (flag, given) in flags.runDefining + [("--outer", outerGiven), ("--baselines", baselinesGiven)] where given {
                throw ValidationError("\(flag) cannot change a resumed self-training run (it would not continue the same runs)")
            }
            plan = saved
        } else {
            var base = try config.map(MetaTrainingFlags.readConfig) ?? MetaTrainingConfig.defaultRecipe
            // The held-out comparison at the end replaces train's periodic checks (unless asked for).
            base.evaluateEveryMinutes = 0
            try flags.applyRunDefining(to: &base)
            plan = SelfTrainPlan(config: base, outers: try SelfTrainPlan.parseOuters(outer: outer, baselines: baselines))
            if let saved, saved.normalized != plan.normalized {
                throw ValidationError("""
                    \(out) holds a different self-training run (\(planPath)): use --resume to continue it, \
                    or another --out
                    """)
            }
        }
        flags.applyHousekeeping(to: &plan.config)
        for spec in plan.outers where resume {
            do { _ = try MetaTrain.catalogue.make(spec) } catch { throw ValidationError("outer optimizer '\(spec)': \(error)") }
        }
        try OutputDirectory.prepare(out)
        try plan.write(planPath)

        let z = try? zoo.locate()
        let finished = try plan.train(in: outURL, zoo: z, catalogue: MetaTrain.catalogue,
                                      resumeHint: "metatrain self-train --resume --out \(Shell.quoted(out))")
        // Interrupted: the checkpoint is written; exit as a program stopped by SIGINT does (128 + 2).
        guard finished else { throw ExitCode(130) }

        let heldout = evaluation.noEval ? nil : try evaluation.compare(plan: plan, in: out, zoo: { try z ?? self.zoo.locate() })
        let report = try SelfTrainReport(
            plan: plan, directory: outURL,
            commandLine: (["metatrain"] + CommandLine.arguments.dropFirst()).map(Shell.quoted).joined(separator: " "),
            heldout: heldout, heldoutTasks: evaluation.evalTasks)
        try report.write()
        print(report.verdict)
        print("report: \(outURL.appendingPathComponent("report.md").path)")
    }

    /// Whether --outer / --baselines were typed (their defaults cannot be told apart from a value otherwise).
    var outerGiven: Bool { CommandLine.arguments.contains { $0 == "--outer" || $0.hasPrefix("--outer=") } }
    var baselinesGiven: Bool { CommandLine.arguments.contains { $0 == "--baselines" || $0.hasPrefix("--baselines=") } }
}
