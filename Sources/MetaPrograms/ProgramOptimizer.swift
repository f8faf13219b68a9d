// Programs as optimizers: a program is compiled once into register instructions (dead statements
// removed, constant expressions folded, every variable resolved to a register index), and each step
// runs every instruction as one vectorizable loop over the flat parameter vector. There are no name
// lookups at run time. `norm` is the only per-tensor operation: a reduction over each tensor of the
// layout, broadcast back. Deliberately not here: fusing statements into one pass (the loops are
// memory-bound but the tasks this serves are small).

import Foundation
import MetaCore
import MetaOptimizers

/// A program compiled to register instructions.
public struct CompiledProgram: Sendable {
    /// Where an operand lives: a tensor register (0 w, 1 g, 2 m, 3 v, then temporaries) or a scalar
    /// register (0 lr, then constants and scalar temporaries).
    public enum Source: Hashable, Sendable {
        case tensor(Int)
        case scalar(Int)
    }

    struct Instruction: Sendable {
        var function: ProgramFunction
        var arguments: [Source]
        var destination: Source
    }

    static let inputRegisters: [String: Source] = ["w": .tensor(0), "g": .tensor(1), "m": .tensor(2), "v": .tensor(3), "lr": .scalar(0)]

    var instructions: [Instruction] = []
    /// Values of the scalar registers known at compile time (lr and scalar temporaries are nil).
    var scalarConstants: [Float?] = [nil]
    var tensorRegisters = 4
    var update: Source = .tensor(0)
    var m: Source = .tensor(2)
    var v: Source = .tensor(3)

    /// Compiles the pruned program; throws what `ProgramAnalysis.check` throws.
    public init(_ program: Program) throws {
        try ProgramAnalysis.check(program)
        let pruned = ProgramAnalysis.pruned(program)
        var env = Self.inputRegisters
        var constantRegisters: [UInt32: Int] = [:]
        for s in pruned.statements {
            var args: [Source] = []
            for a in s.arguments {
                switch a {
                case .variable(let name): args.append(env[name]!)  // check() proved it is defined
                case .constant(let x):
                    if let r = constantRegisters[x.bitPattern] {
                        args.append(.scalar(r))
                    } else {
                        scalarConstants.append(x)
                        constantRegisters[x.bitPattern] = scalarConstants.count - 1
                        args.append(.scalar(scalarConstants.count - 1))
                    }
                }
            }
            let isTensor = s.function == .norm || args.contains { if case .tensor = $0 { return true } else { return false } }
            let destination: Source
            if isTensor {
                destination = .tensor(tensorRegisters)
                tensorRegisters += 1
            } else {
                let known = args.map { a -> Float? in if case .scalar(let r) = a { return scalarConstants[r] } else { return nil } }
                if known.allSatisfy({ $0 != nil }) {
                    let c = known.map { $0! } + [0, 0]
                    scalarConstants.append(ProgramFunction.apply(s.function, c[0], c[1], c[2]))
                    env[s.target] = .scalar(scalarConstants.count - 1)
                    continue
                }
                scalarConstants.append(nil)
                destination = .scalar(scalarConstants.count - 1)
            }
            instructions.append(Instruction(function: s.function, arguments: args, destination: destination))
            env[s.target] = destination
        }
        update = env["update"]!
        m = env["m"]!
        v = env["v"]!
    }

    /// Statements that run per step (after pruning and constant folding).
    public var instructionCount: Int { instructions.count }

    enum Arg {
        case p(UnsafePointer<Float>)
        case s(Float)

        @inline(__always) func at(_ i: Int) -> Float {
            switch self {
            case .p(let x): return x[i]
            case .s(let x): return x
            }
        }
    }

