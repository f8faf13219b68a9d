// The error type for everything a user writes or points to (specs, flags, data files): it names
// where the problem is.

import Foundation

/// A problem in something the user wrote or pointed to (a spec, a flag, a data file), with where it is.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where: a key path inside a spec (`dataset.images`), a file path, or a flag.
    public var location: String
    public var message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }

    /// Turns a Foundation decoding error into a message that names the key path.
    public static func from(_ error: Error, file: String? = nil) -> SpecError {
        let prefix = file.map { "\($0)" } ?? ""
        func join(_ path: [CodingKey]) -> String {
            let p = SpecError.path(path)
            if prefix.isEmpty { return p.isEmpty ? "spec" : p }
            return p.isEmpty ? prefix : "\(prefix): \(p)"
        }
        switch error {
        case let e as SpecError:
            if prefix.isEmpty { return e }
            return SpecError(e.location.isEmpty ? prefix : "\(prefix): \(e.location)", e.message)
        case DecodingError.typeMismatch(let type, let ctx):
            return SpecError(join(ctx.codingPath), "expected \(SpecError.typeName(type))")
        case DecodingError.valueNotFound(let type, let ctx):
            return SpecError(join(ctx.codingPath), "expected \(SpecError.typeName(type)), found null")
        case DecodingError.keyNotFound(let key, let ctx):
            return SpecError(join(ctx.codingPath + [key]), "required key is missing")
        case DecodingError.dataCorrupted(let ctx):
            var why = ctx.debugDescription
            if let u = ctx.underlyingError as NSError?, let d = u.userInfo[NSDebugDescriptionErrorKey] as? String {
                why += " (\(d))"
            }
            return SpecError(join(ctx.codingPath), why)
        default:
            return SpecError(prefix, "\(error)")
        }
    }

    public static func path(_ keys: [CodingKey]) -> String {
        var s = ""
        for k in keys {
            if let i = k.intValue {
                s += "[\(i)]"
            } else {
                s += s.isEmpty ? k.stringValue : ".\(k.stringValue)"
            }
        }
        return s
    }

    public static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is String.Type: return "a string"
        case is Int.Type, is UInt64.Type, is Int32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let n = "\(t)"
            if n.hasPrefix("Array") { return "an array" }
            if n.contains("Dictionary") { return "an object" }
            return "a value of type \(n)"
        }
    }
}

