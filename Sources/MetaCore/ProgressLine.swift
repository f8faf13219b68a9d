// The one live progress line every long-running command shows on standard error: on a terminal a
// single line redrawn in place (at most 10 times a second, and always at the end); in a log (standard
// error not a terminal) the same line printed at most every 30 seconds, plus the last one. Messages
// between updates end the line first, so they never land inside it.

import Foundation

/// A live status line on standard error.
public final class ProgressLine: @unchecked Sendable {
    /// Redrawn in place (a terminal) or printed now and then (a log).
    public let interactive: Bool
    /// Seconds between lines when not interactive.
    public let logInterval: Double
    private let write: (String) -> Void
    private let start = DispatchTime.now().uptimeNanoseconds
    private let lock = NSLock()
    private var lastDraw = -Double.infinity
    private var drawn = false

    /// `interactive` defaults to whether standard error is a terminal; `write` (tests) to standard error.
    public init(interactive: Bool = isatty(STDERR_FILENO) != 0, logInterval: Double = 30, write: ((String) -> Void)? = nil) {
        self.interactive = interactive
        self.logInterval = logInterval
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Seconds since the line was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Shows `text` as the current state; `final` forces it out (the last update of a run).
    public func update(_ text: String, final: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        let now = elapsed
        if interactive {
            guard final || now - lastDraw >= 0.1 else { return }
            write("\r" + text + "\u{1B}[K")
            drawn = true
        } else {
            guard final || now - lastDraw >= logInterval else { return }
            write(text + "\n")
        }
        lastDraw = now
    }

    /// A message on a line of its own (the live line, if drawn, is ended first and redrawn by the next update).
    public func log(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        if interactive && drawn { write("\n"); drawn = false }
        write(message + "\n")
    }

    /// Ends the live line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if interactive && drawn { write("\n"); drawn = false }
    }

    /// `m:ss` or `h:mm:ss` (`?` when not finite).
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let t = max(0, Int(seconds.rounded()))
        let (h, m, s) = (t / 3600, (t / 60) % 60, t % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    /// `[#####.....]` filled to `fraction`.
    public static func bar(_ fraction: Double, width: Int = 30) -> String {
        let filled = max(0, min(width, Int((fraction * Double(width)).rounded(.down))))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
