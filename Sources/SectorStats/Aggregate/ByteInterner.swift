/// Interns byte strings (funder names, industries) to dense ids in first-seen order,
/// without allocating per look-up: the bytes of all distinct strings live in one array and
/// an open-addressing table is probed with a word-at-a-time hash.
///
/// Each slot holds the id, the top 32 bits of the string's hash and where its bytes are, so
/// a probe touches one slot and compares bytes only when the hash bits agree (two cache
/// misses, not four, and no byte-by-byte hashing: the look-up runs once or twice per
/// funding row).
///
/// Ids are local to one interner: a worker's chunk interns into its own, and `merge`
/// re-interns the other side's strings (once per distinct string, not per row).
struct ByteInterner: Sendable {
    private var storage: [UInt8] = []
    /// String `id` is `storage[starts[id]..<starts[id + 1]]`.
    private var starts: [Int] = [0]
    private struct Slot: Sendable {
        /// The hash's top 32 bits in the high half, id + 1 in the low half; 0 = free.
        var key: UInt64 = 0
        /// The string's start in `storage` in the high half, its length in the low half.
        var span: UInt64 = 0
    }

    /// By hash position. The count is a power of two, at most half full.
    private var slots: [Slot] = Array(repeating: Slot(), count: 16)

    var count: Int { starts.count - 1 }

    init() {}

    /// An interner sized for `count` strings (no rehash until then).
    init(capacity count: Int) {
        var size = 16
        while size < count * 2 + 2 { size *= 2 }
        slots = Array(repeating: Slot(), count: size)
        starts.reserveCapacity(count + 1)
    }

    /// The id of `key`, adding it when new.
    @inline(__always)
    mutating func intern(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        intern(key, hash: Self.hash(key))
    }

    /// ``intern(_:)`` of a key whose ``hash(_:)`` is known.
    @inline(__always)
    mutating func intern(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
        let (id, position) = probe(key, hash)
        if let id { return id }
        precondition(storage.count + key.count < 1 << 32, "more than 4 GiB of interned bytes")
        let new = Int32(count)
        slots[position] = Slot(key: hash & 0xFFFF_FFFF_0000_0000 | UInt64(new + 1),
                               span: UInt64(storage.count) << 32 | UInt64(key.count))
        storage.append(contentsOf: key)
        starts.append(storage.count)
        if count * 2 > slots.count { rehash(capacity: slots.count * 2) }
        return new
    }

    /// The id of `key` (hashed to `hash`), or the free position where it would go.
    @inline(__always)
    private func probe(_ key: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> (id: Int32?, position: Int) {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { table in
            storage.withUnsafeBufferPointer { bytes in
                let mask = table.count - 1
                var position = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = table[position]
                    if slot.key == 0 { return (nil, position) }
                    if slot.key & 0xFFFF_FFFF_0000_0000 == tag, Int(slot.span & 0xFFFF_FFFF) == key.count,
                       Self.equal(bytes.baseAddress.map { $0 + Int(slot.span >> 32) }, key.baseAddress, key.count) {
                        return (Int32(truncatingIfNeeded: Int(slot.key & 0xFFFF_FFFF) - 1), position)
                    }
                    position = (position + 1) & mask
                }
            }
        }
    }

    /// Starts loading the slot where `key`'s probe begins (see ``Prefetch``).
    @inline(__always)
    func prefetch(_ key: UnsafeBufferPointer<UInt8>) {
        let hash = Self.hash(key)
        slots.withUnsafeBufferPointer { table in
            if let base = table.baseAddress { Prefetch.forRead(base + (Int(truncatingIfNeeded: hash) & (table.count - 1))) }
        }
    }

    /// Starts loading the slot where a key of this ``hash(_:)`` is probed first.
    @inline(__always)
    func prefetch(hash: UInt64) {
        slots.withUnsafeBufferPointer { table in
            if let base = table.baseAddress { Prefetch.forRead(base + (Int(truncatingIfNeeded: hash) & (table.count - 1))) }
        }
    }

