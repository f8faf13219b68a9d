// Files are written to a temporary name beside the target and renamed into place, so a reader
// (or a crash) never sees a half-written file. Failures are `SpecError`s that name the file and say
// why in plain words (`FileErrors.reason`).

import Foundation

public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories. On failure no temporary file
    /// remains, an existing file at `path` is untouched, and the error names `path`.
    public static func write(_ data: Data, to path: String) throws {
        try write(data, to: path, sync: false)
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Writes several files into `directory` in the order given (put the most important first: a full
    /// disk then leaves those). A failure names the file and the reason, the files written before it
    /// (kept) and those not written.
    public static func writeAll(_ files: [(name: String, data: Data)], in directory: String) throws {
        for (i, f) in files.enumerated() {
            let path = (directory as NSString).appendingPathComponent(f.name)
            do { try write(f.data, to: path) } catch {
                let kept = files[..<i].map(\.name), lost = files[i...].map(\.name)
                func list(_ names: [String]) -> String {
                    names.count <= 6 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + " and \(names.count - 5) more"
                }
                let reason = (error as? SpecError)?.message ?? "cannot write: \(FileErrors.reason(error))"
                throw SpecError(path, reason + (kept.isEmpty ? "; nothing was written to \(directory)"
                    : "; kept in \(directory): \(list(kept))") + "; not written: \(list(lost))")
            }
        }
    }

    public static func writeAll(_ files: [(name: String, text: String)], in directory: String) throws {
        try writeAll(files.map { (name: $0.name, data: Data($0.text.utf8)) }, in: directory)
    }

    /// Writes atomically; with `sync`, the data is flushed to disk (fsync) before the rename and the
    /// directory entry after it, so a crash leaves the old file or the complete new one. Parent
    /// directories are created. On failure no temporary file remains and an existing file is untouched.
    /// Written with write(2) rather than `Data.write`, whose errors lose errno ("NSCocoaErrorDomain
    /// error 512") on a full disk.
    public static func write(_ data: Data, to path: String, sync: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        func failure(_ what: String, _ code: Int32 = errno) -> SpecError {
            SpecError(path, "cannot write: \(what)\(what.isEmpty ? "" : ": ")\(FileErrors.reason(errno: code))")
        }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw SpecError(path, "cannot write: cannot create directory \(dir): \(FileErrors.reason(error))")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(dir)") }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            defer { close(fd) }
            var code: Int32 = 0
            let written = data.withUnsafeBytes { raw -> Bool in
                var at = 0
                while at < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + at, raw.count - at)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { code = n < 0 ? errno : ENOSPC; return false }
                    at += n
                }
                return true
            }
            guard written else { throw failure("", code) }
            if sync { guard fsync(fd) == 0 else { throw failure("fsync of \(tmp)") } }
        }
        guard rename(tmp, path) == 0 else { throw failure("renaming \(tmp) into place") }
        ok = true
        if sync {
            let dfd = open(dir, O_RDONLY)
            if dfd >= 0 { _ = fsync(dfd); close(dfd) }
        }
    }
}
