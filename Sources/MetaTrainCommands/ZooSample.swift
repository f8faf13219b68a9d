// `metatrain zoo sample`: task configs drawn from a family, as the zoo's lists are drawn.

import ArgumentParser
import MetaCore
import MetaTasks

/// Samples task configs from a family.
struct ZooSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Sample task configs from a family (JSON array).")

    @OptionGroup var zoo: ZooOptions
    @Option(help: "The task family.")
    var family: TaskFamilyName
    @Option(help: "How many configs.")
    var count = 1
    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    func validate() throws {
        try FlagLimits.check(count, FlagLimits.sampleCount, "--count")
    }

    func run() throws {
        // The family specs on disk if there is a zoo, else the built-in ones (they are the same
        // unless someone edited TaskZoo/families).
        let families = (try? zoo.locate().families()) ?? .standard
        let root = RandomKey(seed: seed).fold("sample").fold(family.rawValue)
        let configs = (0..<count).map { families.sample(family, key: root.fold(UInt64($0))) }
        print(TaskSpec.json(configs))
    }
}