    /// Starts loading the bytes of the string in that first slot, if any: a look-up compares
    /// them (call it once the slot itself has had time to load).
    @inline(__always)
    func prefetchBytes(hash: UInt64) {
        slots.withUnsafeBufferPointer { table in
            let slot = table[Int(truncatingIfNeeded: hash) & (table.count - 1)]
            guard slot.key != 0 else { return }
            storage.withUnsafeBufferPointer { bytes in
                if let base = bytes.baseAddress { Prefetch.forRead(base + Int(slot.span >> 32)) }
            }
        }
    }

    /// The id of `key` when it was interned, without adding it.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        probe(key, Self.hash(key)).id
    }

    /// String convenience for `intern(_:)` (no copy for native strings).
    mutating func intern(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { intern($0) }
    }

    /// Calls `body` with the bytes of `id`.
    func withBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let range = starts[Int(id)]..<starts[Int(id) + 1]
        return try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    func string(_ id: Int32) -> String {
        withBytes(id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether string `a` sorts before string `b` by UTF-8 bytes.
    func precedes(_ a: Int32, _ b: Int32) -> Bool {
        storage[starts[Int(a)]..<starts[Int(a) + 1]].lexicographicallyPrecedes(storage[starts[Int(b)]..<starts[Int(b) + 1]])
    }

    @inline(__always)
    private static func equal(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard let a, let b else { return false }
        var i = 0
        while i &+ 8 <= count {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    private mutating func rehash(capacity: Int) {
        var table = [Slot](repeating: Slot(), count: capacity)
        let mask = capacity - 1
        storage.withUnsafeBufferPointer { bytes in
            for id in 0..<count {
                let key = UnsafeBufferPointer(rebasing: bytes[starts[id]..<starts[id + 1]])
                let hash = Self.hash(key)
                var position = Int(truncatingIfNeeded: hash) & mask
                while table[position].key != 0 { position = (position + 1) & mask }
                table[position] = Slot(key: hash & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1),
                                       span: UInt64(starts[id]) << 32 | UInt64(key.count))
            }
        }
        slots = table
    }

    /// A 64-bit hash of the bytes, eight at a time (multiply-xorshift rounds and a final
    /// avalanche, so both the low bits used for the position and the high bits kept in the
    /// slot mix well). Only ever compared within one process: not a stable format.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: key.count) &* 0x9E37_79B9_7F4A_7C15
        guard let base = key.baseAddress else { return h ^ h >> 29 }
        let n = key.count
        var i = 0
        while i &+ 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i &+= 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(base[i]) << shift
                shift &+= 8
                i &+= 1
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }
}

/// Counts per `UInt64` key (a funder id and an industry id packed), by open addressing with
/// a multiplicative hash: the per-row `+= 1` without a `Dictionary`'s SipHash.
struct CountTable: Sendable {
    private struct Entry: Sendable {
        /// `UInt64.max` = free (keys pack two 31-bit ids, so never all ones).
        var key: UInt64 = .max
        var count: Int64 = 0
    }

    /// Key and count side by side: one cache miss per `add`.
    private var entries: [Entry] = Array(repeating: Entry(), count: 16)
    private(set) var count = 0

    @inline(__always)
    mutating func add(_ key: UInt64, _ n: Int64) {
        precondition(key != .max, "key reserved for free slots")
        let mask = entries.count - 1
        var position = Self.position(key, mask)
        while true {
            let k = entries[position].key
            if k == key {
                entries[position].count += n
                return
            }
            if k == .max { break }
            position = (position + 1) & mask
        }
        entries[position] = Entry(key: key, count: n)
        count += 1
        if count * 2 > entries.count { grow() }
    }

    /// Every (key, count), in table order (callers must not depend on the order).
    func forEach(_ body: (UInt64, Int64) throws -> Void) rethrows {
        for e in entries where e.key != .max { try body(e.key, e.count) }
    }

    @inline(__always)
    private static func position(_ key: UInt64, _ mask: Int) -> Int {
        let h = (key ^ key >> 29) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h >> 32) & mask
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(), count: old.count * 2)
        count = 0
        for e in old where e.key != .max { add(e.key, e.count) }
    }
}
