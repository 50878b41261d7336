#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled memory for a large hash table, mapped directly rather than through malloc.
///
/// Why: the record_id set is 256 MiB of 16-byte slots and every insert lands on a random
/// one. With 4 KiB pages each insert also misses the TLB, and the page-table walk misses the
/// cache too; on Linux, `MADV_HUGEPAGE` asks for 2 MiB pages (this machine's transparent
/// huge pages are in `madvise` mode), so the whole table fits the TLB. The kernel hands out
/// zeroed pages as they are first touched, so nothing is written up front either.
/// Falls back to `calloc` when the mapping fails (or the platform has no `mmap`).
/// The memory is bound to `UInt64` (the one type its users store: ``ByteKeySet``'s words).
final class ZeroedPages {
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private let mapped: Bool

    init(byteCount: Int) {
        let count = max(byteCount, 16)
        self.byteCount = count
        #if os(Linux)
        let p = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let p, p != UnsafeMutableRawPointer(bitPattern: -1) {  // MAP_FAILED
            if count >= 2 << 20 { _ = madvise(p, count, MADV_HUGEPAGE) }
            p.bindMemory(to: UInt64.self, capacity: count / 8)
            base = p
            mapped = true
            return
        }
        #endif
        guard let p = calloc(count, 1) else { fatalError("out of memory: \(count) bytes for a hash table") }
        p.bindMemory(to: UInt64.self, capacity: count / 8)
        base = p
        mapped = false
    }

    deinit {
        if mapped { munmap(base, byteCount) } else { free(base) }
    }

    /// A copy of the whole table (for copy-on-write of a value type built on it).
    func copy() -> ZeroedPages {
        let other = ZeroedPages(byteCount: byteCount)
        other.base.copyMemory(from: base, byteCount: byteCount)
        return other
    }
}

/// Asks for 2 MiB pages under an array's storage, for the large tables built from scratch
/// by every merge (the registry's USCC tables and entries): fewer page faults while they
/// fill, and look-ups that miss the TLB less (see ``ZeroedPages``). Only advice: call it
/// right after reserving capacity, before the elements are written.
enum HugePages {
    static func advise<T>(_ array: inout [T]) {
        #if os(Linux)
        let bytes = array.capacity * MemoryLayout<T>.stride
        guard bytes >= 4 << 20 else { return }
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let page = 2 << 20
            let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: base) + bytes) & ~(page - 1)
            if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) { _ = madvise(p, end - start, MADV_HUGEPAGE) }
        }
        #endif
    }
}
