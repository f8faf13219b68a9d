// gzip (RFC 1952) through zlib's streaming API: decompression for data files that arrive gzipped
// (MNIST's `.gz`), compression for writing fixtures. Not a general archive reader (no tar).

import CZlib
import Foundation

enum Gzip {
    /// Whether `bytes` starts with the gzip magic number 1f 8b (the extension is not trusted).
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// A problem in a gzip stream, in words for a user.
    struct Failure: Error {
        var message: String
    }

    /// Inflates every gzip member in `bytes` (concatenated members, as `cat a.gz b.gz` makes, are
    /// joined). Throws `Failure` on a corrupt or truncated stream; never traps on bad input.
    static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        // ISIZE (the last 4 bytes, little-endian) is the uncompressed size mod 2^32: a capacity hint.
        var output = [UInt8]()
        if bytes.count >= 18 {
            let n = bytes.count
            let hint = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            output.reserveCapacity(min(hint, 1 << 31))
        }
        var stream = z_stream()
        // windowBits 15 + 32: zlib detects the gzip header itself and checks the CRC and length.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib could not be initialized")
        }
        defer { inflateEnd(&stream) }

        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        var consumed = 0
        try bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else { return }
            while true {
                // One member. avail_in is 32-bit, so feed at most 1 GiB at a time.
                var status = Z_OK
                while status != Z_STREAM_END {
                    if stream.avail_in == 0 {
                        let left = input.count - consumed
                        if left == 0 {
                            throw Failure(message: "gzip stream ends early (truncated after \(bytes.count) compressed bytes)")
                        }
                        let take = min(left, 1 << 30)
                        stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                        stream.avail_in = UInt32(take)
                        consumed += take
                    }
                    let before = stream.total_out
                    status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(chunk)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = Int(stream.total_out - before)
                    if produced > 0 { output.append(contentsOf: buffer[0..<produced]) }
                    switch status {
                    case Z_OK, Z_STREAM_END:
                        break
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        break  // needs more input: loop feeds it or reports truncation
                    default:
                        let why = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw Failure(message: "corrupt gzip stream: \(why)")
                    }
                }
                // Another member follows only if the remaining bytes start with the gzip magic;
                // anything else after the last member (tar-style zero padding) is ignored.
                let rest = Int(stream.avail_in) + (input.count - consumed)
                let restStart = input.count - rest
                guard rest >= 2, input[restStart] == 0x1F, input[restStart + 1] == 0x8B else { return }
                let pending = stream.avail_in
                let next = stream.next_in
                guard inflateReset(&stream) == Z_OK else {
                    throw Failure(message: "zlib could not be reset between gzip members")
                }
                stream.next_in = next
                stream.avail_in = pending
            }
        }
        return output
    }

    /// Compresses `bytes` into one gzip member (deflate windowBits 15 + 16 writes the gzip wrapper).
    static func compress(_ bytes: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib could not be initialized for compression")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8]()
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        try bytes.withUnsafeBufferPointer { input in
            var consumed = 0
            var status = Z_OK
            while status != Z_STREAM_END {
                if stream.avail_in == 0 && consumed < input.count {
                    let take = min(input.count - consumed, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = UInt32(take)
                    consumed += take
                }
                let flush = consumed == input.count ? Z_FINISH : Z_NO_FLUSH
                let before = stream.total_out
                status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(chunk)
                    return deflate(&stream, flush)
                }
                let produced = Int(stream.total_out - before)
                if produced > 0 { output.append(contentsOf: buffer[0..<produced]) }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    throw Failure(message: "deflate failed with zlib error \(status)")
                }
            }
        }
        return output
    }
}
