// `--help` for every command and subcommand: it exits 0 and prints the usage line under the command's own
// path, its abstract, and every argument the command declares, each with a help text of its own.
// (The command tree comes from ArgumentParser's own dump, `metatrain --experimental-dump-help`.)

import Foundation
import XCTest

final class HelpTests: XCTestCase {
    struct Name: Decodable { var kind: String; var name: String }
    struct Argument: Decodable {
        var kind: String
        var abstract: String?
        var preferredName: Name?
        var valueName: String?
        var shouldDisplay: Bool
    }
    struct Command: Decodable {
        var commandName: String
        var abstract: String?
        var arguments: [Argument]?
        var subcommands: [Command]?
    }
    struct Dump: Decodable { var command: Command }

    func walk(_ c: Command, path: [String]) -> [([String], Command)] {
        (path.isEmpty ? [] : [(path, c)]) + (c.subcommands ?? []).filter { $0.commandName != "help" }.flatMap { walk($0, path: path + [$0.commandName]) }
    }

    func testEveryCommandHasHelp() throws {
        let dump = try metatrain(["--experimental-dump-help"])
        XCTAssertEqual(dump.status, 0, dump.err)
        let root = try JSONDecoder().decode(Dump.self, from: Data(dump.out.utf8)).command
        let all = walk(root, path: [])
        XCTAssertGreaterThanOrEqual(all.count, 12)
        for (path, command) in all {
            let name = path.joined(separator: " ")
            let r = try metatrain(path + ["--help"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.err)")
            XCTAssertTrue(r.out.contains("USAGE: metatrain \(name)"), "\(name):\n\(r.out)")
            let abstract = try XCTUnwrap(command.abstract, "\(name) has no abstract")
            let flat = r.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            XCTAssertTrue(flat.contains(abstract.split(whereSeparator: \.isWhitespace).prefix(6).joined(separator: " ")),
                          "\(name): abstract missing:\n\(r.out)")
            for argument in command.arguments ?? [] where argument.shouldDisplay {
                let shown = argument.preferredName.map { ($0.kind == "long" ? "--" : "-") + $0.name } ?? "<\(argument.valueName ?? "")>"
                if shown == "--help" || shown == "-h" || shown == "--version" { continue }
                XCTAssertFalse((argument.abstract ?? "").isEmpty, "\(name): \(shown) has no help text")
                XCTAssertTrue(r.out.contains(shown), "\(name): \(shown) missing from --help")
            }
        }
    }

    func testAMistypedCommandFails() throws {
        let r = try metatrain(["compair", "--optimizers", "adam"])
        XCTAssertNotEqual(r.status, 0)
    }
}
