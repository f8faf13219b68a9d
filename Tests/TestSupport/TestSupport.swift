// Shared assertions for the test targets: closeness with stated tolerances and finite-difference
// gradient checks in Double.

import Foundation
import XCTest
import MetaCore
import MetaOptimizers
import MetaTasks

/// Asserts |a − b| ≤ atol + rtol·|b| element by element, reporting the worst element.
public func assertClose(
    _ a: [Float], _ b: [Float], rtol: Float = 1e-5, atol: Float = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "count mismatch \(message)", file: file, line: line)
    var worst = (index: -1, excess: Float(0))
    for i in 0..<min(a.count, b.count) {
        let tol = atol + rtol * abs(b[i])
        let err = abs(a[i] - b[i])
        if !(err <= tol) && (worst.index < 0 || err - tol > worst.excess) { worst = (i, err - tol) }
    }
    if worst.index >= 0 {
        let i = worst.index
        XCTFail("element \(i): \(a[i]) vs \(b[i]) (rtol \(rtol), atol \(atol)) \(message)", file: file, line: line)
    }
}

public func assertClose(
    _ a: Float, _ b: Float, rtol: Float = 1e-5, atol: Float = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    assertClose([a], [b], rtol: rtol, atol: atol, message, file: file, line: line)
}

/// Central finite differences in Double of a scalar function of a Double vector.
public func finiteDifferenceGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var xp = x
    for i in 0..<x.count {
        let old = xp[i]
        xp[i] = old + h
        let fp = f(xp)
        xp[i] = old - h
        let fm = f(xp)
        xp[i] = old
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

/// Checks a task's analytic gradient against central differences of its own Float loss, on a
/// random subset of coordinates. Float central differences with step h have error ~ ε·|L|/h +
/// h²·|L'''|; with h = 1e-2·max(1, |p|) and float32 the tolerance below (rtol 2e-2, atol 2e-3 scaled
/// by the gradient's RMS) is loose enough for rounding and tight enough to catch a wrong term.
public func checkTaskGradient(
    _ task: TrainingTask, parameters: [Float], key: RandomKey, coordinates: Int = 40,
    h: Float = 1e-2, rtol: Float = 2e-2, atolFraction: Float = 2e-3,
    file: StaticString = #filePath, line: UInt = #line
) {
    let (loss, grad) = task.lossAndGradient(parameters, key: key)
    XCTAssertTrue(loss.isFinite, "loss not finite", file: file, line: line)
    let rms = (grad.reduce(0) { $0 + $1 * $1 } / Float(max(grad.count, 1))).squareRoot()
    var rng = key.fold("fd-coordinates").generator()
    let picks = grad.count <= coordinates ? Array(0..<grad.count) : (0..<coordinates).map { _ in rng.int(below: grad.count) }
    var scratch = [Float](repeating: 0, count: grad.count)
    for i in picks {
        var p = parameters
        let step = h * max(1, abs(p[i]))
        p[i] = parameters[i] + step
        let fp = task.lossAndGradient(p, gradient: &scratch, key: key)
        p[i] = parameters[i] - step
        let fm = task.lossAndGradient(p, gradient: &scratch, key: key)
        let fd = (fp - fm) / (2 * step)
        let tol = atolFraction * max(rms, 1e-3) + rtol * abs(fd)
        if !(abs(fd - grad[i]) <= tol) {
            XCTFail("coordinate \(i): analytic \(grad[i]) vs finite difference \(fd) (tol \(tol))", file: file, line: line)
            return
        }
    }
}

/// Runs a Python script and returns its stdout; throws when it fails.
@discardableResult
public func runPython(_ script: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "python", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: String(decoding: e, as: UTF8.self)])
    }
    return String(decoding: o, as: UTF8.self)
}

/// Expects a SpecError whose description contains `text`.
public func assertSpecError<T>(_ expression: @autoclosure () throws -> T, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try expression()
        XCTFail("no error (expected one mentioning '\(text)')", file: file, line: line)
    } catch let e as SpecError {
        XCTAssertTrue(e.description.contains(text), "'\(e)' does not mention '\(text)'", file: file, line: line)
    } catch {
        XCTFail("not a SpecError: \(error)", file: file, line: line)
    }
}

/// Files the tests read, all inside the repository.
public enum TestFixtures {
    /// `Tests/TestSupport/Fixtures`.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// optax trajectories of ten hand-designed optimizers (see Fixtures/README.md).
    public static let optaxTrajectories = directory.appendingPathComponent("optimizer-trajectories.json")
}

/// learned_optimization's `smoketest_optimizer`, with the outputs checked: six steps on a bowl over a
/// layout with a matrix, a convolution kernel, a vector and a scalar, a training and a validation loss fed
/// every step. Returns what went wrong (empty when nothing): non-finite updates or evaluation parameters,
/// evaluation parameters of the wrong size, parameters that never move, and a state that does not survive a
/// JSON round trip (the run continued from the decoded state must match the live one bit for bit).
public func smokeTestOptimizer(_ optimizer: any Optimizer) -> [String] {
    func run<O: Optimizer>(_ o: O) -> [String] {
        let layout = ParameterLayout([("dense/w", [4, 3]), ("conv/w", [3, 3, 1, 2]), ("dense/b", [3]), ("scale", [])])
        let target = (0..<layout.count).map { Float(($0 * 7) % 5) / 5 - 0.4 }
        var parameters = (0..<layout.count).map { Float(($0 * 3) % 7) / 7 - 0.5 }
        let start = parameters
        var state = o.initialState(parameters: parameters, layout: layout)
        var problems: [String] = []
        func loss(_ p: [Float]) -> Float { zip(p, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 2 }
        func step(_ t: Int, _ p: inout [Float], _ s: inout O.State) {
            var g = zip(p, target).map { $0 - $1 }
            let context = StepContext(step: t, totalSteps: 6, loss: loss(p), validationLoss: 1.1 * loss(p), layout: layout)
            o.step(&p, gradient: &g, state: &s, context: context)
            if !g.allSatisfy(\.isFinite) { problems.append("step \(t): non-finite update") }
        }
        for t in 0..<3 { step(t, &parameters, &state) }
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var restored: O.State
        do { restored = try decoder.decode(O.State.self, from: try encoder.encode(state)) } catch {
            return problems + ["the state does not round-trip through JSON: \(error)"]
        }
        var copy = parameters
        for t in 3..<6 {
            step(t, &parameters, &state)
            step(t, &copy, &restored)
        }
        if copy != parameters { problems.append("a run continued from the JSON round trip of the state differs from the live run") }
        let evaluated = o.evaluationParameters(parameters, state: state)
        if evaluated.count != parameters.count { problems.append("evaluation parameters: \(evaluated.count) values for \(parameters.count)") }
        if !evaluated.allSatisfy(\.isFinite) || !parameters.allSatisfy(\.isFinite) { problems.append("non-finite parameters after 6 steps") }
        if parameters == start { problems.append("the parameters never moved") }
        return problems
    }
    return run(optimizer)
}
