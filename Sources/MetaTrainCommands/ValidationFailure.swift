// The error of a check that ran on valid input and failed (e.g. `zoo validate` on a task that
// diverges): printed as the error, non-zero exit.

/// A check that failed on valid input.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
