// The root command.

import ArgumentParser
import MetaLearned
import MetaOptimizers
import MetaPrograms

public struct MetaTrain: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "metatrain",
        abstract: "Meta-train learned optimizers on CPU and compare them with hand-designed ones.",
        subcommands: [Train.self, SelfTrain.self, Report.self, Zoo.self, Optimize.self, Compare.self, Replay.self, Optimizers.self,
                      Bench.self, Search.self],
        defaultSubcommand: Train.self)

    public init() {}

    /// The composition root: every optimizer kind the command line builds from specs (the hand-designed
    /// ones, `lo:` and `learned`, `program:`). Commands pass it to whatever builds optimizers.
    public static let catalogue = OptimizerCatalogue.withLearnedOptimizers.adding(ProgramKinds.shared.kinds)
}
