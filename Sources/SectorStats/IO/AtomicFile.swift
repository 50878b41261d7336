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

    public init(path: String, hashing: Bool = false) throws {
        self.path = path
        hasher = hashing ? SHA256() : nil
        let dir = AtomicFile.directory(of: path)
        let base = CSVReader.baseName(path)
        var fd: Int32 = -1
        var tmp = ""
        for attempt in 0..<100 {
            tmp = "\(dir)/.\(base).tmp-\(getpid())-\(attempt)"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
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
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
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
        written += Int64(bytes.count)
        hasher?.update(bufferPointer: bytes)
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
