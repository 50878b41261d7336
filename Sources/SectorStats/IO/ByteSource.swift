#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes read in blocks: a file (or a byte range of one), stdin, or the
/// inflated content of a gzip file.
protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a file descriptor with `pread` over a byte range, or with `read` when the
/// descriptor is not seekable (stdin, pipes).
final class FileByteSource: ByteSource {
    let fd: Int32
    let path: String
    private let ownsDescriptor: Bool
    private var offset: Int64
    private let end: Int64?
    private let seekable: Bool

    /// Opens `path` for reading, optionally limited to `range` (byte offsets).
    init(path: String, range: Range<Int64>? = nil) throws {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw SectorStatsError(.fileNotReadable, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw SectorStatsError(.fileNotReadable, file: path, "cannot stat: \(why)")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            close(fd)
            throw SectorStatsError(.fileNotReadable, file: path, "is a directory, expected a CSV file")
        default:
            // A FIFO, socket or device could block forever or never end; stdin is read as `-`.
            let kind = Self.kindName(st.st_mode & S_IFMT)
            close(fd)
            throw SectorStatsError(.fileNotReadable, file: path, "is \(kind), not a regular file: sectorstats reads files only (pipe data in as `-` where a command takes stdin, or save it to a file first)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.fd = fd
        self.path = path
        self.ownsDescriptor = true
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound
        self.seekable = lseek(fd, 0, SEEK_CUR) >= 0
    }

    static func kindName(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "a special file"
        }
    }

    /// Wraps an already open descriptor (stdin) without taking ownership.
    init(descriptor: Int32, name: String) {
        self.fd = descriptor
        self.path = name
        self.ownsDescriptor = false
        self.offset = 0
        self.end = nil
        self.seekable = false
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The size of the file in bytes, when it is a regular file.
    var fileSize: Int64? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var want = buffer.count
        if let end { want = Int(min(Int64(want), max(0, end - offset))) }
        if want == 0 { return 0 }
        while true {
            let n = seekable
                ? pread(fd, buffer.baseAddress, want, off_t(offset))
                : Glibc.read(fd, buffer.baseAddress, want)
            if n >= 0 {
                offset += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw SectorStatsError(.fileNotReadable, file: path, "read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Serves some bytes already read (for sniffing) before the rest of another source.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private var prefixOffset = 0
    private let rest: ByteSource

    init(prefix: [UInt8], rest: ByteSource) {
        self.prefix = prefix
        self.rest = rest
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if prefixOffset < prefix.count {
            let n = min(buffer.count, prefix.count - prefixOffset)
            prefix.withUnsafeBytes { src in
                buffer.baseAddress?.copyMemory(from: src.baseAddress! + prefixOffset, byteCount: n)
            }
            prefixOffset += n
            if prefixOffset == prefix.count { prefix = [] ; prefixOffset = Int.max }
            return n
        }
        return try rest.read(into: buffer)
    }
}

/// The inflated content of a gzip stream read from another source.
final class GzipByteSource: ByteSource {
    private let input: ByteSource
    private let name: String
    private let inflater: Inflater
    private let inBuffer: UnsafeMutableRawBufferPointer
    private var inStart = 0
    private var inEnd = 0
    private var inputEOF = false
    private var sawData = false

    init(input: ByteSource, name: String, blockSize: Int = 1 << 18) throws {
        self.input = input
        self.name = name
        self.inflater = try Inflater()
        self.inBuffer = .allocate(byteCount: blockSize, alignment: 16)
    }

    deinit { inBuffer.deallocate() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inStart == inEnd && !inputEOF {
                inStart = 0
                inEnd = try input.read(into: inBuffer)
                if inEnd == 0 { inputEOF = true }
            }
            if inStart == inEnd && inputEOF {
                if sawData && !inflater.atMemberEnd {
                    throw SectorStatsError(.corruptData, file: name, "gzip stream is truncated (unexpected end of file)")
                }
                return 0
            }
            let (consumed, produced): (Int, Int)
            do {
                (consumed, produced) = try inflater.inflate(
                    input: UnsafeRawBufferPointer(rebasing: inBuffer[inStart..<inEnd]), output: buffer)
            } catch var e as SectorStatsError {
                e.file = name
                throw e
            }
            inStart += consumed
            sawData = true
            if produced > 0 { return produced }
            if consumed == 0 && !inflater.atMemberEnd && inStart < inEnd {
                throw SectorStatsError(.corruptData, file: name, "gzip stream makes no progress (corrupt data)")
            }
        }
    }
}
