// Shared assertions for the test targets: closeness with stated tolerances and finite-difference
// gradient checks in Double.

import Foundation
import XCTest
import MetaCore
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
