// `metatrain zoo show ID`: one zoo task's spec as JSON.

import ArgumentParser
import MetaTasks

/// Prints a zoo task's spec.
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
