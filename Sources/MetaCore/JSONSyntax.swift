// JSON syntax errors with a place: Foundation's JSONDecoder says only "The given data was not valid
// JSON."; JSONSerialization says "around character N" (a byte offset). This turns that into the file,
// line and column (1-based) a person can go to.

import Foundation

public enum JSONSyntax {
    /// The syntax error in `data`, located at `file:LINE:COLUMN`; nil when `data` is valid JSON.
    public static func error(in data: Data, file: String?) -> SpecError? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let said = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            var why = said
            var offset = data.count  // "Unexpected end of file" names no offset: the end.
            if let r = said.range(of: " around character ") {
                why = String(said[..<r.lowerBound])
                let digits = said[r.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits) { offset = min(n, data.count) }
            }
            if why.hasSuffix(".") { why.removeLast() }
            if why.hasSuffix(" during JSON parse") { why.removeLast(" during JSON parse".count) }
            if let first = why.first { why = first.lowercased() + why.dropFirst() }
            let (line, column) = lineAndColumn(offset: offset, in: data)
            let place = "\(line):\(column)"
            return SpecError(file.map { "\($0):\(place)" } ?? "line \(line), column \(column)", "not valid JSON: \(why)")
        }
    }

    /// The 1-based line and column (in characters) of the byte at `offset`.
    public static func lineAndColumn(offset: Int, in data: Data) -> (line: Int, column: Int) {
        let bytes = [UInt8](data.prefix(max(0, offset)))
        var line = 1, lineStart = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart...], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }
}

extension SpecError {
    /// `from(_:file:)`, with the line and column of a JSON syntax error found in `data` (the text that
    /// failed to decode).
    public static func from(_ error: Error, file: String?, data: Data) -> SpecError {
        if case DecodingError.dataCorrupted(let context) = error, context.codingPath.isEmpty,
           let syntax = JSONSyntax.error(in: data, file: file) {
            return syntax
        }
        return from(error, file: file)
    }
}
