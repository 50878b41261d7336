#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor (stdout, stderr). A closed pipe (`sectorstats
/// inspect … | head`) is not an error: `brokenPipe` is set and further output is dropped.
public final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushAt: Int
    public private(set) var brokenPipe = false

    public static func standardOutput() -> OutputStream { OutputStream(fd: STDOUT_FILENO) }
    public static func standardError() -> OutputStream { OutputStream(fd: STDERR_FILENO, flushAt: 0) }

    public init(fd: Int32, flushAt: Int = 1 << 16) {
        self.fd = fd
        self.flushAt = flushAt
        buffer.reserveCapacity(flushAt + 4096)
        // Let write(2) report EPIPE instead of the process dying of SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { flush() }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { write(bytes: $0) }
    }

    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count > flushAt { flush() }
    }

    public func write(byte: UInt8) {
        buffer.append(byte)
        if buffer.count > flushAt { flush() }
    }

    public func flush() {
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !brokenPipe else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    brokenPipe = true
                    return
                }
                off += n
            }
        }
    }
}
