// `metatrain zoo`: list, show, sample, validate, time and generate the tasks of the zoo (one
// subcommand per file: ZooList, ZooShow, ZooSample, ZooValidate, ZooCost, ZooGenerate).

import ArgumentParser

/// The `zoo` command group.
struct Zoo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, sample and validate the tasks of the zoo.",
        subcommands: [ZooList.self, ZooShow.self, ZooSample.self, ZooValidate.self, ZooCost.self, ZooGenerate.self])
}
