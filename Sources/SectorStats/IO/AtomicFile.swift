import Crypto
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears under its final name complete or not at all: bytes go to a
/// temporary file in the same folder (same file system, so `rename` is atomic), which is
/// fsynced, renamed over the final name, and the folder fsynced. If the writer is dropped
/// without `commit()` (an error, a signal), the temporary file is removed; a process killed
/// outright leaves only a `.*.tmp-*` file, never a partial file under the final name.
///
/// `direct: true` (Linux, for a stage's large tables) writes around the page cache
/// (`O_DIRECT`, from an aligned staging buffer): on this project's VMs, filling fresh
/// page-cache pages costs ~1.1 s of system time per GB written (overwriting cached pages
/// 0.2 s, direct writes 0.15 s; `dd` measurements in BENCHMARKS.md). The bytes on disk
/// are the same; a file system that refuses direct I/O (at open or at the first write)
/// gets ordinary writes.
public final class AtomicFile {
    public let path: String
    let temporaryPath: String
    private var fd: Int32
    private var committed = false
    /// Bytes written since the last background flush was started.
    private var unflushed = 0
    /// Writeback is started every this many bytes, on `flusher`, so that the fsync in
    /// `commit()` finds little left to write: for a 1.6 GB table it blocked the run for
    /// 2.4 s at the end of the stage, with the disk idle while the table was produced.
    static let flushEvery = 64 << 20
    private let flusher = DispatchQueue(label: "sectorstats.atomicfile.flush")
    /// SHA-256 of the bytes as they are written (when asked for), so that a stage's large
    /// tables need no second pass to be hashed.
    private var hasher: SHA256?
    private var written: Int64 = 0

    /// Hex SHA-256 and size of the committed file, when it was created with `hashing: true`.
    public private(set) var contentHash: (sha256: String, bytes: Int64)?

    /// Direct I/O: the staging buffer (aligned, ``directBlock`` bytes) and how much of it is
    /// filled; nil when writes go through the page cache.
    private var stage: UnsafeMutableRawPointer?
    private var staged = 0
    /// Bytes per direct write: a multiple of any logical block size, and large enough that
    /// the write's fixed cost is small.
    static let directBlock = 4 << 20
    /// `O_DIRECT`, which Glibc does not export to Swift (it is a `_GNU_SOURCE` name): the
    /// value from the kernel's headers for the architectures we know; elsewhere no direct I/O.
    static let directFlag: Int32? = {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }()

    /// Whether writes currently go around the page cache (for tests).
    var isDirect: Bool { stage != nil }

