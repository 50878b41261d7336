import Foundation

/// What `stat` says about a file: size, modification and status-change times (ns) and inode.
/// A cluster driver's plan hashes every input once and hands each shard task the hash with
/// the file's stamp; the task uses the hash only while the stamp is unchanged, instead of
/// reading the whole file again (a range task would read it once per range).
public struct FileStamp: Sendable, Equatable, CustomStringConvertible {
    public var size: Int64
    public var modified: Int64
    public var changed: Int64
    public var inode: UInt64

    /// The stamp of the file at `path`, taken on an open descriptor: opening makes a network
    /// file system check the file's attributes with the server (close-to-open), where a bare
    /// `stat` may answer from a cache some seconds old.
    /// Anything but a regular file has none (a FIFO is not opened: that would wait for a writer).
    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        inode = UInt64(st.st_ino)
    }

    /// `SIZE:MTIME_NS:CTIME_NS:INODE`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, let size = Int64(parts[0]), let modified = Int64(parts[1]), let changed = Int64(parts[2]),
              let inode = UInt64(parts[3]) else { return nil }
        (self.size, self.modified, self.changed, self.inode) = (size, modified, changed, inode)
    }

    public var description: String { "\(size):\(modified):\(changed):\(inode)" }

    /// The time the stamp was taken at, in ns: a file written in the same clock tick as the
    /// stamp could be written again without its times moving ("racy", as git calls it).
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The stamp of `path` taken before hashing it, kept only if the file reads the same
    /// after (`after`): unchanged, and last written well before the first stat. Three
    /// seconds: a file system that keeps times in 2-second steps (FAT, some SMB and NFS
    /// exports) could otherwise record a rewrite with the same times, and a file server's
    /// clock may run slightly behind this one's.
    static func settled(before: FileStamp?, at: Int64, after: FileStamp?) -> FileStamp? {
        guard let before, before == after, max(before.modified, before.changed) < at - 3_000_000_000 else { return nil }
        return before
    }

    /// Throws unless `path` still has `stamp` (a partial built from its bytes would hold
    /// other content than its key says).
    static func check(_ path: String, still stamp: FileStamp?, _ what: String) throws {
        guard let stamp, FileStamp(path: path) != stamp else { return }
        throw SectorStatsError(.inputChanged, file: path, "the file changed while it was \(what); run again")
    }
}
