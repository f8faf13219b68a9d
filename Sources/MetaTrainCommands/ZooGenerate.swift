// `metatrain zoo generate` (maintainers): writes the family specs and samples the train, valid and
// heldout task lists from them.

import ArgumentParser
import Foundation
import MetaCore
import MetaTasks

/// Regenerates the zoo's family specs and task lists.
struct ZooGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the family specs and sample the train, valid and heldout task lists (maintainers).")

    @OptionGroup var zoo: ZooOptions
    @Option(help: "Directory to write (default: the located zoo).")
    var out: String?
    @Option(help: "Seed of the lists.")
    var seed: UInt64 = 2026
    @Option(help: "Version number written into the lists.")
    var version = 1
    @Flag(help: "Overwrite the family specs with the built-in ones instead of sampling from those on disk.")
    var resetFamilies = false

    static let trainCounts: [TaskFamilyName: Int] = [.mlp: 100, .cnn: 50, .quadratic: 50, .function2d: 40]
    /// `valid` is for choosing use-time settings and checkpoints without looking at `heldout` (as
    /// learned_optimization's task splits); twice the held-out list's nets, so its mean is less noisy.
    static let validCounts: [TaskFamilyName: Int] = [.mlp: 48, .cnn: 24, .quadratic: 12, .function2d: 12]
    static let heldoutCounts: [TaskFamilyName: Int] = [.mlp: 24, .cnn: 12, .quadratic: 12, .function2d: 12]

    func run() throws {
        let dir: String
        if let o = out { dir = o } else { dir = try zoo.locate().directory.path }
        try OutputDirectory.prepare(dir)
        let z = TaskZoo(directory: URL(fileURLWithPath: dir))
        let families: ZooFamilies
        if resetFamilies || !FileManager.default.fileExists(atPath: z.familyURL(.mlp).path) {
            families = .standard
            for f in TaskFamilyName.allCases {
                let text: String
                switch f {
                case .mlp: text = TaskSpec.json(families.mlp)
                case .cnn: text = TaskSpec.json(families.cnn)
                case .quadratic: text = TaskSpec.json(families.quadratic)
                case .function2d: text = TaskSpec.json(families.function2d)
                }
                try AtomicFile.write(text + "\n", to: z.familyURL(f).path)
            }
        } else {
            families = try z.families()
        }
        let command = "metatrain zoo generate --seed \(seed) --version \(version)"
        for (name, counts) in [("train", Self.trainCounts), ("valid", Self.validCounts), ("heldout", Self.heldoutCounts)] {
            let list = TaskList.sample(
                name: name, version: version, seed: seed, counts: counts, families: families, generatedBy: command)
            try AtomicFile.write(TaskSpec.json(list) + "\n", to: z.listURL(name).path)
            print("wrote \(z.listURL(name).path): \(list.tasks.count) tasks")
        }
    }
}
