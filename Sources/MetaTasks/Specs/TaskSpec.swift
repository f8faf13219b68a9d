// Reading task specs from files or zoo ids, and printing configs as JSON people can edit.

import Foundation
import MetaCore

public enum TaskSpec {
    /// Encodes a value as pretty, key-sorted JSON (the form `zoo show` prints and `--task FILE` reads).
    /// Non-finite numbers (a diverged run's losses) are the strings "nan", "inf" and "-inf", as in every
    /// JSON file metatrain writes.
    public static func json<T: Encodable>(_ value: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try enc.encode(value), as: UTF8.self)
        } catch {
            // Unreachable for the Codable types written here (numbers are the only values that can fail).
            let why = String(describing: error).replacingOccurrences(of: "\"", with: "'")
            return "{\"error\": \"cannot encode as JSON: \(why)\"}"
        }
    }

    /// Decodes a task config from JSON text; `file` names the source in errors; relative dataset
    /// paths are resolved against `baseDirectory`.
    public static func decode(_ data: Data, file: String, baseDirectory: URL? = nil) throws -> TaskConfig {
        let config: TaskConfig
        do {
            config = try JSONDecoder().decode(TaskConfig.self, from: data)
        } catch {
            throw SpecError.from(error, file: file, data: data)
        }
        if let base = baseDirectory { return config.resolvingPaths(relativeTo: base) }
        return config
    }

    /// Reads a task spec file.
    public static func load(file path: String) throws -> TaskConfig {
        let url = URL(fileURLWithPath: path)
        if let why = FileErrors.notARegularFile(path) { throw SpecError(path, "cannot read task spec: \(why)") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpecError(path, "cannot read task spec: \(FileErrors.reason(error))")
        }
        return try decode(data, file: path, baseDirectory: url.deletingLastPathComponent())
    }

    /// A task named by a file path (if such a file exists) or by a zoo id like `train/mlp-007`.
    public static func resolve(_ argument: String, zoo: () throws -> TaskZoo) throws -> (name: String, config: TaskConfig) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDir), !isDir.boolValue {
            return (argument, try load(file: argument))
        }
        if argument.hasSuffix(".json") || argument.hasPrefix("/") || argument.hasPrefix(".") {
            throw SpecError(argument, "no such task spec file")
        }
        let entry = try zoo().entry(id: argument)
        return (entry.id, entry.config)
    }
}
