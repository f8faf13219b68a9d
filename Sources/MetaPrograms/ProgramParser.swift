// Reads the text form of a program (see Program.swift). Every error names the line and column
// (1-based) where reading stopped, and the file when one is given.

import Foundation
import MetaCore

/// A syntax or validity error at a place in a program's text.
public struct ProgramError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, or "" for text given directly.
    public var file: String
    /// 1-based; 0 when the error concerns the whole program (e.g. an output never assigned).
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String = "", line: Int, column: Int, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(line):\(column)" : ""
        let prefix = [file, place].filter { !$0.isEmpty }.joined(separator: ":")
        return prefix.isEmpty ? message : "\(prefix): \(message)"
    }
}

public enum ProgramParser {
    /// Parses a program. `file` only labels errors. Syntax is checked here; whether the program can
    /// run (variables defined before use, outputs assigned, types) is `ProgramAnalysis.check`, which
    /// `parseChecked` also runs.
    public static func parse(_ text: String, file: String = "") throws -> Program {
        try parseWithLines(text, file: file).program
    }

    /// The program and the file line of each statement.
    static func parseWithLines(_ text: String, file: String) throws -> (program: Program, lines: [Int]) {
        var lines: [Int] = []
        var statements: [Statement] = []
        var header: [String] = []
        var learningRate: Float?
        var inHeader = true
        // "\r\n" is one Character in Swift, so splitting at "\n" alone would keep a CRLF file in one line.
        let fileLines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in fileLines.enumerated() {
            let lineNumber = index + 1
            let line = Array(String(rawLine).replacingOccurrences(of: "\r", with: ""))
            let commentStart = line.firstIndex(of: "#") ?? line.count
            let code = Array(line[..<commentStart])
            if commentStart < line.count {
                var comment = String(line[(commentStart + 1)...])
                if comment.hasPrefix(" ") { comment.removeFirst() }
                let trimmed = comment.trimmingCharacters(in: .whitespaces)
                if trimmed.lowercased().hasPrefix("lr:") {
                    let value = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    guard let lr = Float(value), lr.isFinite, lr >= 0 else {
                        throw ProgramError(file: file, line: lineNumber, column: commentStart + 1,
                                           "the '# lr:' header needs a non-negative number, found '\(value)'")
                    }
                    guard learningRate == nil else {
                        throw ProgramError(file: file, line: lineNumber, column: commentStart + 1, "a second '# lr:' header")
                    }
                    learningRate = lr
                } else if inHeader && code.allSatisfy(\.isWhitespace) {
                    header.append(comment)
                }
            }
            if code.allSatisfy(\.isWhitespace) { continue }
            inHeader = false
            var scanner = Scanner(characters: code, line: lineNumber, file: file)
            statements.append(try scanner.statement())
            lines.append(lineNumber)
        }
        guard !statements.isEmpty else {
            throw ProgramError(file: file, line: 0, column: 0, "the program has no statements (it must assign 'update')")
        }
        // Trailing empty comment lines of the header carry nothing.
        while header.last?.isEmpty == true { header.removeLast() }
        return (Program(statements, learningRate: learningRate, header: header), lines)
    }

    /// Parses and checks that the program can run (`ProgramAnalysis.check`).
    public static func parseChecked(_ text: String, file: String = "") throws -> Program {
        let (program, lines) = try parseWithLines(text, file: file)
        do { try ProgramAnalysis.check(program, lines: lines) } catch var e as ProgramError {
            e.file = file
            throw e
        }
        return program
    }

    /// Reads and checks a program file.
    public static func load(path: String) throws -> Program {
        if let why = FileErrors.notARegularFile(path) {
            throw ProgramError(file: path, line: 0, column: 0, "cannot read the program file (\(why))")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ProgramError(file: path, line: 0, column: 0, "cannot read the program file (\(FileErrors.reason(error)))")
        }
        return try parseChecked(text, file: path)
    }

    /// A cursor over one line's code (comments removed).
    struct Scanner {
        let characters: [Character]
        let line: Int
        let file: String
        var position = 0

        init(characters: [Character], line: Int, file: String) {
            self.characters = characters
            self.line = line
            self.file = file
        }

        func error(_ message: String, at column: Int? = nil) -> ProgramError {
            ProgramError(file: file, line: line, column: (column ?? position) + 1, message)
        }

