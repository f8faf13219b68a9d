// Ctrl-C and SIGTERM for long runs (meta-training, program search): the first asks the run to stop at
// its next safe point (a checkpoint is written there), the second exits at once.

import Foundation

/// Ctrl-C (SIGINT) and SIGTERM ask the run to stop after the current outer step; a second Ctrl-C
/// stops at once. A plain `sigaction` handler (installed synchronously, so no signal that arrives after
/// `install()` returns is lost, as one could be with a dispatch source that the dispatch manager
/// registers later) that only does async-signal-safe things: count, `write(2)`, `_exit`.
public final class Interruption: @unchecked Sendable {
    /// Whether Ctrl-C or SIGTERM arrived since `install()`.
    public var requested: Bool { interruptionCount > 0 }

    /// Installs the handler (idempotent in effect) and returns the flag to poll.
    public static func install() -> Interruption {
        _ = interruptionMessage.count  // initialize the message outside the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = onInterruption
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for sig in [SIGINT, SIGTERM] { sigaction(sig, &action, nil) }
        return Interruption()
    }
}

nonisolated(unsafe) private var interruptionCount: sig_atomic_t = 0
nonisolated(unsafe) private var interruptionMessage: [UInt8] = Array("\nstopping after this outer step (Ctrl-C again to quit at once)…\n".utf8)

private func onInterruption(_ signal: Int32) {
    interruptionCount += 1
    if interruptionCount == 1 {
        interruptionMessage.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
    } else {
        _exit(130)
    }
}
