// The root command.

import ArgumentParser

public struct MetaTrain: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "metatrain",
        abstract: "Meta-train learned optimizers on CPU and compare them with hand-designed ones.",
        subcommands: [Train.self, SelfTrain.self, Report.self, Zoo.self, Optimize.self, Compare.self, Replay.self, Optimizers.self,
                      Bench.self, Search.self],
        defaultSubcommand: Train.self)

    public init() {}

    /// Registers the optimizer resolvers (`lo:PATH`, `program:PATH`) before parsing, then runs the command.
    public static func main() {
        LearnedOptimizerResolver.register()
        ProgramResolver.register()
        main(nil)
    }
}
