// Reading `compare --tasks` (and `self-train --eval-tasks`): zoo list names, zoo ids, task spec files
// and JSON task-list files, into the tasks of a comparison.

import ArgumentParser
import Foundation
import MetaEvaluation
import MetaTasks

/// Reading `--tasks`.
enum CompareTasks {
    /// `heldout` / `valid` / `train`, a JSON task-list file, or comma-separated ids and spec files.
    static func resolve(_ argument: String, zoo: () throws -> TaskZoo) throws -> [ComparisonTask] {
        if TaskZoo.listNames.contains(argument) {
            return try zoo().list(argument).tasks.map { ComparisonTask(name: $0.id, config: $0.config) }
        }
        var result: [ComparisonTask] = []
        for part in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if TaskZoo.listNames.contains(part) {
                result += try zoo().list(part).tasks.map { ComparisonTask(name: $0.id, config: $0.config) }
            } else if let list = try taskListFile(part, zoo: zoo) {
                result += list
            } else {
                let (name, config) = try TaskSpec.resolve(part, zoo: zoo)
                result.append(ComparisonTask(name: name, config: config))
            }
        }
        guard !result.isEmpty else { throw ValidationError("--tasks: no tasks given") }
        var seen = Set<String>()
        for t in result where !seen.insert(t.name).inserted {
            throw ValidationError("--tasks: '\(t.name)' is listed twice")
        }
        return result
    }

    /// A JSON file holding a task list: `{"tasks": [{"id", "config"}…]}` (a zoo list), an array of
    /// `{"id", "config"}`, an array of task configs, or an array of zoo ids / spec paths. nil for
    /// anything else (a single task spec).
    static func taskListFile(_ path: String, zoo: () throws -> TaskZoo) throws -> [ComparisonTask]? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) else { return nil }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let items: [Any]
        if let object = json as? [String: Any], let tasks = object["tasks"] as? [Any] {
            items = tasks
        } else if let array = json as? [Any] {
            items = array
        } else {
            return nil
        }
        var result: [ComparisonTask] = []
        for (i, item) in items.enumerated() {
            if let text = item as? String {
                let resolved = text.hasPrefix("/") || !text.hasSuffix(".json") ? text : base.appendingPathComponent(text).path
                let (name, config) = try TaskSpec.resolve(resolved, zoo: zoo)
                result.append(ComparisonTask(name: name, config: config))
                continue
            }
            let itemData = try JSONSerialization.data(withJSONObject: item)
            if let object = item as? [String: Any], let id = object["id"] as? String, let config = object["config"] {
                let c = try TaskSpec.decode(JSONSerialization.data(withJSONObject: config), file: "\(path): tasks[\(i)].config", baseDirectory: base)
                result.append(ComparisonTask(name: id, config: c))
            } else {
                let c = try TaskSpec.decode(itemData, file: "\(path): [\(i)]", baseDirectory: base)
                result.append(ComparisonTask(name: "\(path)#\(i)", config: c))
            }
        }
        return result
    }
}
