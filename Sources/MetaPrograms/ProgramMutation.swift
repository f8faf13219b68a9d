// The three mutations of the program search (docs/architecture.md §7), one third each: insert a random statement,
// delete one, or change one argument (to another variable or a constant, or scale a constant by 2^a
// with a ~ N(0, 1)). Mutations repeat until the pruned dataflow graph's hash changes, so a child is
// never the parent in disguise. Children may be invalid; the search checks them before evaluating.

import Foundation
import MetaCore

public enum ProgramMutation {
    /// Constants a new argument may take.
    public static let constantMenu: [Float] = [0.5, 0.9, 0.99, 0.999, 1e-8, 1e-3, 0.01, 0.1, 1, 2, -1]

    /// A child of `parent`: mutations applied until the graph hash differs (at most `maxTries`).
    public static func child(of parent: Program, rng: inout RandomGenerator, maxStatements: Int = 24, maxTries: Int = 50) -> Program {
        let parentHash = ProgramAnalysis.graphHash(parent)
        var p = parent
        p.header = []  // the parent's description no longer applies
        for _ in 0..<maxTries {
            p = mutate(p, rng: &rng, maxStatements: maxStatements)
            if ProgramAnalysis.graphHash(p) != parentHash { break }
        }
        return p
    }

    /// One random mutation.
    public static func mutate(_ program: Program, rng: inout RandomGenerator, maxStatements: Int = 24) -> Program {
        var p = program
        let kind = rng.int(below: 3)
        if kind == 0 && p.statements.count < maxStatements || p.statements.count <= 1 {
            let position = rng.int(below: p.statements.count + 1)
            p.statements.insert(randomStatement(p, at: position, rng: &rng), at: position)
        } else if kind == 1 || (kind == 0) {
            p.statements.remove(at: rng.int(below: p.statements.count))
        } else {
            let i = rng.int(below: p.statements.count)
            var s = p.statements[i]
            let j = rng.int(below: s.arguments.count)
            if case .constant(let x) = s.arguments[j], rng.uniformDouble() < 0.5 {
                let scaled = x * Float(pow(2, rng.normal()))
                s.arguments[j] = .constant(Float(String(format: "%.4g", scaled)) ?? scaled)
            } else {
                s.arguments[j] = randomOperand(p, at: i, rng: &rng)
            }
            p.statements[i] = s
        }
        return p
    }

    /// Names readable before statement `position`.
    static func variables(_ p: Program, before position: Int) -> [String] {
        var names = Program.inputs
        for s in p.statements[..<position] where !names.contains(s.target) { names.append(s.target) }
        return names
    }

    static func randomOperand(_ p: Program, at position: Int, rng: inout RandomGenerator) -> Operand {
        if rng.uniformDouble() < 0.7 { return .variable(rng.choice(variables(p, before: position))) }
        return .constant(rng.choice(constantMenu))
    }

    static func randomStatement(_ p: Program, at position: Int, rng: inout RandomGenerator) -> Statement {
        let function = rng.choice(ProgramFunction.allCases)
        // Assign an output, an existing temporary, or a new one.
        let temporaries = Set(p.statements.map(\.target)).subtracting(Program.inputs + Program.outputs).sorted()
        let target: String
        switch rng.int(below: 4) {
        case 0: target = rng.choice(Program.outputs)
        case 1 where !temporaries.isEmpty: target = rng.choice(temporaries)
        default:
            var k = 1
            while temporaries.contains("t\(k)") { k += 1 }
            target = "t\(k)"
        }
        // At least one variable operand, so the statement is not a constant.
        var args = (0..<function.arity).map { _ in randomOperand(p, at: position, rng: &rng) }
        if !args.contains(where: { if case .variable = $0 { return true } else { return false } }) {
            args[rng.int(below: args.count)] = .variable(rng.choice(variables(p, before: position)))
        }
        return Statement(target, function, args)
    }
}
