// What can be known about a program without running it on data: whether it can run (abstract
// execution over kinds and dependencies), which statements the outputs depend on (dead-statement
// removal) and a hash of the pruned dataflow graph that ignores variable names and dead code, so that
// the search evaluates each distinct optimizer once (docs/architecture.md §7).

import Foundation

public enum ProgramAnalysis {
    /// What abstract execution knows about a value.
    public struct AbstractValue: Hashable, Sendable {
        /// Varies per element (a tensor); false for constants, `lr` and values made only of them.
        public var isTensor: Bool
        /// The value when it is a compile-time constant.
        public var constant: Float?
        /// The inputs it depends on (a subset of w g m v lr).
        public var inputs: Set<String>
    }

    /// Runs the program abstractly and throws the first reason it cannot serve as an optimizer:
    /// a variable read before it is assigned; `update` never assigned; `update` and the state slots it
    /// reads at later steps must be tensors; `update` must depend on the gradient
    /// (directly or through m or v); a constant expression must be finite. Line numbers count
    /// statements (1-based), which equal file lines only for files without blank or comment lines;
    /// use `check(_:lines:)` to report file lines.
    public static func check(_ program: Program, lines: [Int]? = nil) throws {
        _ = try execute(program, lines: lines)
    }

    /// Abstract execution; returns the final environment.
    @discardableResult
    public static func execute(_ program: Program, lines: [Int]? = nil) throws -> [String: AbstractValue] {
        var env: [String: AbstractValue] = [:]
        for input in Program.inputs {
            env[input] = AbstractValue(isTensor: input != "lr", constant: nil, inputs: [input])
        }
        for (i, s) in program.statements.enumerated() {
            let line = lines?[i] ?? (i + 1)
            var args: [AbstractValue] = []
            for a in s.arguments {
                switch a {
                case .constant(let x):
                    args.append(AbstractValue(isTensor: false, constant: x, inputs: []))
                case .variable(let name):
                    guard let value = env[name] else {
                        throw ProgramError(line: line, column: 1, "'\(name)' is used before it is assigned (inputs: \(Program.inputs.joined(separator: ", ")))")
                    }
                    args.append(value)
                }
            }
            var result = AbstractValue(
                isTensor: s.function == .norm || args.contains(where: \.isTensor), constant: nil,
                inputs: args.reduce(into: Set<String>()) { $0.formUnion($1.inputs) })
            if s.function != .norm, args.allSatisfy({ $0.constant != nil }) {
                let c = args.map { $0.constant! } + [0, 0]
                let value = ProgramFunction.apply(s.function, c[0], c[1], c[2])
                guard value.isFinite else {
                    throw ProgramError(line: line, column: 1, "'\(s.description)' is a constant expression that is not finite (\(value))")
                }
                result.constant = value
            }
            env[s.target] = result
        }
        guard let update = env["update"] else {
            throw ProgramError(line: 0, column: 0, "the program never assigns 'update'")
        }
        // A state slot matters only when the update reads it at a later step (else it is a temporary).
        let live = liveOutputs(program)
        for output in live where !env[output]!.isTensor {
            throw ProgramError(line: 0, column: 0, "output '\(output)' must vary per parameter, but it depends only on constants and lr")
        }
        // Does the update see the gradient, now or through the state at a later step?
        var reaches: Set<String> = ["g"]
        var changed = true
        while changed {
            changed = false
            for slot in ["m", "v"] where !reaches.contains(slot) && !env[slot]!.inputs.isDisjoint(with: reaches) {
                reaches.insert(slot)
                changed = true
            }
        }
        guard !update.inputs.isDisjoint(with: reaches) else {
            throw ProgramError(line: 0, column: 0, "'update' never depends on the gradient g (neither directly nor through m or v)")
        }
        return env
    }

    /// The state slots (m, v) the update depends on, directly or through the other slot, across steps.
    public static func liveOutputs(_ program: Program) -> [String] {
        let deps = outputDependencies(program)
        var live: Set<String> = ["update"]
        var changed = true
        while changed {
            changed = false
            for out in Array(live) {
                for slot in ["m", "v"] where deps[out]!.contains(slot) && !live.contains(slot) {
                    live.insert(slot)
                    changed = true
                }
            }
        }
        return Program.outputs.filter { live.contains($0) }
    }

    /// Inputs each output reads (through its statements, within one step).
    static func outputDependencies(_ program: Program) -> [String: Set<String>] {
        var env: [String: Set<String>] = [:]
        for input in Program.inputs { env[input] = [input] }
        for s in program.statements {
            var deps = Set<String>()
            for case .variable(let n) in s.arguments { deps.formUnion(env[n] ?? []) }
            env[s.target] = deps
        }
        return Dictionary(uniqueKeysWithValues: Program.outputs.map { ($0, env[$0] ?? [$0]) })
    }

    /// The program without statements that no live output depends on. A state slot the update
    /// never reads (at any step) is dead too: its statements go and it keeps its input value.
    /// Header and learning rate are kept.
    public static func pruned(_ program: Program) -> Program {
        let live = liveOutputs(program)
        var needed = Set(live)
        var keep = [Bool](repeating: false, count: program.statements.count)
        for i in program.statements.indices.reversed() {
            let s = program.statements[i]
            guard needed.contains(s.target) else { continue }
            keep[i] = true
            needed.remove(s.target)
            for case .variable(let n) in s.arguments { needed.insert(n) }
        }
        var result = program
        result.statements = program.statements.indices.filter { keep[$0] }.map { program.statements[$0] }
        return result
    }

    /// A 64-bit hash of the pruned dataflow graph: each value is hashed from its function and the
    /// hashes of its operands (sorted for + × max min), inputs by name and constants by value, so
    /// variable names, statement order among independent statements and dead statements do not
    /// change it. Dead state slots hash as their unchanged input. Stable across runs and machines
    /// (no per-process seeded hashing).
    public static func graphHash(_ program: Program) -> UInt64 {
        let p = pruned(program)
        let live = Set(liveOutputs(program))
        var env: [String: UInt64] = [:]
        for input in Program.inputs { env[input] = mix(0x1_0000 &+ fnv(input)) }
        for s in p.statements {
            var hashes = s.arguments.map { a -> UInt64 in
                switch a {
                case .variable(let n): return env[n] ?? mix(fnv("undefined:" + n))
                case .constant(let x): return mix(0x2_0000 &+ UInt64(x.bitPattern == (-0.0 as Float).bitPattern ? 0 : x.bitPattern))
                }
            }
            if s.function.isCommutative { hashes.sort() }
            var h = mix(0x3_0000 &+ fnv(s.function.rawValue))
            for a in hashes { h = mix(h ^ a &* 0x9E37_79B9_7F4A_7C15) }
            env[s.target] = h
        }
        var total: UInt64 = 0x5EED
        for output in Program.outputs {
            // A slot the update never reads at a later step hashes as its unchanged input.
            let h = live.contains(output) ? env[output] ?? mix(fnv("unassigned:" + output)) : mix(0x1_0000 &+ fnv(output))
            total = mix(total ^ h &+ fnv(output))
        }
        return total
    }

    static func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
