// The zoo as data: `TaskZoo/families/<family>.json` (the families' ranges) and versioned lists of
// sampled configs, `TaskZoo/train.json` (for meta-training) and `TaskZoo/heldout.json` (for
// evaluation only, never meta-trained on).

import Foundation
import MetaCore

/// One task of a list: a stable id and its config.
public struct ZooEntry: Codable, Hashable, Sendable {
    /// `<list>/<family>-<index>`, e.g. `train/mlp-007`.
    public var id: String
    public var config: TaskConfig

    public init(id: String, config: TaskConfig) {
        self.id = id
        self.config = config
    }
}

/// A versioned list of task configs.
public struct TaskList: Codable, Hashable, Sendable {
    public var name: String
    /// Bumped whenever the list's contents change, so results can name the list they used.
    public var version: Int
    /// How the list was made (the command), for anyone who wants to regenerate it.
    public var generatedBy: String
    public var seed: UInt64
    public var tasks: [ZooEntry]

    public init(name: String, version: Int, generatedBy: String, seed: UInt64, tasks: [ZooEntry]) {
        self.name = name
        self.version = version
        self.generatedBy = generatedBy
        self.seed = seed
        self.tasks = tasks
    }

    /// Number of tasks per family.
    public func count(_ family: TaskFamilyName) -> Int { tasks.filter { $0.config.family == family }.count }

    /// Samples `counts[family]` tasks of each family from `families` with keys derived from `seed`.
    public static func sample(
        name: String, version: Int, seed: UInt64, counts: [TaskFamilyName: Int],
        families: ZooFamilies, generatedBy: String
    ) -> TaskList {
        let root = RandomKey(seed: seed).fold(name)
        var tasks: [ZooEntry] = []
        for family in TaskFamilyName.allCases {
            let n = counts[family] ?? 0
            let key = root.fold(family.rawValue)
            for i in 0..<n {
                let id = "\(name)/\(family.rawValue)-\(String(format: "%03d", i))"
                tasks.append(ZooEntry(id: id, config: families.sample(family, key: key.fold(UInt64(i)))))
            }
        }
        return TaskList(name: name, version: version, generatedBy: generatedBy, seed: seed, tasks: tasks)
    }
}

/// The four families' specs.
public struct ZooFamilies: Codable, Hashable, Sendable {
    public var mlp: MLPFamily
    public var cnn: CNNFamily
    public var quadratic: QuadraticFamily
    public var function2d: Function2DFamily

    public static let standard = ZooFamilies(
        mlp: .standard, cnn: .standard, quadratic: .standard, function2d: .standard)

    public init(mlp: MLPFamily, cnn: CNNFamily, quadratic: QuadraticFamily, function2d: Function2DFamily) {
        self.mlp = mlp
        self.cnn = cnn
        self.quadratic = quadratic
        self.function2d = function2d
    }

    public func sample(_ family: TaskFamilyName, key: RandomKey) -> TaskConfig {
        switch family {
        case .mlp: return mlp.sample(key: key)
        case .cnn: return cnn.sample(key: key)
        case .quadratic: return quadratic.sample(key: key)
        case .function2d: return function2d.sample(key: key)
        }
    }

    public func spec(_ family: TaskFamilyName) -> any TaskFamily {
        switch family {
        case .mlp: return mlp
        case .cnn: return cnn
        case .quadratic: return quadratic
        case .function2d: return function2d
        }
    }
}

/// A zoo directory on disk.
public struct TaskZoo {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// Finds the zoo: an explicit path, else `$METATRAIN_ZOO`, else `./TaskZoo`, else the
    /// `TaskZoo` folder of the source checkout this binary was built from.
    public static func locate(_ explicit: String? = nil) throws -> TaskZoo {
        let fm = FileManager.default
        func isZoo(_ path: String) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
        }
        if let p = explicit {
            guard isZoo(p) else { throw SpecError(p, "no such zoo directory") }
            return TaskZoo(directory: URL(fileURLWithPath: p))
        }
        if let p = ProcessInfo.processInfo.environment["METATRAIN_ZOO"], !p.isEmpty {
            guard isZoo(p) else { throw SpecError(p, "METATRAIN_ZOO names no directory") }
            return TaskZoo(directory: URL(fileURLWithPath: p))
        }
        let local = fm.currentDirectoryPath + "/TaskZoo"
        if isZoo(local + "/families") { return TaskZoo(directory: URL(fileURLWithPath: local)) }
        // Sources/MetaTasks/Zoo/TaskZoo.swift → package root
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let built = root.appendingPathComponent("TaskZoo").path
        if isZoo(built) { return TaskZoo(directory: URL(fileURLWithPath: built)) }
        throw SpecError("TaskZoo", "zoo directory not found; pass --zoo DIR or set METATRAIN_ZOO")
    }

    public static let listNames = ["train", "valid", "heldout"]

    public func listURL(_ name: String) -> URL { directory.appendingPathComponent("\(name).json") }
    public func familyURL(_ family: TaskFamilyName) -> URL {
        directory.appendingPathComponent("families/\(family.rawValue).json")
    }

    /// Reads a task list (`train` or `heldout`).
    public func list(_ name: String) throws -> TaskList {
        let url = listURL(name)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpecError(url.path, "cannot read task list: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(TaskList.self, from: data) } catch {
            throw SpecError.from(error, file: url.path, data: data)
        }
    }

    /// The family specs on disk (validated).
    public func families() throws -> ZooFamilies {
        func load<F: TaskFamily>(_ type: F.Type) throws -> F {
            let url = familyURL(F.familyName)
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw SpecError(url.path, "cannot read family spec: \(error.localizedDescription)")
            }
            let f: F
            do { f = try JSONDecoder().decode(F.self, from: data) } catch { throw SpecError.from(error, file: url.path, data: data) }
            do { try f.validate() } catch { throw SpecError.from(error, file: url.path) }
            return f
        }
        return ZooFamilies(
            mlp: try load(MLPFamily.self), cnn: try load(CNNFamily.self),
            quadratic: try load(QuadraticFamily.self), function2d: try load(Function2DFamily.self))
    }

    /// The entry with this id in any list.
    public func entry(id: String) throws -> ZooEntry {
        let listName = String(id.split(separator: "/").first ?? "")
        guard Self.listNames.contains(listName) else {
            throw SpecError(id, "not a task id (ids look like train/mlp-007 or heldout/cnn-003) and no such file")
        }
        let list = try list(listName)
        guard let e = list.tasks.first(where: { $0.id == id }) else {
            throw SpecError(id, "no task with this id in \(listURL(listName).path) (\(list.tasks.count) tasks)")
        }
        return e
    }
}
