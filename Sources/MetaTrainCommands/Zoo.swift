// `metatrain zoo`: list, show, sample and validate tasks.

import ArgumentParser

struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, sample and validate the tasks of the zoo.",
        subcommands: [])
}
