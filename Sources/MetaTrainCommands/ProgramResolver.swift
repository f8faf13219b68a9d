// `program:PATH[,lr=X]` in any optimizer spec: a symbolic optimizer program read from a text file
// (DESIGN §7; the syntax is in Sources/MetaPrograms/Program.swift). `lr` sets the program's `lr` input;
// without it the file's `# lr:` header, else 1e-3. `program:NAME` for a known program (adamw, lion,
// signsgd, momentum, rmsprop) when no file of that name exists. Files are read once per path.

import Foundation
import MetaCore
import MetaEvaluation
import MetaOptimizers
import MetaPrograms

/// Resolves `program:…` specs.
public final class ProgramResolver: @unchecked Sendable {
    public static let name = "program"

    private let lock = NSLock()
    private var cache: [String: Program] = [:]

    public init() {}

    public static let shared = ProgramResolver()

    /// Appends the shared resolver to `OptimizerFactory.resolvers` once (idempotent).
    public static func register() { OptimizerFactory.register(shared.resolver) }

    public var resolver: OptimizerResolver {
        OptimizerResolver(names: [Self.name]) { [self] spec in try self.make(spec) }
    }

    /// The optimizer of `program:PATH[,lr=X]`; errors name the spec or the file, line and column.
    public func make(_ spec: OptimizerSpec) throws -> any Optimizer {
        let settings = try SpecSettings(spec, allowed: [OptimizerSpec.positionalKey, "lr"])
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
