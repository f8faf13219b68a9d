// A Codable box for the state of an optimizer known only as `any Optimizer` (a learned optimizer's
// inner state, the outer optimizer's state): live between steps, JSON when encoded, and typed again
// when the optimizer that owns it opens it.

import Foundation
import MetaOptimizers

/// The state of an optimizer whose `State` type is opaque to the holder.
///
/// Encoding writes the state as JSON (non-finite floats as the strings "inf", "-inf", "nan"); the
/// shortest round-trip float formatting makes a decoded state bit-identical to the live one for
/// finite values.
public struct OptimizerStateBox: Codable, Sendable {
    enum Storage: Sendable {
        case live(any Codable & Sendable)
        case encoded(Data)
    }

    var storage: Storage

    public init<S: Codable & Sendable>(_ state: S) { storage = .live(state) }

    /// A box holding an already encoded state.
    public init(encoded data: Data) { storage = .encoded(data) }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The state as JSON.
    public func encodedData() throws -> Data {
        switch storage {
        case .encoded(let d): return d
        case .live(let s): return try Self.encoder().encode(s)
        }
    }

    /// The state typed as `S` (decoded when it was read from a checkpoint).
    public func value<S: Codable & Sendable>(as type: S.Type) throws -> S {
        switch storage {
        case .live(let s):
            if let typed = s as? S { return typed }
            return try Self.decoder().decode(S.self, from: try Self.encoder().encode(s))
        case .encoded(let d):
            return try Self.decoder().decode(S.self, from: d)
        }
    }

    /// The state of `optimizer` (its `State` type opened from the existential).
    public func state<O: Optimizer>(for optimizer: O) throws -> O.State { try value(as: O.State.self) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        storage = .encoded(try c.decode(Data.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(try encodedData())
    }
}