        var current: Character? { position < characters.count ? characters[position] : nil }

        mutating func skipSpaces() {
            while let c = current, c.isWhitespace { position += 1 }
        }

        static func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        static func isNameCharacter(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) }

        mutating func name() -> String? {
            guard let c = current, Self.isNameStart(c) else { return nil }
            let start = position
            while let c = current, Self.isNameCharacter(c) { position += 1 }
            return String(characters[start..<position])
        }

        /// A numeric literal: optional sign, digits with an optional point, optional exponent.
        mutating func number() throws -> Float? {
            let start = position
            var end = position
            if end < characters.count, characters[end] == "-" || characters[end] == "+" { end += 1 }
            let digitsStart = end
            while end < characters.count, characters[end].isASCII, characters[end].isNumber || characters[end] == "." { end += 1 }
            guard end > digitsStart else { return nil }
            if end < characters.count, characters[end] == "e" || characters[end] == "E" {
                var e = end + 1
                if e < characters.count, characters[e] == "-" || characters[e] == "+" { e += 1 }
                let expDigits = e
                while e < characters.count, characters[e].isASCII, characters[e].isNumber { e += 1 }
                if e > expDigits { end = e }
            }
            let text = String(characters[start..<end])
            guard let x = Float(text) else { throw error("'\(text)' is not a number", at: start) }
            guard x.isFinite else { throw error("'\(text)' is out of the Float range", at: start) }
            position = end
            return x
        }

        mutating func operand() throws -> Operand {
            skipSpaces()
            if let n = name() { return .variable(n) }
            if let x = try number() { return .constant(x) }
            guard let c = current else { throw error("expected a variable or a number, found the end of the line") }
            throw error("expected a variable or a number, found '\(c)'")
        }

        mutating func statement() throws -> Statement {
            skipSpaces()
            let targetColumn = position
            guard let target = name() else {
                throw error(current.map { "expected a variable name to assign, found '\($0)'" } ?? "expected a statement", at: targetColumn)
            }
            if Self.reservedFunctionName(target) {
                throw error("'\(target)' is a function name and cannot be assigned", at: targetColumn)
            }
            skipSpaces()
            guard current == "=" else {
                throw error(current.map { "expected '=' after '\(target)', found '\($0)'" } ?? "expected '=' after '\(target)'")
            }
            position += 1
            skipSpaces()
            let exprColumn = position
            // A call NAME(…)?
            let save = position
            if let fname = name() {
                skipSpaces()
                if current == "(" {
                    guard let function = ProgramFunction(rawValue: fname) else {
                        throw error("unknown function '\(fname)'; functions: \(ProgramFunction.allCases.map(\.rawValue).joined(separator: ", "))", at: exprColumn)
                    }
                    position += 1
                    var args: [Operand] = []
                    skipSpaces()
                    if current == ")" {
                        position += 1
                    } else {
                        while true {
                            args.append(try operand())
                            skipSpaces()
                            if current == "," { position += 1; continue }
                            if current == ")" { position += 1; break }
                            throw error(current.map { "expected ',' or ')', found '\($0)'" } ?? "expected ')' before the end of the line")
                        }
                    }
                    guard args.count == function.arity else {
                        throw error("\(function.rawValue) takes \(function.arity) argument\(function.arity == 1 ? "" : "s"), found \(args.count)", at: exprColumn)
                    }
                    try end()
                    return Statement(target, function, args)
                }
                position = save
            }
            let first = try operand()
            skipSpaces()
            guard let c = current else {
                throw error("a statement applies one function: write 'x = f(a, …)' or 'x = a OP b' (OP one of + - * /); to copy, write 'x = a * 1'", at: exprColumn)
            }
            guard let function = ProgramFunction.infix(c) else {
                throw error("expected an operator + - * / or the end of the line, found '\(c)'")
            }
            position += 1
            let second = try operand()
            try end()
            return Statement(target, function, [first, second])
        }

        mutating func end() throws {
            skipSpaces()
            if let c = current {
                throw error("unexpected '\(c)': one function per statement (split longer expressions over several lines)")
            }
        }

        static func reservedFunctionName(_ name: String) -> Bool { ProgramFunction(rawValue: name) != nil }
    }
}
