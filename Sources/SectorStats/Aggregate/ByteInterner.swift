/// Interns byte strings (funder names, industries) to dense ids in first-seen order,
/// without allocating per look-up: the bytes of all distinct strings live in one array and
/// an open-addressing table of ids is probed with an FNV-1a hash.
///
/// Ids are local to one interner: a worker's chunk interns into its own, and `merge`
/// re-interns the other side's strings (once per distinct string, not per row).
struct ByteInterner: Sendable {
    private var storage: [UInt8] = []
    /// String `id` is `storage[starts[id]..<starts[id + 1]]`.
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Ids by hash position; -1 = free. The count is a power of two, at most half full.
    private var slots: [Int32] = Array(repeating: -1, count: 16)

    var count: Int { hashes.count }

    /// The id of `key`, adding it when new.
    @inline(__always)
    mutating func intern(_ key: UnsafeBufferPointer<UInt8>) -> Int32 {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[position]
            if id < 0 { break }
            if hashes[Int(id)] == hash, equals(Int(id), key) { return id }
            position = (position + 1) & mask
        }
        let id = Int32(hashes.count)
        storage.append(contentsOf: key)
        starts.append(storage.count)
        hashes.append(hash)
        slots[position] = id
        if hashes.count * 2 > slots.count { rehash(capacity: slots.count * 2) }
        return id
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

    private func equals(_ id: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[id]
        guard starts[id + 1] - start == key.count else { return false }
        return storage.withUnsafeBufferPointer { all in
            for i in 0..<key.count where all[start + i] != key[i] { return false }
            return true
        }
    }

    private mutating func rehash(capacity: Int) {
        var table = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (id, hash) in hashes.enumerated() {
            var position = Int(truncatingIfNeeded: hash) & mask
            while table[position] >= 0 { position = (position + 1) & mask }
            table[position] = Int32(id)
        }
        slots = table
    }

    /// 64-bit FNV-1a with a final avalanche, so the low bits used for the position mix well.
    @inline(__always)
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
