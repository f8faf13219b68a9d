// The root command.

import ArgumentParser
import Foundation
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

    /// Runs the command line. A first word that names no command is reported as such (the parser
    /// would hand it to the default command, `train`, and print train's usage).
    public static func main() {
        if let message = unknownCommand(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(nil)
    }

    /// The subcommand names `metatrain` takes first.
    static var commandNames: [String] {
        configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The error for a first argument that is neither an option nor a command, or nil. `train` takes
    /// no positional arguments, so such a word is always a mistyped command.
    static func unknownCommand(in arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) else { return nil }
        let commands = commandNames.filter { $0 != "help" }
        let closest = commands.map { (name: $0, distance: editDistance($0, first)) }.min { $0.distance < $1.distance }
        let hint = closest.map { $0.distance <= max(2, first.count / 3) ? " (did you mean '\($0.name)'?)" : "" } ?? ""
        return "unknown command '\(first)'\(hint)\n"
            + "Commands: \(commands.joined(separator: ", ")) (train runs when no command is given).\n"
            + "See 'metatrain --help'."
    }

    /// Levenshtein distance, for the did-you-mean hint.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return row[b.count]
    }
}
