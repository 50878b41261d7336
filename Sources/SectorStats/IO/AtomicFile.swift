import Crypto
import Dispatch
import Synchronization
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
/// (`O_DIRECT`, from aligned staging buffers written on a background queue, so that the
/// writing thread never waits for the disk unless it is ``DirectWriter/count`` buffers
/// ahead): on this project's VMs, filling fresh page-cache pages costs ~1.1 s of system
/// time per GB written (overwriting cached pages 0.2 s, direct writes 0.15 s; `dd`
/// measurements in BENCHMARKS.md). The bytes on disk are the same; a file system that
/// refuses direct I/O (at open or at a write) gets ordinary writes.
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

    /// Direct I/O: the background writer, the buffer being filled and how much of it is
    /// filled; nil when writes go through the page cache.
    private var direct: DirectWriter?
    private var current = 0
    private var staged = 0
    /// Bytes per direct write: a multiple of any logical block size, and large enough that
    /// the write's fixed cost is small.
    static let directBlock = 2 << 20
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
    var isDirect: Bool { direct != nil }

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
                if isDirect {
                    let writer = DirectWriter(fd: fd, blockSize: Self.directBlock)
                    self.direct = writer
                    current = writer.take().buffer
                }
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
            _ = direct?.drain()  // no write may still use the descriptor
            direct = nil
            flusher.sync {}
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        written += Int64(bytes.count)
        hasher?.update(bufferPointer: bytes)
        guard let direct else { return try writeAll(bytes) }
        // Fill the staging buffer; each full one is written in the background.
        var off = 0
        while off < bytes.count {
            let n = min(Self.directBlock - staged, bytes.count - off)
            (direct.pointer(current) + staged).copyMemory(from: bytes.baseAddress! + off, byteCount: n)
            staged += n
            off += n
            if staged == Self.directBlock {
                direct.submit(current, count: staged)
                staged = 0
                let next = direct.take()
                current = next.buffer
                if let failure = next.failure { throw writeFailed(failure) }
            }
        }
    }

    private func writeFailed(_ code: Int32) -> SectorStatsError {
        SectorStatsError(.fileNotWritable, file: path, "write failed: \(String(cString: strerror(code)))")
    }

    /// Leaves direct I/O for good: waits for the background writes, clears `O_DIRECT` on
    /// the descriptor and writes what is staged the ordinary way. (`commit()` does this for
    /// the last, partial block; tests call it halfway.)
    func dropDirect() throws {
        guard let direct else { return }
        if let failure = direct.drain() { throw writeFailed(failure) }
        _ = DirectWriter.clearDirect(fd)
        self.direct = nil
        try writeAll(UnsafeRawBufferPointer(start: direct.pointer(current), count: staged))
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

    /// Makes the file durable under its temporary name; ``commit()`` then only renames it
    /// (for a file that must appear in the same step as something else, after it).
    public func sync() throws {
        guard !committed, fd >= 0 else { return }
        // The last, partial block: the ordinary way (its length need not be a block multiple).
        try dropDirect()
        flusher.sync {}
        guard fsync(fd) == 0 else {
            throw SectorStatsError(.fileNotWritable, file: path, "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(fd)
        fd = -1
    }

    /// Makes the file durable and visible under its final name.
    public func commit() throws {
        guard !committed else { return }
        try sync()
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
///
/// `parallel`: for large outputs (the quarantine), the content is compressed in pieces of
/// ``chunkBytes``, two at a time on two cores (``DeflateChunk``); the bytes are still fixed
/// by the content and level, and an output under one piece is the same as without it.
public final class GzipFileWriter {
    private let file: AtomicFile
    private let deflater: Deflater?
    private let scratch: UnsafeMutableRawBufferPointer
    private var finished = false
    private let level: Int
    static let chunkBytes = 1 << 20
    /// Parallel: raw bytes not yet compressed, the 32 KiB before them, and the running
    /// CRC-32 and size of everything written.
    private var pending: [[UInt8]] = []
    private var buffer: [UInt8] = []
    private var dictionary: [UInt8] = []
    private var crc: UInt32 = 0
    private var size: UInt64 = 0
    private var wroteHeader = false

    public init(path: String, level: Int = 6, parallel: Bool = false) throws {
        guard (0...9).contains(level) else {
            throw SectorStatsError(.internalError, "gzip level must be 0…9, got \(level)")
        }
        file = try AtomicFile(path: path)
        self.level = level
        deflater = parallel ? nil : try Deflater(level: level)
        scratch = .allocate(byteCount: parallel ? 16 : 1 << 18, alignment: 16)
    }

    deinit { scratch.deallocate() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        let file = self.file
        guard let deflater else {
            crc = CRC32.update(crc, bytes)
            size &+= UInt64(bytes.count)
            var rest = bytes
            while !rest.isEmpty {
                let n = min(rest.count, Self.chunkBytes - buffer.count)
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<n]))
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
                if buffer.count == Self.chunkBytes {
                    pending.append(buffer)
                    buffer.removeAll(keepingCapacity: true)
                    if pending.count == 2 { try compress(2, last: false) }
                }
            }
            return
        }
        try deflater.deflate(bytes, finish: false, scratch: scratch) { try file.write($0) }
    }

    /// Compresses the first `n` pending chunks in parallel and writes them in order.
    private func compress(_ n: Int, last: Bool) throws {
        if !wroteHeader {
            try DeflateChunk.header(level: level).withUnsafeBytes { try file.write($0) }
            wroteHeader = true
        }
        let chunks = Array(pending.prefix(n))
        // Each chunk's dictionary: the 32 KiB of raw bytes before it.
        let dictionaries = [dictionary] + chunks.dropLast().map { Array($0.suffix(32 << 10)) }
        let slots = ConcurrentSlots<Result<[UInt8], Error>>(count: chunks.count)
        let level = self.level
        DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
            slots.set(i, Result {
                try chunks[i].withUnsafeBytes { c in
                    try dictionaries[i].withUnsafeBytes { d in
                        try DeflateChunk.compress(c, dictionary: d, level: level, last: last && i == chunks.count - 1)
                    }
                }
            })
        }
        for i in chunks.indices {
            guard let out = try slots.take(i)?.get() else { throw SectorStatsError(.internalError, "a gzip chunk was not compressed") }
            try out.withUnsafeBytes { try file.write($0) }
        }
        if let lastChunk = chunks.last { dictionary = Array(lastChunk.suffix(32 << 10)) }
        pending.removeFirst(n)
    }

    /// Writes the gzip trailer and publishes the file under its final name.
    public func commit() throws {
        guard !finished else { return }
        let file = self.file
        if let deflater {
            try deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, scratch: scratch) { try file.write($0) }
        } else {
            pending.append(buffer)  // the last chunk (possibly empty) ends with the final block
            buffer = []
            try compress(pending.count, last: true)
            var trailer: [UInt8] = []
            withUnsafeBytes(of: crc.littleEndian) { trailer.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: size).littleEndian) { trailer.append(contentsOf: $0) }
            try trailer.withUnsafeBytes { try file.write($0) }
        }
        finished = true
        try file.commit()
    }
}

