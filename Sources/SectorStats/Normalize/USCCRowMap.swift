/// USCC → row number, for last-wins duplicate detection over a registry of a million
/// organizations: open addressing over the code's two packed halves with a multiplicative
/// hash (no SipHash per row as in `Dictionary<USCC, Int>`), code and row in one slot, at
/// most half full, doubling as it grows.
struct USCCRowMap {
    private struct Slot {
        var high: UInt64 = 0
        var low: UInt64 = 0
        /// -1 = free.
        var row: Int32 = -1
    }

    private var slots: [Slot]
    private var shift: UInt64
    private(set) var count = 0

    init(minimumCapacity: Int = 0) {
        var size = 16
        while size < 2 * minimumCapacity { size *= 2 }
        slots = Array(repeating: Slot(), count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    @inline(__always)
    private static func position(_ high: UInt64, _ low: UInt64, _ shift: UInt64) -> Int {
        let h = (high &* 0x9E37_79B9_7F4A_7C15) ^ (low &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: ((h ^ h >> 31) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Sets `code`'s row to `row`; returns the row it had, nil when it is new.
    mutating func update(_ code: USCC, row: Int32) -> Int32? {
        precondition(row >= 0, "rows are non-negative")
        if 2 * (count + 1) > slots.count { grow() }
        let shift = shift
        let previous: Int32? = slots.withUnsafeMutableBufferPointer { slots in
            let mask = slots.count - 1
            var i = Self.position(code.high, code.low, shift)
            while slots[i].row >= 0 {
                if slots[i].high == code.high && slots[i].low == code.low {
                    defer { slots[i].row = row }
                    return slots[i].row
                }
                i = (i + 1) & mask
            }
            slots[i] = Slot(high: code.high, low: code.low, row: row)
            return nil
        }
        if previous == nil { count += 1 }
        return previous
    }

    func row(of code: USCC) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Self.position(code.high, code.low, shift)
            while slots[i].row >= 0 {
                if slots[i].high == code.high && slots[i].low == code.low { return slots[i].row }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: 2 * old.count)
        shift = UInt64(64 - slots.count.trailingZeroBitCount)
        let shift = shift
        slots.withUnsafeMutableBufferPointer { slots in
            let mask = slots.count - 1
            for slot in old where slot.row >= 0 {
                var i = Self.position(slot.high, slot.low, shift)
                while slots[i].row >= 0 { i = (i + 1) & mask }
                slots[i] = slot
            }
        }
    }
}
