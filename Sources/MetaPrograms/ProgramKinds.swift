// `program:PATH[,lr=X]` as a catalogue kind: a symbolic optimizer program read from a text file
// (docs/architecture.md §7; the syntax is in Program.swift). `lr` sets the program's `lr` input; without
// it the file's `# lr:` header, else 1e-3. `program:NAME` for a known program (adamw, lion, signsgd,
// momentum, rmsprop) when no file of that name exists. Files are read once per path.

import Foundation
import MetaCore
import MetaOptimizers

/// `program:` as a catalogue kind, with a cache of the programs it has read.
public final class ProgramKinds: @unchecked Sendable {
    public static let name = "program"

    private let lock = NSLock()
    private var cache: [String: Program] = [:]

    public init() {}

    /// The instance the command line's catalogue uses.
    public static let shared = ProgramKinds()

    /// `program`, for `OptimizerCatalogue.adding`.
    public var kinds: [OptimizerKind] {
        [OptimizerKind(
            name: Self.name,
            summary: "a symbolic optimizer program: program:PATH (a program file) or program:NAME (\(KnownPrograms.texts.map(\.name).joined(separator: ", ")))",
            keys: [(OptimizerSpec.positionalKey, "(required)"), ("lr", "the file's # lr: header, else 1e-3")],
            example: "program:lion"
        ) { [self] s in try self.make(s) }]
    }

    /// The optimizer of `program:PATH[,lr=X]`; errors name the spec or the file, line and column.
    public func make(_ settings: SpecSettings) throws -> any Optimizer {
        let spec = settings.spec
        let program = try self.program(spec)
        let lr = spec["lr"] == nil ? nil : try settings.float("lr", default: 0, in: 0...1e6)
        do { return try ProgramOptimizer(program, learningRate: lr) } catch let e as ProgramError {
            throw SpecError("optimizer '\(spec)'", e.description)
        }
    }

    /// The program a spec names (parsed and checked once per path).
    public func program(_ spec: OptimizerSpec) throws -> Program {
        guard let value = spec[OptimizerSpec.positionalKey] else {
            throw SpecError("optimizer '\(spec.name)'", "needs a program file: program:PATH or program:path=PATH (known programs: \(KnownPrograms.texts.map(\.name).joined(separator: ", ")))")
        }
        guard case .text(let text) = value else {
            throw SpecError("optimizer '\(spec.name)', key 'path'", "expected a file path, found a spec")
        }
        let path = URL(fileURLWithPath: text).standardizedFileURL.path
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[path] { return p }
        let program: Program
        do {
            if !FileManager.default.fileExists(atPath: path), let known = KnownPrograms.program(text) {
                program = known
            } else {
                program = try ProgramParser.load(path: path)
            }
        } catch let e as ProgramError {
            throw SpecError("optimizer 'program'", e.description)
        }
        cache[path] = program
        return program
    }
}
