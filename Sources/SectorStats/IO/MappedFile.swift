#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory: its bytes straight from the page cache,
/// without copying them into the process or allocating for them.
///
/// `@unchecked Sendable` is safe because: the mapping is read-only (`PROT_READ`) and private,
/// `base` and `count` never change after `init`, and the memory is unmapped only in `deinit`,
/// which runs when no reference (so no reader on any thread) is left.
final class MappedFile: @unchecked Sendable {
    let path: String
    private let base: UnsafeRawPointer?
    let count: Int

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SectorStatsError(.missingStageInput, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw SectorStatsError(.missingStageInput, file: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        count = Int(st.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {  // MAP_FAILED
            throw SectorStatsError(.missingStageInput, file: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        #if os(Linux)
        _ = madvise(p, count, MADV_SEQUENTIAL)
        #endif
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The file's bytes, valid while this object is alive.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the mapped pages of `range` (whole pages within it) from this process, as
    /// ``evict()`` does for all of them.
    func evict(_ range: Range<Int>) {
        #if os(Linux)
        guard let base, range.lowerBound >= 0, range.upperBound <= count else { return }
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 1)
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound == count ? count : range.upperBound / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED) }
        #endif
    }

    /// Drops the mapped pages from this process (they stay in the page cache, and a later
    /// read maps them again): for a file read once, so that it does not count in the
    /// process's memory for the rest of the run.
    func evict() {
        #if os(Linux)
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED) }
        #endif
    }
}
