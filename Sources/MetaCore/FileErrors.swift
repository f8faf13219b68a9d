// File-system failures in plain words: Foundation's errors ("The operation could not be completed.
// (NSCocoaErrorDomain error 640.)") and errno values become "no space left on device", "permission
// denied", "read-only file system", and output directories are checked before a long run starts.

import Foundation

public enum FileErrors {
    /// Why a file operation failed, in plain lower-case words ("no space left on device").
    public static func reason(_ error: Error) -> String {
        if let e = error as? SpecError { return e.message }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return reason(errno: Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return reason(errno: Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteOutOfSpace: return reason(errno: ENOSPC)
            case .fileWriteVolumeReadOnly: return reason(errno: EROFS)
            case .fileWriteNoPermission, .fileReadNoPermission: return reason(errno: EACCES)
            case .fileNoSuchFile, .fileReadNoSuchFile: return reason(errno: ENOENT)
            case .fileWriteFileExists: return reason(errno: EEXIST)
            case .fileWriteInvalidFileName, .fileReadInvalidFileName: return "invalid file name"
            case .fileReadTooLarge: return "file too large"
            case .fileReadCorruptFile: return "the file is damaged"
            case .fileWriteUnknown: return "the write failed (no reason given)"
            case .fileReadUnknown: return "the read failed (no reason given)"
            default: break
            }
        }
        // An unrecognized error: its own words, without Foundation's "(NSCocoaErrorDomain error N.)".
        var text = ns.localizedDescription
        if let r = text.range(of: " (\(ns.domain) error") { text = String(text[..<r.lowerBound]) }
        return text.isEmpty ? "\(error)" : text
    }

    /// The C library's text for an errno value, starting in lower case ("No such file or directory"
    /// → "no such file or directory").
    public static func reason(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        // Keep acronyms ("I/O error") as they are.
        if text.count > 1, text[text.index(after: text.startIndex)].isUppercase { return text }
        return first.lowercased() + text.dropFirst()
    }

    /// Why `path` cannot be read as a regular file ("file not found", "is a directory", "not a regular
    /// file (a character device)"), or nil when it is one. Reading a device such as /dev/zero would
    /// never end, and Foundation reports it as "permission denied".
    public static func notARegularFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno == ENOENT ? "file not found" : reason(errno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFCHR: return "not a regular file (a character device)"
        case S_IFBLK: return "not a regular file (a block device)"
        case S_IFIFO: return "not a regular file (a named pipe)"
        case S_IFSOCK: return "not a regular file (a socket)"
        default: return "not a regular file"
        }
    }

    /// The free space on the file system holding `path` (nil when it cannot be told).
    public static func freeBytes(at path: String) -> UInt64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }
}

/// Output directories, checked before the work that fills them starts.
public enum OutputDirectory {
    /// The least free space a run needs to start writing results (a report, a checkpoint).
    public static let minimumFreeBytes: UInt64 = 1 << 20

    /// Creates `path` (and its parents) if needed and checks that a file can be written there: it
    /// exists as a directory, a file can be created in it, and its file system has at least
    /// `minimumFree` bytes free. Throws a `SpecError` located at `path` that says why not (a file in the
    /// way, read-only file system, permission denied, no space left on device).
    public static func prepare(_ path: String, minimumFree: UInt64 = minimumFreeBytes) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SpecError(path, "cannot write the output here: not a directory (a file of that name exists)")
            }
        } else {
            // The nearest existing ancestor says why the directory cannot be made.
            var ancestor = (path as NSString).deletingLastPathComponent
            while !ancestor.isEmpty && ancestor != "/" && !fm.fileExists(atPath: ancestor) {
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            if !ancestor.isEmpty, fm.fileExists(atPath: ancestor, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw SpecError(path, "cannot create the output directory: \(ancestor) is a file, not a directory")
            }
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw SpecError(path, "cannot create the output directory: \(FileErrors.reason(error))")
            }
        }
        // A real write, not access(2): root ignores permission bits but not a read-only mount or a full disk.
        let probe = (path as NSString).appendingPathComponent(".metatrain-write-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw SpecError(path, "cannot write the output here: \(FileErrors.reason(errno: errno))") }
        var byte: UInt8 = 0x0A
        let written = write(fd, &byte, 1)
        let writeErrno = errno
        close(fd)
        unlink(probe)
        guard written == 1 else { throw SpecError(path, "cannot write the output here: \(FileErrors.reason(errno: writeErrno))") }
        if let free = FileErrors.freeBytes(at: path), free < minimumFree {
            throw SpecError(path, "cannot write the output here: \(FileErrors.reason(errno: ENOSPC)) (\(free / 1024) KiB free, at least \(minimumFree / 1024) KiB needed)")
        }
    }
}
