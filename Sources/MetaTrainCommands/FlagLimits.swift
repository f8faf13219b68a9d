// The accepted ranges of the numeric flags, in one table, and the checks every command's `validate()`
// runs against it, so a range and its error message ("--steps must be in 1…10000000, got 0") are
// written once.

import ArgumentParser

/// The ranges numeric flags must lie in.
enum FlagLimits {
    /// Inner training steps of one run (`optimize --steps`, `compare --steps`, `self-train --eval-steps`).
    static let innerSteps = 1...10_000_000
    /// Seeds per (task, optimizer) (`compare --seeds`, `self-train --eval-seeds`).
    static let seeds = 1...10_000
    /// Worker threads (`compare`, `search`, meta-training's `--threads`).
    static let workerThreads = 1...1024
    /// Threads of one process's matrix products (`optimize --threads`, `bench --threads`); OpenBLAS is
    /// built for at most 256.
    static let blasThreads = 1...256
    /// Plain-SGD steps of `zoo validate --steps`.
    static let sgdSteps = 1...1_000_000
    /// Timed steps per task of `zoo cost --steps`.
    static let timedSteps = 1...10_000
    /// Configs drawn by `zoo sample --count`.
    static let sampleCount = 1...100_000
    /// Meta-training's `--outer-steps`.
    static let outerSteps = 1...100_000_000
    /// Meta-training's `--tasks-per-step`.
    static let tasksPerStep = 1...4096
    /// Meta-training's `--truncation` (inner steps per slot per outer step).
    static let truncation = 1...1_000_000
    /// Counts that only need to be positive (`--evaluate-every`, `--limit`, `--budget`, `--batch`, …).
    static let positive = 1...
    /// Counts that may be zero (`search --restart-after`, 0 meaning never).
    static let nonNegative = 0...

    /// Throws "`flag` must be in A…B, got V" unless `value` lies in `range`.
    static func check<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ flag: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
    }

    /// Throws "`flag` must be at least A, got V" unless `value` lies in `range`.
    static func check<T: Comparable>(_ value: T, _ range: PartialRangeFrom<T>, _ flag: String) throws {
        guard range.contains(value) else { throw ValidationError("\(flag) must be at least \(range.lowerBound), got \(value)") }
    }

    /// The check of a flag that may be absent: nothing when it is.
    static func check<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, _ flag: String) throws {
        if let value { try check(value, range, flag) }
    }

    /// The check of a flag that may be absent: nothing when it is.
    static func check<T: Comparable>(_ value: T?, _ range: PartialRangeFrom<T>, _ flag: String) throws {
        if let value { try check(value, range, flag) }
    }

    /// Throws "`flag` must be a positive number, got V" unless `value` is finite and above 0.
    static func checkPositive<T: BinaryFloatingPoint>(_ value: T?, _ flag: String) throws {
        if let value, !(value > 0 && value.isFinite) { throw ValidationError("\(flag) must be a positive number, got \(value)") }
    }
}