    public init(path: String, hashing: Bool = false, direct: Bool = false) throws {
        self.path = path
        hasher = hashing ? SHA256() : nil
        let dir = AtomicFile.directory(of: path)
        let base = CSVReader.baseName(path)
        let directFlag = direct ? Self.directFlag : nil
        var fd: Int32 = -1
        var tmp = ""
        for attempt in 0..<100 {
            tmp = "\(dir)/.\(base).tmp-\(getpid())-\(attempt)"
            let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
            var isDirect = directFlag != nil
            fd = open(tmp, flags | (directFlag ?? 0), 0o644)
            if fd < 0, errno == EINVAL, isDirect {
                // The file system does not do direct I/O: ordinary writes.
                isDirect = false
                fd = open(tmp, flags, 0o644)
            }
            if fd >= 0 {
                if isDirect { stage = .allocate(byteCount: Self.directBlock, alignment: 4096) }
                break
            }
            if errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw SectorStatsError(.fileNotWritable, file: path, "cannot create a temporary file in \(dir): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.temporaryPath = tmp
    }

    deinit {
        if !committed {
            flusher.sync {}  // no flush may still use the descriptor
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
        stage?.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        written += Int64(bytes.count)
        hasher?.update(bufferPointer: bytes)
        if let stage {
            // Fill the staging buffer; each full buffer is one direct write.
            var off = 0
            while off < bytes.count {
                let n = min(Self.directBlock - staged, bytes.count - off)
                (stage + staged).copyMemory(from: bytes.baseAddress! + off, byteCount: n)
                staged += n
                off += n
                if staged == Self.directBlock {
                    try writeStage()
                    if self.stage == nil {
                        // Direct I/O was given up: the rest goes the ordinary way.
                        try writeAll(UnsafeRawBufferPointer(rebasing: bytes[off...]))
                        return
                    }
                }
            }
            return
        }
        try writeAll(bytes)
    }

    /// Writes the full staging buffer directly. A file system that accepts `O_DIRECT` at
    /// open but refuses the write (`EINVAL`) gets it, and all later bytes, written the
    /// ordinary way (``dropDirect()``).
    private func writeStage() throws {
        guard let stage else { return }
        var off = 0
        while off < staged {
            let n = Glibc.write(fd, stage + off, staged - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL {
                    let rest = UnsafeRawBufferPointer(start: stage + off, count: staged - off)
                    try dropDirect(keeping: rest)
                    return
                }
                throw SectorStatsError(.fileNotWritable, file: path, "write failed: \(String(cString: strerror(errno)))")
            }
            off += n
            if off < staged, off % 4096 != 0 {
                // A short direct write leaves the offset unaligned: on the ordinary way.
                let rest = UnsafeRawBufferPointer(start: stage + off, count: staged - off)
                try dropDirect(keeping: rest)
                return
            }
        }
        staged = 0
    }

    /// Leaves direct I/O for good: clears `O_DIRECT` on the descriptor, writes `pending`
    /// (bytes staged but not yet on disk) the ordinary way, and frees the staging buffer.
    func dropDirect(keeping pending: UnsafeRawBufferPointer? = nil) throws {
        guard let stage else { return }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0, let d = Self.directFlag { _ = fcntl(fd, F_SETFL, flags & ~d) }
        self.stage = nil
        defer { stage.deallocate() }
        try writeAll(pending ?? UnsafeRawBufferPointer(start: stage, count: staged))
        staged = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw SectorStatsError(.fileNotWritable, file: path, "write failed: \(String(cString: strerror(errno)))")
            }
            off += n
        }
        unflushed += bytes.count
        if unflushed >= Self.flushEvery {
            unflushed = 0
            let fd = fd
            // Errors are not lost: fsync in commit() reports any failed writeback.
            flusher.async { _ = fdatasync(fd) }
        }
    }

    /// Makes the file durable and visible under its final name.
    public func commit() throws {
        guard !committed else { return }
        // The last, partial block: the ordinary way (its length is not a block multiple).
        try dropDirect()
        flusher.sync {}
        guard fsync(fd) == 0 else {
            throw SectorStatsError(.fileNotWritable, file: path, "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw SectorStatsError(.fileNotWritable, file: path, "rename failed: \(String(cString: strerror(errno)))")
        }
        committed = true
        if let hasher { contentHash = (ContentHash.hex(hasher.finalize()), written) }
        AtomicFile.syncDirectory(AtomicFile.directory(of: path))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// fsync on the folder makes the rename itself durable.
    static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

/// Gzip output on top of an atomic file: deterministic bytes for equal content (header
/// mtime 0, no name, fixed level).
public final class GzipFileWriter {
    private let file: AtomicFile
    private let deflater: Deflater
    private let scratch: UnsafeMutableRawBufferPointer
    private var finished = false

    public init(path: String, level: Int = 6) throws {
        file = try AtomicFile(path: path)
        deflater = try Deflater(level: level)
        scratch = .allocate(byteCount: 1 << 18, alignment: 16)
    }

    deinit { scratch.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        let file = self.file
        try deflater.deflate(bytes, finish: false, scratch: scratch) { try file.write($0) }
    }

    /// Writes the gzip trailer and publishes the file under its final name.
    public func commit() throws {
        guard !finished else { return }
        let file = self.file
        try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, scratch: scratch) { try file.write($0) }
        finished = true
        try file.commit()
    }
}
