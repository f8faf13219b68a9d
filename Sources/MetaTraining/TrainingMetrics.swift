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
    /// Seconds of the run's wall time (continued across resumes).
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
    /// An outer step and the seconds of the run's wall time (continued across resumes: a resumed run
    /// starts from the last kept record's).
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
    /// writing it) is skipped, as a resumed run would drop it; `readSkippingTornLine` says so.
    public static func read(path: String) throws -> [MetricsRecord] {
        try readSkippingTornLine(path: path).records
    }

    /// The records of a metrics file and whether an unfinished last line (no newline, not a whole
    /// record: a run killed or a disk filled while writing it) was skipped.
    public static func readSkippingTornLine(path: String) throws -> (records: [MetricsRecord], skippedTornLine: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { throw SpecError(path, "not found") }
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Lines as bytes: a torn last line may end inside a multi-byte character.
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let unfinished = data.last != 0x0A
        var records: [MetricsRecord] = []
        for (i, line) in lines.enumerated() {
            let isLast = i == lines.count - 1
            guard let text = String(data: Data(line), encoding: .utf8) else {
                if isLast && unfinished { return (records, true) }
                throw SpecError("\(path):\(i + 1)", "not UTF-8 text")
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                records.append(try d.decode(MetricsRecord.self, from: Data(trimmed.utf8)))
            } catch {
                if isLast && unfinished { return (records, true) }
                throw SpecError("\(path):\(i + 1)", "not a metrics record: \(Self.describe(error))")
            }
        }
        return (records, false)
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

/// Appends records to a run's metrics file. Each record is one line written with one `write(2)`;
/// a failed write is cut back to the last whole line, so the file never ends in a torn record.
public final class MetricsWriter {
    public let path: String
    private let fd: Int32
    /// The file's length after the last whole record.
    private var length: off_t
    /// The records a resumed run kept (those of steps before it resumes), in file order.
    public let keptRecords: [MetricsRecord]

    /// Opens `path` for appending, keeping only the records of steps before `resumingAt` (a `kill -9` can
    /// leave lines from steps after the checkpoint a run resumes from; 0 starts the file afresh).
    public init(path: String, resumingAt step: Int) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) && step > 0 {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let kept = text.split(separator: "\n").compactMap { line -> (String, MetricsRecord)? in
                guard let r = try? d.decode(MetricsRecord.self, from: Data(line.utf8)), r.step < step else { return nil }
                return (String(line), r)
            }
            try AtomicFile.write(kept.map { $0.0 + "\n" }.joined(), to: path)
            keptRecords = kept.map(\.1)
        } else {
            try AtomicFile.write("", to: path)
            keptRecords = []
        }
        fd = open(path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw SpecError(path, "cannot open for appending: \(FileErrors.reason(errno: errno))") }
        length = lseek(fd, 0, SEEK_END)
    }

    deinit { close(fd) }

    public func append(_ record: MetricsRecord) throws {
        var data = try record.jsonLine()
        data.append(0x0A)
        var failure: Int32 = 0
        let written = data.withUnsafeBytes { raw -> Int in
            var at = 0
            while at < raw.count {
                let n = write(fd, raw.baseAddress! + at, raw.count - at)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? errno : ENOSPC
                    break
                }
                at += n
            }
            return at
        }
        guard written == data.count else {
            // Cut a partial line back off, so readers and a resumed run see whole records only.
            let cut = written == 0 || ftruncate(fd, length) == 0
            throw SpecError(path, "cannot append the record of outer step \(record.step): \(FileErrors.reason(errno: failure))"
                + (cut ? "; the file is kept up to the last whole record" : "; the last line is incomplete (readers skip it)"))
        }
        length += off_t(written)
    }
}
