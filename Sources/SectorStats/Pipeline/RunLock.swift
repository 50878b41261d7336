#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock per output folder: `flock` on `OUT/.lock`. The kernel drops it when
/// the process ends however it ends, so a crashed or killed run never leaves a stale lock.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `locked` at once (no waiting: cron runs must not pile up).
    public init(folder: String) throws {
        path = folder + "/.lock"
        // Never through a link (it could point at a file of the user's, which the pid would
        // overwrite), and only a regular file.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw SectorStatsError(.unsafeOutputFolder, file: path,
                                       "OUT/.lock is a symbolic link; sectorstats never follows a link inside its output folder: remove the link, or choose another --out")
            }
            throw SectorStatsError(.fileNotWritable, file: path, "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw SectorStatsError(.unsafeOutputFolder, file: path, "OUT/.lock is not a regular file: move it away, or choose another --out")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = RunLock.holder(fd)
            close(fd)
            throw SectorStatsError(.locked, file: folder,
                                   "another sectorstats run holds this output folder\(holder.map { " (pid \($0))" } ?? ""); not starting a second one")
        }
        self.fd = fd
        // Record our pid for the message a second run prints (informational only).
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    private static func holder(_ fd: Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buf, 32, 0)
        guard n > 0 else { return nil }
        let s = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: ["\n", " "])
        return s.isEmpty ? nil : s
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
