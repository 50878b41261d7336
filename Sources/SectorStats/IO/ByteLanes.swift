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

    /// Calls `body` with the bytes of `raw` as words of eight (native byte order): whole
    /// words, then the last one to seven bytes padded with zero bytes. A test for a
    /// non-zero byte value therefore sees every byte once and no other.
    @inline(__always)
    static func forEachWord(_ raw: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Void) {
        guard let base = raw.baseAddress else { return }
        let n = raw.count
        var i = 0
        let bytes = UnsafeRawPointer(base)
        while i + 8 <= n {
            body(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        guard i < n else { return }
        var last: UInt64 = 0
        withUnsafeMutableBytes(of: &last) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes + i, count: n - i)) }
        body(last)
    }
}