    /// One step for a flat vector of `count` elements: reads w, g, m, v and lr; writes the
    /// program's `update` (the amount to subtract), and the new m and v.
    func run(
        count n: Int, layout: ParameterLayout, learningRate: Float,
        w: UnsafePointer<Float>, g: UnsafePointer<Float>, m mIn: UnsafePointer<Float>, v vIn: UnsafePointer<Float>,
        updateOut: UnsafeMutablePointer<Float>, mOut: UnsafeMutablePointer<Float>, vOut: UnsafeMutablePointer<Float>
    ) {
        var scalars = scalarConstants.map { $0 ?? 0 }
        scalars[0] = learningRate
        let temporaries = tensorRegisters - 4
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, temporaries * n))
        defer { scratch.deallocate() }
        func pointer(_ r: Int) -> UnsafeMutablePointer<Float> {
            switch r {
            case 0: return UnsafeMutablePointer(mutating: w)
            case 1: return UnsafeMutablePointer(mutating: g)
            case 2: return UnsafeMutablePointer(mutating: mIn)
            case 3: return UnsafeMutablePointer(mutating: vIn)
            default: return scratch + (r - 4) * n
            }
        }
        func arg(_ s: Source) -> Arg {
            switch s {
            case .tensor(let r): return .p(UnsafePointer(pointer(r)))
            case .scalar(let r): return .s(scalars[r])
            }
        }
        for ins in instructions {
            switch ins.destination {
            case .scalar(let r):
                let a = ins.arguments.map { arg($0).at(0) } + [0, 0]
                scalars[r] = ProgramFunction.apply(ins.function, a[0], a[1], a[2])
            case .tensor(let r):
                let out = pointer(r)
                let args = ins.arguments.map(arg)
                if ins.function == .norm {
                    Self.norm(n, args[0], layout: layout, out)
                } else {
                    Self.kernel(ins.function, n, args, out)
                }
            }
        }
        func copy(_ s: Source, _ out: UnsafeMutablePointer<Float>, negate: Bool) {
            switch arg(s) {
            case .p(let x):
                if negate { for i in 0..<n { out[i] = -x[i] } } else if x != UnsafePointer(out) { out.update(from: x, count: n) }
            case .s(let x): out.update(repeating: negate ? -x : x, count: n)
            }
        }
        copy(update, updateOut, negate: true)
        copy(m, mOut, negate: false)
        copy(v, vOut, negate: false)
    }

    /// L2 norm over each tensor of the layout (the whole vector when the layout does not cover it).
    static func norm(_ n: Int, _ a: Arg, layout: ParameterLayout, _ out: UnsafeMutablePointer<Float>) {
        let ranges = layout.count == n && !layout.tensors.isEmpty ? layout.tensors.map(\.range) : [0..<n]
        for range in ranges {
            var sum = 0.0
            for i in range { let x = Double(a.at(i)); sum += x * x }
            let value = Float(sum.squareRoot())
            for i in range { out[i] = value }
        }
    }

    @inline(__always)
    static func map1(_ n: Int, _ a: Arg, _ o: UnsafeMutablePointer<Float>, _ f: (Float) -> Float) {
        switch a {
        case .p(let x): for i in 0..<n { o[i] = f(x[i]) }
        case .s(let x): o.update(repeating: f(x), count: n)
        }
    }

    @inline(__always)
    static func map2(_ n: Int, _ a: Arg, _ b: Arg, _ o: UnsafeMutablePointer<Float>, _ f: (Float, Float) -> Float) {
        switch (a, b) {
        case let (.p(x), .p(y)): for i in 0..<n { o[i] = f(x[i], y[i]) }
        case let (.p(x), .s(y)): for i in 0..<n { o[i] = f(x[i], y) }
        case let (.s(x), .p(y)): for i in 0..<n { o[i] = f(x, y[i]) }
        case let (.s(x), .s(y)): o.update(repeating: f(x, y), count: n)
        }
    }

    /// One element-wise function over the vector; each case is its own specialized loop.
    static func kernel(_ f: ProgramFunction, _ n: Int, _ a: [Arg], _ o: UnsafeMutablePointer<Float>) {
        switch f {
        case .add: map2(n, a[0], a[1], o) { $0 + $1 }
        case .sub: map2(n, a[0], a[1], o) { $0 - $1 }
        case .mul: map2(n, a[0], a[1], o) { $0 * $1 }
        case .div: map2(n, a[0], a[1], o) { $0 / $1 }
        case .max: map2(n, a[0], a[1], o) { Swift.max($0, $1) }
        case .min: map2(n, a[0], a[1], o) { Swift.min($0, $1) }
        case .clip: map2(n, a[0], a[1], o) { x, c in let l = Swift.abs(c); return Swift.min(Swift.max(x, -l), l) }
        case .power: map2(n, a[0], a[1], o) { Foundation.pow(Swift.abs($0), $1) }
        case .interp:
            if case .p(let x) = a[0], case .p(let y) = a[1], case .s(let t) = a[2] {
                let s = 1 - t
                for i in 0..<n { o[i] = s * x[i] + t * y[i] }
            } else {
                let x = a[0], y = a[1], t = a[2]
                for i in 0..<n { let ti = t.at(i); o[i] = (1 - ti) * x.at(i) + ti * y.at(i) }
            }
        case .sign: map1(n, a[0], o) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .abs: map1(n, a[0], o) { Swift.abs($0) }
        case .sqrt: map1(n, a[0], o) { Swift.abs($0).squareRoot() }
        case .square: map1(n, a[0], o) { $0 * $0 }
        case .reciprocal: map1(n, a[0], o) { 1 / $0 }
        case .exp: map1(n, a[0], o) { Foundation.exp($0) }
        case .log: map1(n, a[0], o) { Foundation.log(Swift.abs($0)) }
        case .sin: map1(n, a[0], o) { Foundation.sin($0) }
        case .cos: map1(n, a[0], o) { Foundation.cos($0) }
        case .tanh: map1(n, a[0], o) { Foundation.tanh($0) }
        case .norm: preconditionFailure("norm is reduced per tensor")
        }
    }
}

