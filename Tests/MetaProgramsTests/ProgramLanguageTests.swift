// The program language: printing and parsing are inverse, errors give line and column, abstract
// execution rejects programs that cannot serve as optimizers, and the cache hash sees through renamed
// variables and dead code.

import Foundation
import XCTest
import MetaCore
@testable import MetaPrograms

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class ProgramLanguageTests: XCTestCase {
    /// Every function, infix and call forms, negative and exponent literals, a header.
    static let everything = """
        # every function once
        # lr: 0.05
        a = g + 1
        b = a - -2.5e-3
        c = b * w
        d = c / 3
        e = max(d, m)
        f = min(e, v)
        h = interp(f, g, 0.25)
        i = sign(h)
        j = abs(i)
        k = sqrt(j)
        l = square(k)
        n = exp(l)
        o = log(n)
        p = sin(o)
        q = cos(p)
        r = tanh(q)
        s = clip(r, 0.5)
        t = power(s, 1.5)
        u = norm(t)
        x = reciprocal(u)
        m = x * g
        update = m * lr
        """

    func testPrintedProgramsParseBackToThemselves() throws {
        let texts = KnownPrograms.texts.map(\.text) + [Self.everything]
        for text in texts {
            let program = try ProgramParser.parseChecked(text)
            let again = try ProgramParser.parseChecked(program.text)
            XCTAssertEqual(again, program, program.text)
            XCTAssertEqual(again.text, program.text)
        }
        let all = try ProgramParser.parse(Self.everything)
        XCTAssertEqual(Set(all.statements.map(\.function)), Set(ProgramFunction.allCases), "the sample covers the function set")
        XCTAssertEqual(all.learningRate, 0.05)
        XCTAssertEqual(all.header, ["every function once"])
        XCTAssertEqual(all.statements[1].arguments[1], .constant(-2.5e-3))
        XCTAssertEqual(all.statements[0].description, "a = g + 1")
        XCTAssertEqual(all.statements[4].description, "e = max(d, m)")
    }

    func testShippedProgramFilesAreTheKnownPrograms() throws {
        for (name, text) in KnownPrograms.texts {
            let file = try String(contentsOf: packageRoot.appendingPathComponent("Programs/\(name).prog"), encoding: .utf8)
            XCTAssertEqual(file, text, "Programs/\(name).prog differs from KnownPrograms")
        }
    }

    func testSyntaxErrorsNameLineAndColumn() {
        let cases: [(text: String, line: Int, column: Int, contains: String)] = [
            ("update = g * lr\nx = foo(g)\n", 2, 5, "unknown function 'foo'"),
            ("# c\n\nupdate g * lr\n", 3, 8, "expected '='"),
            ("update = interp(g, m)\n", 1, 10, "interp takes 3 arguments, found 2"),
            ("update = g * lr * 2\n", 1, 17, "one function per statement"),
            ("  update = g ^ lr\n", 1, 14, "expected an operator"),
            ("update = g * \n", 1, 14, "expected a variable or a number"),
            ("update = sign(g,)\n", 1, 17, "expected a variable or a number"),
            ("update = g\n", 1, 10, "a statement applies one function"),
            ("3x = g * lr\n", 1, 1, "expected a variable name"),
            ("sqrt = g * lr\n", 1, 1, "function name"),
            ("# lr: fast\nupdate = g * lr\n", 1, 1, "'# lr:' header needs a non-negative number"),
            ("update = g * 1e39\n", 1, 14, "out of the Float range"),
        ]
        for c in cases {
            XCTAssertThrowsError(try ProgramParser.parse(c.text, file: "p.prog"), c.text) { error in
                guard let e = error as? ProgramError else { return XCTFail("\(error)") }
                XCTAssertEqual([e.line, e.column], [c.line, c.column], "\(c.text): \(e)")
                XCTAssertTrue(e.message.contains(c.contains), "\(c.text): \(e)")
                XCTAssertTrue(e.description.hasPrefix("p.prog:\(c.line):\(c.column): "), e.description)
            }
        }
        XCTAssertThrowsError(try ProgramParser.parse("# only a comment\n")) { error in
            XCTAssertTrue("\(error)".contains("no statements"), "\(error)")
        }
    }

    func testCRLFFilesParseLikeLFFiles() throws {
        for text in KnownPrograms.texts.map(\.text) + [Self.everything] {
            let lf = try ProgramParser.parseChecked(text)
            let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
            XCTAssertEqual(try ProgramParser.parseChecked(crlf), lf)
        }
        // Errors keep their lines.
        XCTAssertThrowsError(try ProgramParser.parse("# c\r\n\r\nupdate g * lr\r\n")) { error in
            XCTAssertEqual((error as? ProgramError).map { [$0.line, $0.column] }, [3, 8], "\(error)")
        }
    }

    /// The language has no nested expressions (one function per statement, read by a loop, not by
    /// recursion), so any nesting is a syntax error at once, whatever its depth.
    func testDeeplyNestedExpressionsAreSyntaxErrors() {
        for depth in [2, 100_000] {
            let text = "update = " + String(repeating: "sqrt(", count: depth) + "g" + String(repeating: ")", count: depth) + "\n"
            XCTAssertThrowsError(try ProgramParser.parse(text)) { error in
                XCTAssertEqual((error as? ProgramError)?.line, 1, "\(error)".prefix(200).description)
            }
        }
    }

    func testAbstractExecutionRejectsProgramsThatCannotRun() {
        let cases: [(text: String, line: Int, contains: String)] = [
            ("u = g * 2\n# comment\nupdate = q * lr\n", 3, "'q' is used before it is assigned"),
            ("m = interp(g, m, 0.9)\n", 0, "never assigns 'update'"),
            ("update = lr * 2\n", 0, "'update' must vary per parameter"),
            ("t = m * g\nm = lr * 0.9\nupdate = t * lr\n", 0, "'m' must vary per parameter"),
            ("update = w * lr\n", 0, "never depends on the gradient"),
            ("v = m * 2\nupdate = v * lr\n", 0, "never depends on the gradient"),
            ("c = log(0)\nupdate = g * c\n", 1, "not finite"),
            ("c = 1 / 0\nupdate = g * c\n", 1, "not finite"),
        ]
        for c in cases {
            XCTAssertThrowsError(try ProgramParser.parseChecked(c.text, file: "bad.prog"), c.text) { error in
                guard let e = error as? ProgramError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.line, c.line, "\(c.text): \(e)")
                XCTAssertTrue(e.message.contains(c.contains), "\(c.text): \(e)")
                XCTAssertEqual(e.file, "bad.prog")
            }
        }
        // Through the state: m depends on g, the update on m — valid.
        XCTAssertNoThrow(try ProgramParser.parseChecked("m = interp(g, m, 0.9)\nupdate = m * lr\n"))
        // A loaded file that is missing is a clear error.
        XCTAssertThrowsError(try ProgramParser.load(path: "/nonexistent/x.prog")) { error in
            XCTAssertTrue("\(error)".contains("cannot read the program file"), "\(error)")
        }
    }

    func testRenamedAndPaddedProgramsHashAlike() throws {
        let adamw = KnownPrograms.adamw
        let renamed = try ProgramParser.parseChecked("""
            # lr: 0.001
            junk = exp(w)
            sq = g * g
            first = interp(g, m, 0.9)
            v = interp(sq, v, 0.999)
            root = sqrt(v)
            unused = root * root
            den = 1e-08 + root
            ratio = first / den
            decay = w * 0.01
            step = decay + ratio
            update = step * lr
            m = interp(g, m, 0.9)
            deadslot = norm(unused)
            """)
        XCTAssertEqual(ProgramAnalysis.graphHash(renamed), ProgramAnalysis.graphHash(adamw),
                       "renamed variables, dead statements and swapped operands of + must hit the cache")
        let body = ProgramAnalysis.pruned(renamed).body
        XCTAssertFalse(body.contains("junk") || body.contains("unused") || body.contains("deadslot"), body)
        // A different constant, operand order of a non-commutative function, or a live extra step changes it.
        var changed = adamw
        changed.statements[1] = Statement("m", .interp, [.variable("g"), .variable("m"), .constant(0.8)])
        XCTAssertNotEqual(ProgramAnalysis.graphHash(changed), ProgramAnalysis.graphHash(adamw))
        changed = adamw
        changed.statements[5] = Statement("u", .div, [.variable("s"), .variable("m")])
        XCTAssertNotEqual(ProgramAnalysis.graphHash(changed), ProgramAnalysis.graphHash(adamw))
        changed = adamw
        changed.statements.append(Statement("update", .mul, [.variable("update"), .constant(1)]))
        XCTAssertNotEqual(ProgramAnalysis.graphHash(changed), ProgramAnalysis.graphHash(adamw))
    }

    func testPruningRemovesStatementsAndStateSlotsTheUpdateNeverReads() throws {
        // v is updated but never read by the update, at any step: its statements are dead.
        let p = try ProgramParser.parseChecked("""
            g2 = g * g
            v = interp(g2, v, 0.999)
            t = exp(g)
            m = interp(g, m, 0.9)
            s = sign(m)
            update = s * lr
            """)
        XCTAssertEqual(ProgramAnalysis.liveOutputs(p), ["update", "m"])
        XCTAssertEqual(ProgramAnalysis.pruned(p).body, "m = interp(g, m, 0.9)\ns = sign(m)\nupdate = s * lr")
        // m used as a temporary within the step is not state: only v carries over.
        let q = try ProgramParser.parseChecked("v = interp(g, v, 0.9)\nm = v * 2\nupdate = m * lr\n")
        XCTAssertEqual(ProgramAnalysis.liveOutputs(q), ["update", "v"])
        // A scalar in a slot that is only a temporary is fine, and pruning keeps the program valid.
        let scalarTemp = try ProgramParser.parseChecked("v = lr * 2\nt = g * v\nv = t * 1\nupdate = t * lr\n")
        XCTAssertNoThrow(try ProgramAnalysis.check(ProgramAnalysis.pruned(scalarTemp)))
        XCTAssertNoThrow(try ProgramOptimizer(scalarTemp))
        XCTAssertEqual(ProgramAnalysis.pruned(q).statements.count, 3)
        // Through the other slot across steps: update reads m's input, m reads v's input.
        let r = try ProgramParser.parseChecked("t = m * 2\nm = interp(t, v, 0.5)\nv = interp(g, v, 0.9)\nupdate = t * lr\n")
        XCTAssertEqual(ProgramAnalysis.liveOutputs(r), ["update", "m", "v"])
    }

    func testMutationsChangeTheGraphAndStayWithinTheLengthCap() {
        var rng = RandomKey(seed: 7).generator()
        var p = KnownPrograms.adamw
        var kinds = Set<Int>()
        for _ in 0..<300 {
            let child = ProgramMutation.child(of: p, rng: &rng, maxStatements: 12)
            XCTAssertNotEqual(ProgramAnalysis.graphHash(child), ProgramAnalysis.graphHash(p))
            XCTAssertLessThanOrEqual(child.statements.count, 12)
            kinds.insert(child.statements.count - p.statements.count > 0 ? 1 : child.statements.count < p.statements.count ? -1 : 0)
            // Every printed child parses back (mutations only build well-formed statements).
            XCTAssertEqual(try? ProgramParser.parse(child.text), child)
            if (try? ProgramAnalysis.check(child)) != nil { p = child }
        }
        XCTAssertEqual(kinds, [-1, 0, 1], "insertions, deletions and argument changes all occur")
    }
}
