// `metatrain train` (and `metatrain` with no arguments): reads the config (a file, a resumed checkpoint's,
// or the default recipe) and the flags over it, then runs MetaTraining's `TrainingRun`.

import ArgumentParser
import Dispatch
import Foundation
import MetaCore
import MetaEvaluation
import MetaLearned
import MetaOptimizers
import MetaTasks
import MetaTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Meta-train a learned optimizer (the default command).",
        discussion: """
        Without --config the default recipe runs (about 9 minutes on 2 cores) and writes its checkpoint to \
        OUT/final.safetensors. A config is JSON (--print-config shows the default recipe as one; docs/meta-training.md lists every key); flags override it. \
        Ctrl-C writes OUT/checkpoint.safetensors and exits with status 130; --resume OUT/checkpoint.safetensors continues \
        bit-identically.
        """)

    @OptionGroup var zoo: ZooOptions
    @Option(help: "A JSON meta-training config (saved beside the run as config.json).")
    var config: String?
    @Option(help: "Output directory: config.json, metrics.jsonl, checkpoint.safetensors, final.safetensors.")
    var out: String = "runs/default"
    @Option(help: "Continue from a checkpoint written by an earlier run (its config is used; flags may change --outer-steps, --threads and --out).")
    var resume: String?
    @OptionGroup var flags: MetaTrainingFlags
    @Option(help: "Outer optimizer spec (e.g. adam:lr=1e-3, or lo:PATH for self-training).")
    var outerOptimizer: String?
    @Flag(help: "Print the effective config as JSON (a starting point for --config) and exit.")
    var printConfig = false

    func validate() throws {
        if config != nil && resume != nil { throw ValidationError("--config and --resume exclude each other: a resumed run keeps its config") }
    }

    func run() throws {
        // The config: a checkpoint's (resume), a file's, or the default recipe; then the flags.
        var cfg: MetaTrainingConfig
        var resumeState: MetaTrainerState?
        if let resume {
            (cfg, resumeState) = try TrainingRun.loadResumable(from: resume)
        } else if let config {
            cfg = try MetaTrainingFlags.readConfig(config)
        } else {
            cfg = MetaTrainingConfig.defaultRecipe
        }
        if resume == nil {
            try flags.applyRunDefining(to: &cfg)
            if let v = outerOptimizer { cfg.outerOptimizer = v }
        } else {
            for (flag, set) in flags.runDefining + [("--outer-optimizer", outerOptimizer != nil)] where set {
                throw ValidationError("\(flag) cannot change a resumed run (it would not continue the same run)")
            }
        }
        flags.applyHousekeeping(to: &cfg)

        if printConfig {
            print(TaskSpec.json(cfg))
            return
        }
        let z = try? zoo.locate()
        let trainer = try MetaTrainer(config: cfg, zoo: z, resumingFrom: resumeState)
        if try TrainingRun(trainer: trainer, directory: out, zoo: z).run() == .interrupted {
            // The checkpoint is written; exit as a program stopped by SIGINT does (128 + 2).
            throw ExitCode(130)
        }
    }
}