/// A program as an `Optimizer`: state is (m, v), zero at the start; each step feeds (w, g, m, v, lr)
/// to the program and returns `−update` as the step to add (so `w ← w − update`).
public struct ProgramOptimizer: Optimizer {
    public struct State: Codable, Sendable, Equatable {
        public var m: [Float]
        public var v: [Float]
    }

    /// The program as given (its text is what users see).
    public let program: Program
    /// The value of the `lr` input.
    public let learningRate: Float
    public let compiled: CompiledProgram

    /// `learningRate` defaults to the program's `# lr:` header, else `Program.defaultLearningRate`.
    public init(_ program: Program, learningRate: Float? = nil) throws {
        self.program = program
        self.learningRate = learningRate ?? program.learningRate ?? Program.defaultLearningRate
        compiled = try CompiledProgram(program)
    }

    public func initialState(parameters: [Float], layout: ParameterLayout) -> State {
        State(m: [Float](repeating: 0, count: parameters.count), v: [Float](repeating: 0, count: parameters.count))
    }

    public func update(_ updates: inout [Float], state: inout State, parameters: [Float], context: StepContext) {
        let n = updates.count
        precondition(parameters.count == n && state.m.count == n && state.v.count == n, "program state does not match the parameters")
        guard n > 0 else { return }
        var mNew = [Float](repeating: 0, count: n)
        var vNew = [Float](repeating: 0, count: n)
        let gradient = updates
        parameters.withUnsafeBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                state.m.withUnsafeBufferPointer { m in
                    state.v.withUnsafeBufferPointer { v in
                        updates.withUnsafeMutableBufferPointer { u in
                            mNew.withUnsafeMutableBufferPointer { mo in
                                vNew.withUnsafeMutableBufferPointer { vo in
                                    compiled.run(
                                        count: n, layout: context.layout, learningRate: learningRate,
                                        w: w.baseAddress!, g: g.baseAddress!, m: m.baseAddress!, v: v.baseAddress!,
                                        updateOut: u.baseAddress!, mOut: mo.baseAddress!, vOut: vo.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        state.m = mNew
        state.v = vNew
    }
}
