// Symbolic optimizer programs (docs/architecture.md §7, Chen et al. 2023): a program maps (w, g, m, v, lr) to
// (update, m, v) through a straight list of assignments, each one function of variables and constants.
// The system applies `w ← w − update`; m and v are the two state slots (AdamW's memory).
//
// Text form (one statement per line; `#` starts a comment):
//
//     # lr: 1e-3                     optional header: the default of the `lr` input
//     g2 = g * g                     infix + - * / with exactly two operands
//     m = interp(g, m, 0.9)          or a call: NAME(ARG, ARG, …)
//     update = u * lr
//
// Operands are variable names (letters, digits, `_`; not starting with a digit) or numeric literals
// (`0.9`, `-1e-8`); literals are the program's hyperparameters. Inputs are w g m v lr; outputs are
// `update`, `m` and `v` (m and v keep their input value when not assigned).

import Foundation

/// The function set. Every function applies element by element with scalars broadcast, except
/// `norm`, the L2 norm of its argument over each parameter tensor, broadcast back to the tensor.
/// Functions that would leave their domain are protected so that every program runs:
/// `sqrt(x) = √|x|`, `log(x) = ln|x|`, `power(x, y) = |x|^y`, `clip(x, c)` clamps x to [−|c|, |c|].
/// Division is IEEE division (a zero divisor gives ±inf or NaN, and the run counts as diverged).
public enum ProgramFunction: String, CaseIterable, Codable, Sendable {
    case add, sub, mul, div, max, min, interp
    case sign, abs, sqrt, square, exp, log, sin, cos, tanh, clip, power, norm, reciprocal

    /// Number of operands.
    public var arity: Int {
        switch self {
        case .interp: return 3
        case .add, .sub, .mul, .div, .max, .min, .clip, .power: return 2
        default: return 1
        }
    }

    /// The infix spelling, for + − × ÷.
    public var infixSymbol: Character? {
        switch self {
        case .add: return "+"
        case .sub: return "-"
        case .mul: return "*"
        case .div: return "/"
        default: return nil
        }
    }

    /// Swapping the two operands gives the same value (the cache hash sorts them).
    public var isCommutative: Bool { self == .add || self == .mul || self == .max || self == .min }

    public static func infix(_ c: Character) -> ProgramFunction? {
        allCases.first { $0.infixSymbol == c }
    }

    /// The function on scalars: the single definition the interpreter's kernels, constant folding
    /// and the tests share.
    @inline(__always)
    public static func apply(_ f: ProgramFunction, _ a: Float, _ b: Float, _ c: Float) -> Float {
        switch f {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .max: return Swift.max(a, b)
        case .min: return Swift.min(a, b)
        case .interp: return (1 - c) * a + c * b
        case .sign: return a > 0 ? 1 : (a < 0 ? -1 : 0)
        case .abs: return Swift.abs(a)
        case .sqrt: return Swift.abs(a).squareRoot()
        case .square: return a * a
        case .exp: return Foundation.exp(a)
        case .log: return Foundation.log(Swift.abs(a))
        case .sin: return Foundation.sin(a)
        case .cos: return Foundation.cos(a)
        case .tanh: return Foundation.tanh(a)
        case .clip: let l = Swift.abs(b); return Swift.min(Swift.max(a, -l), l)
        case .power: return Foundation.pow(Swift.abs(a), b)
        case .norm: return Swift.abs(a)  // of a single element; tensors reduce per tensor
        case .reciprocal: return 1 / a
        }
    }
}

/// A function argument: a variable or a constant (a hyperparameter).
public enum Operand: Hashable, Codable, Sendable, CustomStringConvertible {
    case variable(String)
    case constant(Float)

    public var description: String {
        switch self {
        case .variable(let name): return name
        case .constant(let x): return Program.format(x)
        }
    }
}

/// `target = function(arguments…)`.
public struct Statement: Hashable, Codable, Sendable, CustomStringConvertible {
    public var target: String
    public var function: ProgramFunction
    public var arguments: [Operand]

    public init(_ target: String, _ function: ProgramFunction, _ arguments: [Operand]) {
        precondition(arguments.count == function.arity, "\(function.rawValue) takes \(function.arity) arguments")
        self.target = target
        self.function = function
        self.arguments = arguments
    }

    public var description: String {
        if let symbol = function.infixSymbol {
            return "\(target) = \(arguments[0]) \(symbol) \(arguments[1])"
        }
        return "\(target) = \(function.rawValue)(\(arguments.map(\.description).joined(separator: ", ")))"
    }
}

/// An optimizer program: its statements and the default of the `lr` input.
public struct Program: Hashable, Codable, Sendable, CustomStringConvertible {
    public static let inputs = ["w", "g", "m", "v", "lr"]
    public static let outputs = ["update", "m", "v"]
    /// The `lr` input when neither the file header nor the spec gives one.
    public static let defaultLearningRate: Float = 1e-3

    public var statements: [Statement]
    /// The `# lr:` header value, if any.
    public var learningRate: Float?
    /// Comment lines printed at the top (without the `# `), e.g. a name and scores.
    public var header: [String]

    public init(_ statements: [Statement], learningRate: Float? = nil, header: [String] = []) {
        self.statements = statements
        self.learningRate = learningRate
        self.header = header
    }

    /// The text form; `ProgramParser.parse` reads it back to the same statements and header.
    public var description: String { text }

    public var text: String {
        var lines = header.map { $0.isEmpty ? "#" : "# " + $0 }
        if let lr = learningRate { lines.append("# lr: \(Self.format(lr))") }
        lines += statements.map(\.description)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Statements only, one per line (for logs and hashes of the written form).
    public var body: String { statements.map(\.description).joined(separator: "\n") }

    /// The shortest text that parses back to the same Float.
    public static func format(_ x: Float) -> String {
        if x == x.rounded(), Swift.abs(x) < 1e6 { return String(Int(x)) }
        return "\(x)"
    }
}
