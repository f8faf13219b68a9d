// `metatrain zoo list`: the families with their task counts in each zoo list, and with --ids the task ids.

import ArgumentParser
import Foundation
import MetaTasks

/// Task counts per family in the train, valid and heldout lists.
struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Families with their task counts in the train, valid and heldout lists (--ids: the task ids).",
        discussion: #"""
        With --ids: the task ids, one a line under a line per family and list (ids are what --task, \
        `zoo show` and --tasks take). With --json: {"families":[{"name":…, "train":N, "valid":V, \
        "heldout":M, "ids":{"train":[…], "valid":[…], "heldout":[…]}}, …]}.
        """#)

    @OptionGroup var zoo: ZooOptions
    @OptionGroup var output: JSONOutputOptions
    @Flag(help: "List the task ids of every family and list.")
    var ids = false

    struct Ids: Codable { var train: [String]; var valid: [String]; var heldout: [String] }
    struct Row: Codable { var name: String; var train: Int; var valid: Int; var heldout: Int; var ids: Ids }
    struct Listing: Codable { var families: [Row] }

    func run() throws {
        let z = try zoo.locate()
        let train = try z.list("train"), valid = try z.list("valid"), heldout = try z.list("heldout")
        func ids(_ list: TaskList, _ f: TaskFamilyName) -> [String] { list.tasks.filter { $0.config.family == f }.map(\.id) }
        let rows = TaskFamilyName.allCases.map {
            Row(name: $0.rawValue, train: train.count($0), valid: valid.count($0), heldout: heldout.count($0),
                ids: Ids(train: ids(train, $0), valid: ids(valid, $0), heldout: ids(heldout, $0)))
        }
        if output.json {
            print(TaskSpec.json(Listing(families: rows)))
            return
        }
        if self.ids {
            for r in rows {
                for (list, listed) in [("train", r.ids.train), ("valid", r.ids.valid), ("heldout", r.ids.heldout)] {
                    print("# \(r.name), \(list) (\(listed.count))")
                    for id in listed { print(id) }
                }
            }
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
