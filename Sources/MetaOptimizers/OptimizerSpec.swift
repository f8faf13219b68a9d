// One optimizer-spec syntax for every command: `NAME[:key=value,…]`, e.g. `adam:lr=3e-3,b1=0.8`,
// `lookahead:k=5,alpha=0.5,inner=adam`. A value may itself be a spec in brackets:
// `lookahead:k=5,inner=[adam:lr=1e-3,b1=0.8]`. Several specs are separated by `;` on the command line.
// Specs whose name takes a file (`lo`, `program`) may give it bare as the first setting, stored under
// the key `path`: `lo:/runs/a.safetensors` is `lo:path=/runs/a.safetensors`. A value containing any of
// `:,=[];"` is written in double quotes, with `\"` and `\\` inside: `lo:"/a:b/c.safetensors"`.
// A key may be given once per spec, and specs nest at most `maximumDepth` levels.

import MetaCore

/// A parsed optimizer spec: a name and its settings, in the order written.
public struct OptimizerSpec: Hashable, Sendable, CustomStringConvertible {
    public enum Value: Hashable, Sendable, CustomStringConvertible {
        case text(String)
        case spec(OptimizerSpec)

        /// The value as written in a spec: quoted when it would not read back bare.
        public var description: String {
            switch self {
            case .text(let s): return OptimizerSpec.needsQuotes(s) ? OptimizerSpec.quoted(s) : s
            case .spec(let s): return s.settings.isEmpty ? s.name : "[\(s)]"
            }
        }
    }

    /// Characters that end a bare name or value.
    static let delimiters: Set<Character> = [",", ":", "=", "[", "]", ";"]

    /// Whether `value` must be quoted to read back unchanged: it is empty, holds a delimiter or a
    /// quote, or starts or ends with white space (trimmed from bare values).
    static func needsQuotes(_ value: String) -> Bool {
        guard let first = value.first, let last = value.last else { return true }
        return first.isWhitespace || last.isWhitespace || value.contains { delimiters.contains($0) || $0 == "\"" }
    }

    /// `value` in double quotes, `"` and `\` escaped with `\`.
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The deepest nesting of bracketed specs `parse` reads (`a:inner=[b:inner=[c]]` is 3 levels): far
    /// beyond any real composition, and far below what would overflow the stack.
    public static let maximumDepth = 64

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
    /// `namesTakingPath` is written without its key; values that need it are quoted.
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
    /// (VALUE stored under `path`). A value may be quoted (`"…"`, with `\"` and `\\`). A key given
    /// twice, or nesting deeper than `maximumDepth`, is an error.
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
        let specs = try splitList(text).map(parse)
        guard !specs.isEmpty else { throw SpecError("optimizers", "no optimizer spec given") }
        return specs
    }

    /// The texts of a list `SPEC;SPEC;…`, trimmed, empty ones dropped: semicolons inside brackets or
    /// quotes do not split.
    public static func splitList(_ text: String) -> [String] {
        var parts: [String] = [], depth = 0, current = ""
        var inQuotes = false, escaped = false
        for c in text {
            if inQuotes {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuotes = false }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "[" {
                depth += 1
            } else if c == "]" {
                depth -= 1
            }
            if c == ";" && depth == 0 && !inQuotes {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private struct Parser {
        let chars: [Character]
        let text: String
        var at = 0
        /// Specs open around the one being read.
        var depth = 0

        func error(_ message: String) -> SpecError {
            SpecError("optimizer spec '\(excerpt)' at column \(at + 1)", message)
        }

        /// The spec, or for a long one the part around the error.
        var excerpt: String {
            guard chars.count > 120 else { return text }
            let from = max(0, min(at, chars.count) - 50), to = min(chars.count, from + 100)
            return (from > 0 ? "…" : "") + String(chars[from..<to]) + (to < chars.count ? "…" : "")
        }

        mutating func skipSpaces() { while at < chars.count && chars[at] == " " { at += 1 } }

        mutating func word() throws -> String {
            skipSpaces()
            var s = ""
            while at < chars.count, !OptimizerSpec.delimiters.contains(chars[at]) {
                s.append(chars[at])
                at += 1
            }
            s = s.trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else {
                throw error(at < chars.count ? "expected a name or value before '\(chars[at])'" : "expected a name or value at the end")
            }
            return s
        }

        /// A bare value, or a quoted one (`"…"` with `\"` and `\\`), which may hold any character.
        mutating func textValue() throws -> String {
            skipSpaces()
            guard at < chars.count, chars[at] == "\"" else { return try word() }
            let open = at
            at += 1
            var s = ""
            while at < chars.count, chars[at] != "\"" {
                if chars[at] == "\\" {
                    at += 1
                    guard at < chars.count, chars[at] == "\"" || chars[at] == "\\" else {
                        throw error("inside quotes a backslash escapes only '\"' or '\\'")
                    }
                }
                s.append(chars[at])
                at += 1
            }
            guard at < chars.count else {
                at = open
                throw error("the quote opened here is never closed")
            }
            at += 1
            return s
        }

        /// `=VALUE` or `=[SPEC]` after `key`.
        mutating func value(of key: String) throws -> Value {
            guard at < chars.count, chars[at] == "=" else { throw error("expected '=' after '\(key)'") }
            at += 1
            skipSpaces()
            guard at < chars.count, chars[at] == "[" else {
                // A bare value may itself be a spec name with settings only inside brackets.
                return .text(try textValue())
            }
            at += 1
            let inner = try spec()
            skipSpaces()
            guard at < chars.count, chars[at] == "]" else { throw error("expected ']' to close the spec of '\(key)'") }
            at += 1
            return .spec(inner)
        }

        mutating func spec() throws -> OptimizerSpec {
            depth += 1
            defer { depth -= 1 }
            guard depth <= OptimizerSpec.maximumDepth else {
                throw error("specs nested more than \(OptimizerSpec.maximumDepth) levels deep")
            }
            let name = try word()
            var settings: [(key: String, value: Value)] = []
            skipSpaces()
            guard at < chars.count, chars[at] == ":" else { return OptimizerSpec(name: name) }
            at += 1
            while true {
                skipSpaces()
                let keyColumn = at
                let quotedFirst = at < chars.count && chars[at] == "\""
                let key = settings.isEmpty && OptimizerSpec.namesTakingPath.contains(name) ? try textValue() : try word()
                skipSpaces()
                if settings.isEmpty, OptimizerSpec.namesTakingPath.contains(name), quotedFirst || at >= chars.count || chars[at] != "=" {
                    // `NAME:VALUE`: a bare first value is the positional `path` setting.
                    settings.append((OptimizerSpec.positionalKey, .text(key)))
                } else {
                    if settings.contains(where: { $0.key == key }) {
                        at = keyColumn
                        throw error("'\(key)' is given twice")
                    }
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
