import Crypto
import Dispatch

/// SHA-256 of file contents and of settings, for stage keys and the manifest
/// (swift-crypto: BoringSSL's assembly, several hundred MB/s per core or more).
public enum ContentHash {
    /// Hex SHA-256 of a file's bytes (mapped; read in 1 MiB blocks where it cannot be).
    public static func file(_ path: String) throws -> (sha256: String, bytes: Int64) {
        let source = try FileByteSource(path: path)
        // A regular file is hashed where it is mapped, not copied out of the page cache
        // first; reading is the fallback.
        if let size = source.fileSize, size > 0, let mapped = try? MappedFile(path: path), Int64(mapped.count) == size {
            var hasher = SHA256()
            // A window at a time, each dropped from the process once hashed: a large input
            // never counts whole in its memory.
            let window = 16 << 20
            for start in stride(from: 0, to: mapped.count, by: window) {
                let range = start..<min(start + window, mapped.count)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: mapped.bytes[range]))
                mapped.evict(range)
            }
            return (hex(hasher.finalize()), size)
        }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let n = try source.read(into: block)
            if n == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: block[0..<n]))
            total += Int64(n)
        }
        return (hex(hasher.finalize()), total)
    }

    /// ``file(_:)`` of each path, the files hashed in parallel (SHA-256 itself is serial:
    /// a run's registry and funding exports, or a stage's tables, overlap instead of queueing).
    public static func files(_ paths: [String]) throws -> [(sha256: String, bytes: Int64)] {
        let slots = ConcurrentSlots<Result<(sha256: String, bytes: Int64), Error>>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            slots.set(i, Result { try file(paths[i]) })
        }
        return try paths.indices.map { i in
            guard let result = slots.take(i) else { throw SectorStatsError(.internalError, file: paths[i], "the file was not hashed") }
            return try result.get()
        }
    }

    /// Hex SHA-256 of bytes in memory.
    public static func bytes(_ b: [UInt8]) -> String {
        hex(SHA256.hash(data: b))
    }

    /// Hex SHA-256 of text (settings, lists of hashes).
    public static func text(_ s: String) -> String {
        hex(SHA256.hash(data: Array(s.utf8)))
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
