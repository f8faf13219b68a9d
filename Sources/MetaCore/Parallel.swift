// A parallel-for whose results do not depend on the thread count: work items are independent,
// results are stored by index, and any reduction is done by the caller in index order.

import Dispatch
import Foundation

public enum Parallel {
    /// The number of cores this process may use.
    public static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `body(i)` for every i in 0..<count on up to `threads` threads. Items are handed out
    /// dynamically (so uneven work balances); `body` must not depend on which thread runs it.
    public static func forEach(_ count: Int, threads: Int = Parallel.availableCores, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = Counter()
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.take()
                    if i >= count { break }
                    body(i)
                }
            }
        }
    }

    /// `body(i)` for every i, results in index order.
    public static func map<T>(_ count: Int, threads: Int = Parallel.availableCores, _ body: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress
            forEach(count, threads: threads) { i in (base! + i).pointee = body(i) }
        }
        return results.map { $0! }
    }

    private final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func take() -> Int {
            lock.lock()
            defer { lock.unlock() }
            let v = value
            value += 1
            return v
        }
    }
}
