// `metatrain zoo`: list, show, sample, validate and generate the tasks of the zoo.

import ArgumentParser
import Foundation
import MetaCore
import MetaTasks

struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, sample and validate the tasks of the zoo.",
        subcommands: [ZooList.self, ZooShow.self, ZooSample.self, ZooValidate.self, ZooCost.self, ZooGenerate.self])
}

/// Where the zoo lives.
struct ZooOptions: ParsableArguments {
    @Option(name: .customLong("zoo"), help: "The zoo directory (default: $METATRAIN_ZOO, ./TaskZoo, or the checkout's TaskZoo).")
    var path: String?

    func locate() throws -> TaskZoo { try TaskZoo.locate(path) }
}

struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Families with their task counts in the train, valid and heldout lists.")

    @OptionGroup var zoo: ZooOptions
    @Flag(help: "Print JSON: {\"families\":[{\"name\":…, \"train\":N, \"valid\":V, \"heldout\":M}, …]}.")
    var json = false

    struct Row: Codable { var name: String; var train: Int; var valid: Int; var heldout: Int }
    struct Listing: Codable { var families: [Row] }

    func run() throws {
        let z = try zoo.locate()
        let train = try z.list("train"), valid = try z.list("valid"), heldout = try z.list("heldout")
        let rows = TaskFamilyName.allCases.map {
            Row(name: $0.rawValue, train: train.count($0), valid: valid.count($0), heldout: heldout.count($0))
        }
        if json {
            print(TaskSpec.json(Listing(families: rows)))
            return
        }
        print("zoo: \(z.directory.path)  (train v\(train.version), valid v\(valid.version), heldout v\(heldout.version))")
        print("family        train    valid  heldout")
        for r in rows {
            print(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(format: "%7d  %7d  %7d", r.train, r.valid, r.heldout))
        }
        print("total       " + String(format: "%7d  %7d  %7d", train.tasks.count, valid.tasks.count, heldout.tasks.count))
    }
}

struct ZooShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print a task's spec as JSON (accepted back by --task FILE).")

    @OptionGroup var zoo: ZooOptions
    @Argument(help: "A task id such as train/mlp-007 or heldout/cnn-003.")
    var id: String

    func run() throws {
        let entry = try zoo.locate().entry(id: id)
        print(TaskSpec.json(entry.config))
    }
}

struct ZooSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Sample task configs from a family (JSON array).")

    @OptionGroup var zoo: ZooOptions
    @Option(help: "The family: \(TaskFamilyName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var family: TaskFamilyName
    @Option(help: "How many configs.")
    var count = 1
    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    func validate() throws {
        guard (1...100_000).contains(count) else { throw ValidationError("--count must be in 1…100000, got \(count)") }
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

extension TaskFamilyName: ExpressibleByArgument {}

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
