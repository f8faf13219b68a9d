// Strict reading of hand-written JSON specs: unknown keys, wrong types and out-of-range values are
// errors that name the key path (`dataset.images`, `hidden[2]`), and absent keys take documented
// defaults.

import Foundation
import MetaCore

@_exported import struct MetaCore.SpecError

/// A coding key for any string or index.
public struct AnyKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(_ s: String) { stringValue = s }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// Reads one JSON object of a spec, allowing only the listed keys.
public struct SpecReader {
    public let container: KeyedDecodingContainer<AnyKey>
    public let codingPath: [CodingKey]

    /// Fails if the object has a key not in `allowed`, listing the valid keys.
    public init(_ decoder: Decoder, allowed: [String]) throws {
        container = try decoder.container(keyedBy: AnyKey.self)
        codingPath = decoder.codingPath
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw SpecError(
                SpecError.path(codingPath + [key]),
                "unknown key '\(key.stringValue)'; valid keys: \(allowed.joined(separator: ", "))")
        }
    }

    public func has(_ key: String) -> Bool { container.contains(AnyKey(key)) }

    func location(_ key: String) -> String { SpecError.path(codingPath + [AnyKey(key)]) }

    public func error(_ key: String, _ message: String) -> SpecError { SpecError(location(key), message) }

    /// A required value.
    public func require<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard has(key) else { throw error(key, "required key is missing") }
        return try typed(key) { try container.decode(T.self, forKey: AnyKey(key)) }
    }

    /// Runs a decode of `key`; a number that does not fit the type (1.5 for an integer, 1e40 for a Float),
    /// which Foundation reports as "not valid JSON" without a path, becomes an error naming the key.
    func typed<T>(_ key: String, _ decode: () throws -> T) throws -> T {
        // (Foundation throws an internal error here, `numberIsNotRepresentableInSwift`, and turns it into a
        // path-less "not valid JSON" only at the top.)
        do { return try decode() } catch where !(error is DecodingError) && !(error is SpecError)
            && String(describing: error).contains("numberIsNotRepresentable") {
            throw self.error(key, "a number here does not fit the type the key takes (a whole number for counts and sizes, a value within Float's range otherwise)")
        }
    }

    /// The value, or `fallback` when the key is absent.
    public func value<T: Decodable>(_ key: String, default fallback: T) throws -> T {
        try typed(key) { try container.decodeIfPresent(T.self, forKey: AnyKey(key)) } ?? fallback
    }

    /// An optional value.
    public func optional<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try typed(key) { try container.decodeIfPresent(T.self, forKey: AnyKey(key)) }
    }

    /// A value that must lie in `range`.
    public func value<T: Decodable & Comparable>(_ key: String, default fallback: T, in range: ClosedRange<T>) throws -> T {
        let v = try value(key, default: fallback)
        try check(key, v, in: range)
        return v
    }

    public func require<T: Decodable & Comparable>(_ key: String, in range: ClosedRange<T>) throws -> T {
        let v: T = try require(key)
        try check(key, v, in: range)
        return v
    }

    /// An array whose length and every element lie in the given ranges.
    public func array<T: Decodable & Comparable>(
        _ key: String, default fallback: [T]? = nil, count: ClosedRange<Int>, each range: ClosedRange<T>
    ) throws -> [T] {
        let v: [T]
        if let f = fallback { v = try value(key, default: f) } else { v = try require(key) }
        guard count.contains(v.count) else {
            throw error(key, "needs \(count.lowerBound)…\(count.upperBound) entries, found \(v.count)")
        }
        for (i, x) in v.enumerated() where !range.contains(x) {
            throw SpecError(location(key) + "[\(i)]", "\(x) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return v
    }

    public func check<T: Comparable>(_ key: String, _ v: T, in range: ClosedRange<T>) throws {
        if let d = v as? Double, !d.isFinite { throw error(key, "must be a finite number") }
        if let f = v as? Float, !f.isFinite { throw error(key, "must be a finite number") }
        guard range.contains(v) else {
            throw error(key, "\(v) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
    }
}

extension SpecReader {
    /// One of an enumeration's string values; an unknown one lists the valid values.
    public func choice<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E?) throws -> E
    where E.RawValue == String {
        guard let raw: String = try optional(key) else {
            if let f = fallback { return f }
            throw error(key, "required key is missing; one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let e = E(rawValue: raw) else {
            throw error(key, "unknown value '\(raw)'; one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }
}
