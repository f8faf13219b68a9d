// File failures in plain words, output directories checked before work, and ordered writes that say
// what was kept.

import Foundation
import XCTest
import MetaCore
import TestSupport

final class FileErrorsTests: XCTestCase {
    func scratch() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("file-errors-\(UInt32.random(in: 0...UInt32.max))").path
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testFoundationErrorsBecomePlainWords() {
        // A full disk as Foundation reports it: NSCocoaErrorDomain 640, with or without the POSIX error under it.
        XCTAssertEqual(FileErrors.reason(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue)),
                       "no space left on device")
        let wrapped = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                              userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        XCTAssertEqual(FileErrors.reason(wrapped), "no space left on device")
        XCTAssertEqual(FileErrors.reason(NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))), "read-only file system")
        XCTAssertEqual(FileErrors.reason(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteVolumeReadOnly.rawValue)),
                       "read-only file system")
        XCTAssertEqual(FileErrors.reason(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteNoPermission.rawValue)),
                       "permission denied")
        XCTAssertEqual(FileErrors.reason(errno: ENOTDIR), "not a directory")
        // Foundation's "could not be completed (NSCocoaErrorDomain error 512.)" loses its domain and code.
        XCTAssertFalse(FileErrors.reason(NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue)).contains("NSCocoaErrorDomain"))
        XCTAssertFalse(FileErrors.reason(NSError(domain: NSCocoaErrorDomain, code: 9999)).contains("NSCocoaErrorDomain"))
        for code in [ENOSPC, EROFS, EACCES, ENOENT] {
            let text = FileErrors.reason(NSError(domain: NSPOSIXErrorDomain, code: Int(code)))
            XCTAssertFalse(text.contains("Domain") || text.contains("NSCocoa") || text.contains("error \(code)"), text)
        }
    }

    func testOutputDirectoryIsCreatedAndChecked() throws {
        let root = scratch()
        let fresh = root + "/a/b/out"
        try OutputDirectory.prepare(fresh)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh, isDirectory: &isDirectory) && isDirectory.boolValue)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fresh), [], "the write check leaves nothing behind")
        // A file where the directory should be, and a file where a parent should be.
        let file = root + "/file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        assertSpecError(try OutputDirectory.prepare(file), contains: "\(file): cannot write the output here: not a directory")
        assertSpecError(try OutputDirectory.prepare(file + "/sub/out"), contains: "\(file) is a file, not a directory")
        // Too little free space (no file system has UInt64.max bytes free).
        assertSpecError(try OutputDirectory.prepare(fresh, minimumFree: .max), contains: "no space left on device")
    }

    func testAtomicWriteErrorsNameThePathInPlainWords() throws {
        let root = scratch()
        let file = root + "/file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            try AtomicFile.write("text", to: file + "/out.txt")
            XCTFail("wrote below a file")
        } catch let e as SpecError {
            XCTAssertEqual(e.location, file + "/out.txt")
            XCTAssertFalse(e.message.contains("NSCocoaErrorDomain"), e.message)
        }
    }

    func testWriteAllStopsAtTheFirstFailureAndSaysWhatWasKept() throws {
        let root = scratch()
        // A directory where the third file should go makes its rename fail.
        try FileManager.default.createDirectory(atPath: root + "/c.svg/inside", withIntermediateDirectories: true)
        let files = [("a.md", "report"), ("b.json", "{}"), ("c.svg", "<svg/>"), ("d.svg", "<svg/>")].map { (name: $0.0, text: $0.1) }
        do {
            try AtomicFile.writeAll(files, in: root)
            XCTFail("wrote over a directory")
        } catch let e as SpecError {
            XCTAssertEqual(e.location, root + "/c.svg")
            XCTAssertTrue(e.message.contains("kept in \(root): a.md, b.json"), e.message)
            XCTAssertTrue(e.message.contains("not written: c.svg, d.svg"), e.message)
        }
        XCTAssertEqual(try String(contentsOfFile: root + "/a.md", encoding: .utf8), "report")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/d.svg"))
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: root).contains { $0.contains(".tmp-") })
    }

    func testNonRegularFilesAreNamedAsSuch() throws {
        XCTAssertEqual(FileErrors.notARegularFile("/dev/zero"), "not a regular file (a character device)")
        XCTAssertEqual(FileErrors.notARegularFile(scratch()), "is a directory")
        XCTAssertEqual(FileErrors.notARegularFile("/nonexistent/x"), "file not found")
        let file = scratch() + "/f"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertNil(FileErrors.notARegularFile(file))
    }
}
