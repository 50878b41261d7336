/// A set of byte strings for first-wins duplicate detection over millions of keys (the
/// funding table's record_ids): open addressing with linear probing over 16-byte slots.
///
/// A key of 1–15 bytes lives in its slot (bytes little-endian in the two words, its length
/// in the top byte), so a look-up is one cache miss and inserting allocates nothing; a
/// longer key lives in an arena and its slot holds the offset, the length and 24 bits of
/// its hash. Against `Set<String>` (SipHash, a String per key, 16-byte buckets too) this
/// drops the per-row String and the hashing cost, and `reserve` sizes the table once so that
/// memory does not double while it grows. At most 3/4 full.
///
/// The slots are ``ZeroedPages`` (huge pages where the kernel allows), and a caller that
/// knows its next keys can ``prefetch(_:)`` their slots: with 10M keys every insert is a
/// cache miss, and overlapping a dozen of them is what makes the set cheap. A value type:
/// the slots are copied before a write when they are shared.
struct ByteKeySet {
    /// Two words per slot; both zero = free.
    private var slots: ZeroedPages
    private var mask: Int
    private(set) var count = 0
    /// No key, not even the empty one (which `count` does not include).
    var isEmpty: Bool { count == 0 && !hasEmpty }
    private var arena: [UInt8] = []
    private var hasEmpty = false

    private static let longMarker: UInt64 = 0xFF << 56

    init(minimumCapacity: Int = 0) {
        let size = Self.size(for: minimumCapacity)
        slots = ZeroedPages(byteCount: 16 * size)
        mask = size - 1
    }

    /// The number of slots the table needs to hold `n` keys at most 3/4 full.
    private static func size(for n: Int) -> Int {
        var size = 16
        while size / 4 * 3 < n { size *= 2 }
        return size
    }

    @inline(__always)
    private var words: UnsafeMutablePointer<UInt64> { slots.base.assumingMemoryBound(to: UInt64.self) }

    /// Makes room for `n` keys in all without growing again.
    mutating func reserve(_ n: Int) {
        let size = Self.size(for: n)
        if size > mask + 1 { rehash(size: size) }
    }

    /// Starts loading the slot where `key`'s probe begins, for writing (see ``Prefetch``):
    /// call it some keys ahead of ``insert(_:)``.
    @inline(__always)
    func prefetch(_ key: UnsafeBufferPointer<UInt8>) {
        guard !key.isEmpty else { return }
        let i: Int
        if key.count < 16 {
            let (lo, hi) = Self.pack(key)
            i = Self.mix(lo, hi) & mask
        } else {
            i = Int(truncatingIfNeeded: Self.hash(key)) & mask
        }
        Prefetch.forWrite(words + 2 * i)
    }

    /// Inserts `key`; false when it was already present.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        if key.isEmpty {
            defer { hasEmpty = true }
            return !hasEmpty
        }
        if (count + 1) > (mask + 1) / 4 * 3 { rehash(size: 2 * (mask + 1)) }
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        let inserted: Bool
        if key.count < 16 {
            let (lo, hi) = Self.pack(key)
            inserted = insertInline(lo, hi)
        } else {
            inserted = insertLong(key)
        }
        if inserted { count += 1 }
        return inserted
    }

    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        if key.isEmpty { return hasEmpty }
        let w = words
        if key.count < 16 {
            let (lo, hi) = Self.pack(key)
            var i = Self.mix(lo, hi) & mask
            while w[2 * i] | w[2 * i + 1] != 0 {
                if w[2 * i] == lo && w[2 * i + 1] == hi { return true }
                i = (i + 1) & mask
            }
            return false
        }
        let hash = Self.hash(key)
        let tag = Self.longMarker | (hash >> 40) << 32 | UInt64(key.count)
        var i = Int(truncatingIfNeeded: hash) & mask
        while w[2 * i] | w[2 * i + 1] != 0 {
            if w[2 * i + 1] == tag, arenaEquals(Int(w[2 * i]), key) { return true }
            i = (i + 1) & mask
        }
        return false
    }

    // MARK: - Private

    @inline(__always)
    private mutating func insertInline(_ lo: UInt64, _ hi: UInt64) -> Bool {
        let w = words
        var i = Self.mix(lo, hi) & mask
        while w[2 * i] | w[2 * i + 1] != 0 {
            if w[2 * i] == lo && w[2 * i + 1] == hi { return false }
            i = (i + 1) & mask
        }
        w[2 * i] = lo
        w[2 * i + 1] = hi
        return true
    }

    private mutating func insertLong(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let w = words
        let hash = Self.hash(key)
        let tag = Self.longMarker | (hash >> 40) << 32 | UInt64(key.count)
        var i = Int(truncatingIfNeeded: hash) & mask
        while w[2 * i] | w[2 * i + 1] != 0 {
            if w[2 * i + 1] == tag, arenaEquals(Int(w[2 * i]), key) { return false }
            i = (i + 1) & mask
        }
        w[2 * i] = UInt64(arena.count)
        w[2 * i + 1] = tag
        arena.append(contentsOf: key)
        return true
    }

    private func arenaEquals(_ offset: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { a in
            guard offset + key.count <= a.count else { return false }
            for k in 0..<key.count where a[offset + k] != key[k] { return false }
            return true
        }
    }

    private mutating func rehash(size: Int) {
        let old = words
        let oldSize = mask + 1
        let oldSlots = slots  // keeps the old table alive while it is read
        slots = ZeroedPages(byteCount: 16 * size)
        mask = size - 1
        let mask = mask
        let w = words
        arena.withUnsafeBufferPointer { a in
            for j in 0..<oldSize {
                let (lo, hi) = (old[2 * j], old[2 * j + 1])
                guard lo | hi != 0 else { continue }
                var i: Int
                if hi & Self.longMarker == Self.longMarker {
                    let key = UnsafeBufferPointer(rebasing: a[Int(lo)..<(Int(lo) + Int(hi & 0xFFFF_FFFF))])
                    i = Int(truncatingIfNeeded: Self.hash(key)) & mask
                } else {
                    i = Self.mix(lo, hi) & mask
                }
                while w[2 * i] | w[2 * i + 1] != 0 { i = (i + 1) & mask }
                w[2 * i] = lo
                w[2 * i + 1] = hi
            }
        }
        withExtendedLifetime(oldSlots) {}
    }

    /// A key of 1–15 bytes as two words: bytes 0–7 in `lo`, 8–14 in `hi`, the length in
    /// `hi`'s top byte (never 0, so a used slot is never all zero, and never 0xFF).
    @inline(__always)
    private static func pack(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var lo: UInt64 = 0
        var hi = UInt64(key.count) << 56
        for k in 0..<min(key.count, 8) { lo |= UInt64(key[k]) << (8 * k) }
        if key.count > 8 {
            for k in 8..<key.count { hi |= UInt64(key[k]) << (8 * (k - 8)) }
        }
        return (lo, hi)
    }

    @inline(__always)
    private static func mix(_ lo: UInt64, _ hi: UInt64) -> Int {
        var h = lo &* 0x9E37_79B9_7F4A_7C15 ^ (hi &+ 0x632B_E59B_D9B4_E019) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    /// 64-bit FNV-1a with a final avalanche (long keys only: rare).
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
