// One optimizer-spec syntax for every command: `NAME[:key=value,…]`, e.g. `adam:lr=3e-3,b1=0.8`,
// `lookahead:k=5,alpha=0.5,inner=adam`. A value may itself be a spec in brackets:
// `lookahead:k=5,inner=[adam:lr=1e-3,b1=0.8]`. Several specs are separated by `;` on the command line.
// Specs whose name takes a file (`lo`, `program`) may give it bare as the first setting, stored under
// the key `path`: `lo:/runs/a.safetensors` is `lo:path=/runs/a.safetensors` (a path containing any of
// `:,=[];]` must not use the bare form).

import MetaCore

/// A parsed optimizer spec: a name and its settings, in the order written.
public struct OptimizerSpec: Hashable, Sendable, CustomStringConvertible {
    public enum Value: Hashable, Sendable, CustomStringConvertible {
        case text(String)
        case spec(OptimizerSpec)

        public var description: String {
            switch self {
            case .text(let s): return s
            case .spec(let s): return s.settings.isEmpty ? s.name : "[\(s)]"
            }
        }
    }

    public var name: String
    public var settings: [(key: String, value: Value)]

    public init(name: String, settings: [(key: String, value: Value)] = []) {
        self.name = name
        self.settings = settings
    }

    public static func == (a: OptimizerSpec, b: OptimizerSpec) -> Bool {
        a.name == b.name && a.settings.count == b.settings.count
            && zip(a.settings, b.settings).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        h.combine(name)
        for s in settings { h.combine(s.key); h.combine(s.value) }
    }

    /// The key under which a bare first value (`lo:PATH`) is stored.
    public static let positionalKey = "path"
    /// The names whose first setting may be a bare value (a file path).
    public static let namesTakingPath: Set<String> = ["lo", "learned", "program"]

    /// The canonical text: parses back to an equal spec. A first `path` setting of a name in
    /// `namesTakingPath` is written bare.
    public var description: String {
        guard !settings.isEmpty else { return name }
        return name + ":" + settings.enumerated().map { i, s in
            if i == 0, s.key == Self.positionalKey, Self.namesTakingPath.contains(name), case .text = s.value { return "\(s.value)" }
            return "\(s.key)=\(s.value)"
        }.joined(separator: ",")
    }

    /// The value of a key, if set.
    public subscript(key: String) -> Value? { settings.last { $0.key == key }?.value }

    /// Parses `NAME[:key=value,…]`, or for a name in `namesTakingPath` also `NAME:VALUE[,key=value,…]`
    /// (VALUE stored under `path`).
    /// Errors name the spec and the position.
    public static func parse(_ text: String) throws -> OptimizerSpec {
        var p = Parser(chars: Array(text), text: text)
        let spec = try p.spec()
        p.skipSpaces()
        guard p.at >= p.chars.count else { throw p.error("unexpected '\(p.chars[p.at])'") }
        return spec
    }

    /// Splits a command-line list `SPEC;SPEC;…` (semicolons inside brackets do not split).
    public static func parseList(_ text: String) throws -> [OptimizerSpec] {
        var parts: [String] = [], depth = 0, current = ""
        for c in text {
            if c == "[" { depth += 1 }
            if c == "]" { depth -= 1 }
            if c == ";" && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        let specs = try parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(parse)
        guard !specs.isEmpty else { throw SpecError("optimizers", "no optimizer spec given") }
        return specs
    }

    private struct Parser {
        let chars: [Character]
        let text: String
        var at = 0

        func error(_ message: String) -> SpecError {
            SpecError("optimizer spec '\(text)' at column \(at + 1)", message)
        }

        mutating func skipSpaces() { while at < chars.count && chars[at] == " " { at += 1 } }

        mutating func word() throws -> String {
            skipSpaces()
            var s = ""
            while at < chars.count, !",:=[];]".contains(chars[at]) {
                s.append(chars[at])
                at += 1
            }
            s = s.trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else {
                throw error(at < chars.count ? "expected a name or value before '\(chars[at])'" : "expected a name or value at the end")
            }
            return s
        }

        /// `=VALUE` or `=[SPEC]` after `key`.
        mutating func value(of key: String) throws -> Value {
            guard at < chars.count, chars[at] == "=" else { throw error("expected '=' after '\(key)'") }
            at += 1
            skipSpaces()
            guard at < chars.count, chars[at] == "[" else {
                // A bare value may itself be a spec name with settings only inside brackets.
                return .text(try word())
            }
            at += 1
            let inner = try spec()
            skipSpaces()
            guard at < chars.count, chars[at] == "]" else { throw error("expected ']' to close the spec of '\(key)'") }
            at += 1
            return .spec(inner)
        }

        mutating func spec() throws -> OptimizerSpec {
            let name = try word()
            var settings: [(key: String, value: Value)] = []
            skipSpaces()
            guard at < chars.count, chars[at] == ":" else { return OptimizerSpec(name: name) }
            at += 1
            while true {
                let key = try word()
                skipSpaces()
                if settings.isEmpty, OptimizerSpec.namesTakingPath.contains(name), at >= chars.count || chars[at] != "=" {
                    // `NAME:VALUE`: a bare first value is the positional `path` setting.
                    settings.append((OptimizerSpec.positionalKey, .text(key)))
                } else {
                    settings.append((key, try value(of: key)))
                }
                skipSpaces()
                if at < chars.count, chars[at] == "," {
                    at += 1
                    continue
                }
                break
            }
            return OptimizerSpec(name: name, settings: settings)
        }
    }
}

import Foundation
