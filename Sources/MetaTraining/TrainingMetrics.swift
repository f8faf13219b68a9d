// The metrics schema of a meta-training run: `metrics.jsonl` holds one JSON object per line, an outer
// step (`"type": "step"`, the `OuterStepMetrics` fields and `elapsed`) or a held-out check
// (`"type": "eval"`). `TrainingRun` writes these records and `metatrain report` / `self-train` read them
// back through the same types. Non-finite numbers are the strings "nan", "inf", "-inf".

import Foundation
import MetaCore

/// A quick held-out look during training: the learned optimizer at the current θ against Adam(1e-3).
public struct HeldOutCheck: Codable, Hashable, Sendable {
    /// Outer steps taken when it ran.
    public var step: Int
    /// Seconds since the run (this process) started.
    public var elapsed: Double
    /// The tasks (zoo ids).
    public var tasks: [String]
    /// Inner steps per task.
    public var steps: Int
    /// Mean normalized test loss of the learned optimizer and of Adam.
    public var learnedOptimizer: Float
    public var adam: Float
    /// Tasks where the learned optimizer's normalized test loss is below Adam's.
    public var wins: Int

    public init(step: Int, elapsed: Double, tasks: [String], steps: Int, learnedOptimizer: Float, adam: Float, wins: Int) {
        self.step = step
        self.elapsed = elapsed
        self.tasks = tasks
        self.steps = steps
        self.learnedOptimizer = learnedOptimizer
        self.adam = adam
        self.wins = wins
    }
}

/// One line of `metrics.jsonl`.
public enum MetricsRecord: Codable, Hashable, Sendable {
    /// An outer step and the seconds since the run (this process) started.
    case step(OuterStepMetrics, elapsed: Double)
    /// A held-out check.
    case evaluation(HeldOutCheck)

    private enum Kind: String, Codable { case step, eval }
    private enum Keys: String, CodingKey { case type, elapsed }

    /// The outer step a record belongs to.
    public var step: Int {
        switch self {
        case .step(let m, _): return m.step
        case .evaluation(let e): return e.step
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .step: self = .step(try OuterStepMetrics(from: decoder), elapsed: try c.decode(Double.self, forKey: .elapsed))
        case .eval: self = .evaluation(try HeldOutCheck(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .step(let m, let elapsed):
            try m.encode(to: encoder)
            try c.encode(Kind.step, forKey: .type)
            try c.encode(elapsed, forKey: .elapsed)
        case .evaluation(let e):
            try e.encode(to: encoder)
            try c.encode(Kind.eval, forKey: .type)
        }
    }

    /// One line of JSON (sorted keys, no newline).
    public func jsonLine() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(self)
    }

    /// Reads a metrics file; errors name the file and line. An unfinished last line (a run killed while
    /// writing it) is skipped, as a resumed run would drop it.
    public static func read(path: String) throws -> [MetricsRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SpecError(path, "not found") }
        guard let text = String(data: data, encoding: .utf8) else { throw SpecError(path, "not UTF-8 text") }
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var records: [MetricsRecord] = []
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                records.append(try d.decode(MetricsRecord.self, from: Data(trimmed.utf8)))
            } catch {
                if i == lines.count - 1 && !text.hasSuffix("\n") { break }  // torn last line
                throw SpecError("\(path):\(i + 1)", "not a metrics record: \(Self.describe(error))")
            }
        }
        return records
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            let path = c.codingPath.map { $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "not a JSON object" : "bad value for '\(path)'"
        case DecodingError.dataCorrupted: return "not a JSON object"
        default: return "\(error)"
        }
    }
}

/// Appends records to a run's metrics file.
public final class MetricsWriter {
    public let path: String
    private let handle: FileHandle

    /// Opens `path` for appending, keeping only the records of steps before `resumingAt` (a `kill -9` can
    /// leave lines from steps after the checkpoint a run resumes from; 0 starts the file afresh).
    public init(path: String, resumingAt step: Int) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) && step > 0 {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let kept = text.split(separator: "\n").filter { line in
                guard let r = try? d.decode(MetricsRecord.self, from: Data(line.utf8)) else { return false }
                return r.step < step
            }
            try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: path)
        } else {
            try AtomicFile.write("", to: path)
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append(_ record: MetricsRecord) throws {
        var data = try record.jsonLine()
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }
}
