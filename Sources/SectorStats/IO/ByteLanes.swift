/// Tests on eight bytes at a time (SWAR: the bytes of a `UInt64` as lanes), for the
/// per-field scans of the hot path.
enum ByteLanes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when some byte of `word` is `byte` (and zero when none is).
    ///
    /// `v = word ^ byte…byte` has a zero lane where `word` has `byte`; `(v - 1…1) & ~v`
    /// sets the high bit of a zero lane. A lane above a zero lane may be flagged too (the
    /// borrow), which does not matter for an any-test.
    @inline(__always)
    static func matching(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let v = word ^ (ones &* UInt64(byte))
        return (v &- ones) & ~v & highs
    }

    /// The high bit of exactly the lanes of `word` that are `byte` (no borrow between
    /// lanes, unlike `matching`): for finding positions, lane `i` being bit `8 i + 7` of a
    /// little-endian load.
    ///
    /// `(v & 7F…7F) + 7F…7F` sets the high bit of each lane whose low seven bits are not all
    /// zero, without carrying into the next lane; or-ing `v` adds the lanes with the high bit
    /// set, so the lanes left clear are the zero lanes of `v`.
    @inline(__always)
    static func exactMatches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let v = word ^ (ones &* UInt64(byte))
        return ~(((v & lows) &+ lows) | v | lows)
    }

    /// Calls `body` with the bytes of `raw` as words of eight (native byte order), every
    /// byte in at least one word: the whole words, then the last eight bytes (overlapping
    /// the words before); a field shorter than eight bytes as one word of overlapping loads,
    /// with zero bytes in the lanes a field under four bytes leaves. For any-tests of
    /// non-zero byte values only: a byte may be seen twice.
    ///
    /// (The tail was first copied into a zeroed word: a `memcpy` call per field, which made
    /// this ~3% of a run.)
    @inline(__always)
    static func forEachWord(_ raw: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Void) {
        guard let base = raw.baseAddress else { return }
        let n = raw.count
        let bytes = UnsafeRawPointer(base)
        if n >= 8 {
            var i = 0
            while i + 8 <= n {
                body(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            if i < n { body(bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        } else if n >= 4 {
            let low = UInt64(bytes.loadUnaligned(as: UInt32.self))
            let high = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            body(low | high << 32)
        } else if n > 0 {
            body(UInt64(base[0]) | UInt64(base[n / 2]) << 8 | UInt64(base[n - 1]) << 16)
        }
    }
}
