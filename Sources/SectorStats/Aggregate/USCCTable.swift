/// USCC → organization id for the join of funding rows to the registry: open addressing
/// over the code's two packed halves with a multiplicative hash, sized once for the number
/// of organizations (at most half full). A look-up runs once per funding row and, with
/// 900,000 organizations, is a cache miss: code and id sit together in one 24-byte slot so
/// that it is one miss, not three (measured), and no SipHash over 16 bytes as in a
/// `Dictionary<USCC, Int32>`.
struct USCCTable: Sendable {
    private struct Slot: Sendable {
        var high: UInt64 = 0
        var low: UInt64 = 0
        /// -1 = free.
        var id: Int32 = -1
    }

    private var slots: [Slot]
    private var shift: UInt64
    private var count = 0

    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        var slots: [Slot] = []
        slots.reserveCapacity(size)
        HugePages.advise(&slots)
        slots.append(contentsOf: repeatElement(Slot(), count: size))
        self.slots = slots
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    @inline(__always)
    private func position(_ high: UInt64, _ low: UInt64) -> Int {
        let h = (high &* 0x9E37_79B9_7F4A_7C15) ^ (low &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: ((h ^ h >> 31) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Starts loading the slot where the code's probe begins (see ``Prefetch``).
    @inline(__always)
    func prefetch(high: UInt64, low: UInt64) {
        slots.withUnsafeBufferPointer { slots in
            if let base = slots.baseAddress { Prefetch.forRead(base + position(high, low)) }
        }
    }

    /// The id of the code (`high`, `low`: ``USCC``'s halves), or nil.
    @inline(__always)
    func id(high: UInt64, low: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = position(high, low)
            while true {
                let slot = slots[i]
                if slot.id < 0 { return nil }
                if slot.high == high, slot.low == low { return slot.id }
                i = (i + 1) & mask
            }
        }
    }

    /// Stores `id` for `code` unless the code is already there; returns the id already stored.
    mutating func insert(_ code: USCC, id: Int32) -> Int32? {
        precondition(id >= 0, "ids are non-negative")
        let mask = slots.count - 1
        var i = position(code.high, code.low)
        while slots[i].id >= 0 {
            if slots[i].high == code.high, slots[i].low == code.low { return slots[i].id }
            i = (i + 1) & mask
        }
        precondition(2 * (count + 1) <= slots.count, "more codes than the table was sized for")
        slots[i] = Slot(high: code.high, low: code.low, id: id)
        count += 1
        return nil
    }

    /// Stores `id` for `code`, replacing the id stored before (returned); grows as needed.
    /// For last-wins: the caller learns which earlier row the code's new row supersedes.
    mutating func replace(_ code: USCC, id: Int32) -> Int32? {
        precondition(id >= 0, "ids are non-negative")
        if 2 * (count + 1) > slots.count { grow() }
        let mask = slots.count - 1
        var i = position(code.high, code.low)
        while slots[i].id >= 0 {
            if slots[i].high == code.high, slots[i].low == code.low {
                defer { slots[i].id = id }
                return slots[i].id
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(high: code.high, low: code.low, id: id)
        count += 1
        return nil
    }

    /// Replaces every stored id by `new(id)` (one pass over the slots, no re-hashing).
    mutating func renumber(_ new: (Int32) -> Int32) {
        slots.withUnsafeMutableBufferPointer { slots in
            for i in slots.indices where slots[i].id >= 0 {
                let id = new(slots[i].id)
                precondition(id >= 0, "a renumbered id is an id")
                slots[i].id = id
            }
        }
    }

    private mutating func grow() {
        var bigger = USCCTable(capacity: slots.count)
        for slot in slots where slot.id >= 0 { _ = bigger.insert(USCC(high: slot.high, low: slot.low), id: slot.id) }
        self = bigger
    }
}
