// Files are written to a temporary name beside the target and renamed into place, so a reader
// (or a crash) never sees a half-written file.

import Foundation

public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let err = String(cString: strerror(errno))
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename failed: \(err)"])
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

extension AtomicFile {
    /// Writes atomically; with `sync`, the data is flushed to disk (fsync) before the rename and the
    /// directory entry after it, so a crash leaves the old file or the complete new one. Parent
    /// directories are created. On failure no temporary file remains and an existing file is untouched.
    public static func write(_ data: Data, to path: String, sync: Bool) throws {
        guard sync else { return try write(data, to: path) }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        func failure(_ what: String) -> SpecError { SpecError(path, "cannot write: \(what): \(String(cString: strerror(errno)))") }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw SpecError(path, "cannot write: cannot create directory \(dir): \(error.localizedDescription)")
        }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(dir)") }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            defer { close(fd) }
            let written = data.withUnsafeBytes { raw -> Bool in
                var at = 0
                while at < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + at, raw.count - at)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    at += n
                }
                return true
            }
            guard written else { throw failure("writing \(tmp)") }
            guard fsync(fd) == 0 else { throw failure("fsync of \(tmp)") }
        }
        guard rename(tmp, path) == 0 else { throw failure("renaming \(tmp) into place") }
        ok = true
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