/// The background half of ``AtomicFile``'s direct I/O: a few aligned staging buffers, each
/// written out on a serial queue once full and then handed back, so that the thread
/// producing the file only copies into them.
///
/// `@unchecked Sendable` is safe because: `fd`, `blockSize` and the buffer addresses never
/// change after `init`; a buffer's bytes are written by the producing thread only between
/// ``take()`` and ``submit(_:count:)``, and read by `queue` only between `submit` and the
/// buffer's return to the pool, and that hand-over goes through the `Mutex` and the
/// semaphore (which order the memory accesses); the pool and the failure are only touched
/// under the `Mutex`; the buffers are freed in `deinit`, after ``drain()`` (no write left).
final class DirectWriter: @unchecked Sendable {
    /// Buffers per file: enough to ride out the disk's pauses; each costs `blockSize` bytes.
    static let count = 4
    private let fd: Int32
    private let blockSize: Int
    private let buffers: [UnsafeMutableRawPointer]
    private let queue = DispatchQueue(label: "sectorstats.atomicfile.direct")
    /// Free buffers, counted. (Made with 0 and signalled up: libdispatch traps when a
    /// semaphore dies below the value it was made with, and one buffer is always taken.)
    private let available = DispatchSemaphore(value: 0)
    /// Free buffers, and the errno of the first failed write.
    private let state = Mutex<(free: [Int], failure: Int32?)>((Array(0..<DirectWriter.count), nil))

    init(fd: Int32, blockSize: Int) {
        self.fd = fd
        self.blockSize = blockSize
        buffers = (0..<Self.count).map { _ in .allocate(byteCount: blockSize, alignment: 4096) }
        for _ in 0..<Self.count { available.signal() }
    }

    deinit {
        queue.sync {}
        for b in buffers { b.deallocate() }
    }

    func pointer(_ buffer: Int) -> UnsafeMutableRawPointer { buffers[buffer] }

    /// A free buffer (waiting while all are being written), and the first failure so far.
    func take() -> (buffer: Int, failure: Int32?) {
        available.wait()
        return state.withLock { s in (s.free.removeLast(), s.failure) }
    }

    /// Writes the first `count` bytes of `buffer` in the background, then frees it.
    func submit(_ buffer: Int, count: Int) {
        queue.async { [self] in
            let failed = state.withLock { $0.failure != nil }
            let failure = failed ? nil : writeOut(buffers[buffer], count)
            state.withLock { s in
                s.free.append(buffer)
                if s.failure == nil { s.failure = failure }
            }
            available.signal()
        }
    }

    /// Waits for every submitted write; the errno of the first that failed.
    func drain() -> Int32? {
        queue.sync {}
        return state.withLock { $0.failure }
    }

    private func writeOut(_ p: UnsafeMutableRawPointer, _ count: Int) -> Int32? {
        var off = 0
        while off < count {
            let n = Glibc.write(fd, p + off, count - off)
            if n < 0 {
                if errno == EINTR { continue }
                // A file system that takes O_DIRECT at open but not this write (or an offset
                // left unaligned by a short write): ordinary writes from here on.
                if errno == EINVAL, Self.clearDirect(fd) { continue }
                return errno
            }
            off += n
        }
        return nil
    }

    /// Clears `O_DIRECT` on `fd`; false when it was not set (or cannot be read).
    static func clearDirect(_ fd: Int32) -> Bool {
        guard let d = AtomicFile.directFlag else { return false }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, flags & d != 0 else { return false }
        return fcntl(fd, F_SETFL, flags & ~d) == 0
    }
}
