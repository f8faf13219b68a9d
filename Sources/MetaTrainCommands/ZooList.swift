// `metatrain zoo list`: the families with their task counts in each zoo list.

import ArgumentParser
import Foundation
import MetaTasks

/// Task counts per family in the train, valid and heldout lists.
struct ZooList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Families with their task counts in the train, valid and heldout lists.",
        discussion: #"With --json: {"families":[{"name":…, "train":N, "valid":V, "heldout":M}, …]}."#)

    @OptionGroup var zoo: ZooOptions
    @OptionGroup var output: JSONOutputOptions

    struct Row: Codable { var name: String; var train: Int; var valid: Int; var heldout: Int }
    struct Listing: Codable { var families: [Row] }

    func run() throws {
        let z = try zoo.locate()
        let train = try z.list("train"), valid = try z.list("valid"), heldout = try z.list("heldout")
        let rows = TaskFamilyName.allCases.map {
            Row(name: $0.rawValue, train: train.count($0), valid: valid.count($0), heldout: heldout.count($0))
        }
        if output.json {
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
