/// UTF-8 validation on raw bytes, fast on ASCII (8 bytes at a time), exact on the rest
/// (no overlongs, no surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    /// The offset of the first byte that starts an invalid or incomplete sequence, or nil.
    @inline(__always)
    static func firstInvalid(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = base[i]
            if b0 < 0x80 {
                // ASCII run: 8 bytes at a time, then byte by byte.
                i &+= 1
                while i &+ 8 <= n {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if w & 0x8080_8080_8080_8080 != 0 { break }
                    i &+= 8
                }
                while i < n && base[i] < 0x80 { i &+= 1 }
                continue
            }
            // Three-byte sequences (all of CJK) in one 32-bit load: E0–EF then two
            // continuation bytes, excluding overlongs (E0 followed by 80–9F) and
            // surrogates (ED followed by A0–BF). Little-endian: b0 is the low byte.
            // Three-byte sequences (all of CJK), one 32-bit load each, in a tight loop:
            // E0–EF then two continuation bytes, excluding overlongs (E0 followed by
            // 80–9F) and surrogates (ED followed by A0–BF). Little-endian: b0 is the low
            // byte; `x` holds b0's low nibble and b1's 0x20 bit.
            let runStart = i
            // Two characters per 64-bit load while both leads have a low nibble other than
            // 0 and D (the only leads that need the second byte range-checked): n + 15
            // carries into bit 4 iff n ≠ 0, (n ^ D) + 15 iff n ≠ D, both nibbles at once.
            while i &+ 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian
                if w & 0xC0C0_F0C0_C0F0 != 0x8080_E080_80E0 { break }
                let nibbles = w & 0x0F00_000F
                let ok = (nibbles &+ 0x0F00_000F) & ((nibbles ^ 0x0D00_000D) &+ 0x0F00_000F) & 0x1000_0010
                if ok != 0x1000_0010 { break }
                i &+= 6
            }
            while i &+ 4 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self).littleEndian
                if w & 0x00C0_C0F0 != 0x0080_80E0 { break }
                let x = w & 0x200F
                if x == 0 || x == 0x200D { return i }
                i &+= 3
            }
            if i != runStart { continue }
            if b0 < 0xC2 { return i }
            if b0 < 0xE0 {
                guard i &+ 1 < n, base[i &+ 1] & 0xC0 == 0x80 else { return i }
                i &+= 2
                continue
            }
            if b0 < 0xF0 {
                guard i &+ 2 < n else { return i }
                let b1 = base[i &+ 1], b2 = base[i &+ 2]
                let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
                let hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
                guard b1 >= lo, b1 <= hi, b2 & 0xC0 == 0x80 else { return i }
                i &+= 3
                continue
            }
            if b0 < 0xF5 {
                guard i &+ 3 < n else { return i }
                let b1 = base[i &+ 1], b2 = base[i &+ 2], b3 = base[i &+ 3]
                let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
                let hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
                guard b1 >= lo, b1 <= hi, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return i }
                i &+= 4
                continue
            }
            return i
        }
        return nil
    }

    /// Whether `bytes` (1–3 bytes) is the valid beginning of a multi-byte sequence that
    /// was cut off before its end.
    static func isTruncatedPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let b0 = bytes.first, bytes.count < 4 else { return false }
        let need: Int
        switch b0 {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return false
        }
        guard bytes.count < need else { return false }
        return bytes.dropFirst().allSatisfy { $0 & 0xC0 == 0x80 }
    }
}
