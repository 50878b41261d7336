/// Value normalization of DATA.md §5 "Values", on the UTF-8 bytes of one raw field.
///
/// Every value is first width-folded — full-width ASCII U+FF01–U+FF5E to its half-width
/// byte, the ideographic space U+3000 to a space — then trimmed of space, tab, CR and LF.
/// A value is empty when nothing is left. On top of that, names collapse inner runs of
/// blanks to one space, and codes (uscc, recipient_uscc) drop every blank and are
/// upper-cased.
///
/// Width folding only ever shrinks a value (three bytes become one), so every operation
/// writes into storage no larger than the input. Fields without full-width bytes — the
/// common case — are served as a trimmed sub-range of the input without copying.
public enum ValueText {
    /// Whether `byte` is one of the bytes trimmed from values: space, tab, CR, LF.
    @inlinable
    public static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// The half-width byte for the full-width sequence starting at `raw[i]`, if one starts there.
    ///
    /// U+FF01–U+FF3F are `EF BC 81`–`EF BC BF`, U+FF40–U+FF5E are `EF BD 80`–`EF BD 9E`,
    /// U+3000 is `E3 80 80`. Each of these is three bytes long.
    @inline(__always)
    static func foldedByte(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt8? {
        let lead = raw[i]
        guard lead == 0xEF || lead == 0xE3, i + 2 < raw.count else { return nil }
        let second = raw[i + 1]
        let third = raw[i + 2]
        if lead == 0xE3 {
            return second == 0x80 && third == 0x80 ? 0x20 : nil
        }
        if second == 0xBC, third >= 0x81, third <= 0xBF { return third &- 0x60 }
        if second == 0xBD, third >= 0x80, third <= 0x9E { return third &- 0x20 }
        return nil
    }

    /// ``classify(_:)`` bit: a byte that may start a width-folded sequence (0xE3, 0xEF).
    static let mayFold: UInt8 = 1
    /// ``classify(_:)`` bit: a byte that makes a CSV field need quotes (`,` `"` CR LF).
    static let needsQuotes: UInt8 = 2

    /// The union of the classes of `raw`'s bytes: 0 means the value needs neither folding
    /// nor quoting (the common case for a kept text field).
    ///
    /// Eight bytes at a time (``ByteLanes``). A table of 256 classes read byte by byte was
    /// ~3% of a run: the table is a global, so each call also paid its lazy-initialization
    /// check and a retain.
    @inline(__always)
    static func classify(_ raw: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var fold: UInt64 = 0
        var quote: UInt64 = 0
        ByteLanes.forEachWord(raw) { w in
            fold |= ByteLanes.matching(w, 0xE3) | ByteLanes.matching(w, 0xEF)
            quote |= ByteLanes.matching(w, 0x2C) | ByteLanes.matching(w, 0x22)
                | ByteLanes.matching(w, 0x0A) | ByteLanes.matching(w, 0x0D)
        }
        return (fold != 0 ? mayFold : 0) | (quote != 0 ? needsQuotes : 0)
    }

    /// Whether `raw` has a byte that may start a width-folded sequence (0xE3, 0xEF).
    @inline(__always)
    static func mayNeedFolding(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var fold: UInt64 = 0
        ByteLanes.forEachWord(raw) { w in fold |= ByteLanes.matching(w, 0xE3) | ByteLanes.matching(w, 0xEF) }
        return fold != 0
    }

    /// Whether `raw` holds any byte sequence width folding would change.
    public static func needsFolding(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        guard mayNeedFolding(raw) else { return false }
        var i = 0
        while i < raw.count {
            if foldedByte(raw, at: i) != nil { return true }
            i += 1
        }
        return false
    }

    /// Writes the width-folded bytes of `raw` to the start of `out` (at least `raw.count`
    /// long) and returns how many were written.
    static func fold(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var i = 0
        var n = 0
        while i < raw.count {
            if let folded = foldedByte(raw, at: i) {
                out[n] = folded
                i += 3
            } else {
                out[n] = raw[i]
                i += 1
            }
            n += 1
        }
        return n
    }

    /// The range of `bytes` left after trimming blanks at both ends.
    @inlinable
    public static func trimmedRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lower = 0
        var upper = bytes.count
        while lower < upper, isBlank(bytes[lower]) { lower += 1 }
        while upper > lower, isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Whether the value is empty after normalization (only blanks and ideographic spaces).
    public static func isEmpty(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < raw.count {
            if isBlank(raw[i]) {
                i += 1
            } else if foldedByte(raw, at: i) == 0x20 {
                i += 3
            } else {
                return false
            }
        }
        return true
    }

    /// Calls `body` with the normalized (width-folded, trimmed) bytes of `raw`.
    ///
    /// Without full-width bytes the buffer is a sub-range of `raw` itself. Otherwise the
    /// folded copy lives in a temporary allocation for the duration of the call (on the
    /// stack for the short values parsers see). The buffer must not escape `body`.
    public static func withNormalized<R, E: Error>(
        _ raw: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        if !needsFolding(raw) {
            return try body(UnsafeBufferPointer(rebasing: raw[trimmedRange(raw)]))
        }
        let result: Result<R, E> = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count) { tmp in
            let folded = UnsafeBufferPointer(rebasing: tmp[0..<fold(raw, into: tmp)])
            do throws(E) {
                return .success(try body(UnsafeBufferPointer(rebasing: folded[trimmedRange(folded)])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Replaces the contents of `scratch` with the normalized bytes of `raw`.
    ///
    /// `scratch` is the caller's reusable buffer: once its capacity has grown to the
    /// longest field seen, this allocates nothing.
    public static func normalize(_ raw: UnsafeBufferPointer<UInt8>, into scratch: inout [UInt8]) {
        if !needsFolding(raw) {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: raw[trimmedRange(raw)]))
            return
        }
        foldInto(&scratch, raw)
        let range = scratch.withUnsafeBufferPointer { trimmedRange($0) }
        scratch.removeSubrange(range.upperBound...)
        scratch.removeSubrange(..<range.lowerBound)
    }

    /// Replaces the contents of `scratch` with the normalized name in `raw`: the value
    /// normalization, then every inner run of blanks collapsed to one space.
    ///
    /// （ and ） are full-width ASCII, so they become ( and ) by the width folding.
    public static func normalizeName(_ raw: UnsafeBufferPointer<UInt8>, into scratch: inout [UInt8]) {
        let count = foldInto(&scratch, raw)
        let kept = scratch.withUnsafeMutableBufferPointer { collapseBlanks($0, count: count) }
        scratch.removeSubrange(kept...)
    }

    /// Replaces the contents of `scratch` with the normalized code in `raw`: the value
    /// normalization, every blank removed, ASCII letters upper-cased.
    public static func normalizeCode(_ raw: UnsafeBufferPointer<UInt8>, into scratch: inout [UInt8]) {
        let count = foldInto(&scratch, raw)
        let kept = scratch.withUnsafeMutableBufferPointer { dropBlanksUppercasing($0, count: count) }
        scratch.removeSubrange(kept...)
    }

    /// Calls `body` with the normalized name in `raw` (as ``normalizeName(_:into:)``), built
    /// in a temporary allocation (on the stack for ordinary names): no heap per row.
    public static func withNormalizedName<R>(_ raw: UnsafeBufferPointer<UInt8>,
                                             _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { tmp in
            let n = collapseBlanks(tmp, count: fold(raw, into: tmp))
            return body(UnsafeBufferPointer(rebasing: tmp[0..<n]))
        }
    }

    /// Calls `body` with the normalized code in `raw` (as ``normalizeCode(_:into:)``), built
    /// in a temporary allocation.
    public static func withNormalizedCode<R>(_ raw: UnsafeBufferPointer<UInt8>,
                                             _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // Already a code (ASCII, no blank inside, no lower-case letter): the trimmed bytes.
        let trimmed = UnsafeBufferPointer(rebasing: raw[trimmedRange(raw)])
        var plain = true
        for byte in trimmed where byte >= 0x80 || isBlank(byte) || (byte >= 0x61 && byte <= 0x7A) {
            plain = false
            break
        }
        if plain { return body(trimmed) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { tmp in
            let n = dropBlanksUppercasing(tmp, count: fold(raw, into: tmp))
            return body(UnsafeBufferPointer(rebasing: tmp[0..<n]))
        }
    }

    /// Trims the first `count` bytes of `buffer` and collapses inner blank runs to one space,
    /// in place; returns the new count.
    private static func collapseBlanks(_ buffer: UnsafeMutableBufferPointer<UInt8>, count: Int) -> Int {
        var n = 0
        var pendingSpace = false
        for i in 0..<count {
            let byte = buffer[i]
            if isBlank(byte) {
                pendingSpace = n > 0
                continue
            }
            if pendingSpace {
                buffer[n] = 0x20
                n += 1
                pendingSpace = false
            }
            buffer[n] = byte
            n += 1
        }
        return n
    }

    /// Drops every blank of the first `count` bytes and upper-cases ASCII letters, in
    /// place; returns the new count.
    private static func dropBlanksUppercasing(_ buffer: UnsafeMutableBufferPointer<UInt8>, count: Int) -> Int {
        var n = 0
        for i in 0..<count where !isBlank(buffer[i]) {
            let byte = buffer[i]
            buffer[n] = byte >= 0x61 && byte <= 0x7A ? byte &- 0x20 : byte
            n += 1
        }
        return n
    }

    /// The normalized value of `text` (DATA.md §5 "Values").
    public static func normalized(_ text: String) -> String {
        convert(text, normalize)
    }

    /// The normalized name in `text`: value normalization plus inner blank runs → one space.
    public static func normalizedName(_ text: String) -> String {
        convert(text, normalizeName)
    }

    /// The normalized code in `text`: value normalization, blanks removed, upper-cased.
    public static func normalizedCode(_ text: String) -> String {
        convert(text, normalizeCode)
    }

    /// Calls `body` with the UTF-8 bytes of `text`: the bridge from the `String`
    /// conveniences to the byte parsers.
    public static func withBytes<R, E: Error>(
        of text: String,
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        var copy = text
        let result: Result<R, E> = copy.withUTF8 { raw in
            do throws(E) {
                return .success(try body(raw))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The trimmed raw text of a field, for error messages (allocates: failure paths only).
    static func display(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: raw[trimmedRange(raw)]), as: UTF8.self)
    }

    // MARK: - Private

    /// Sets `scratch` to the width-folded bytes of `raw` and returns their count.
    @discardableResult
    private static func foldInto(_ scratch: inout [UInt8], _ raw: UnsafeBufferPointer<UInt8>) -> Int {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: raw.count))
        let count = scratch.withUnsafeMutableBufferPointer { fold(raw, into: $0) }
        scratch.removeSubrange(count...)
        return count
    }

    private static func convert(
        _ text: String,
        _ operation: (UnsafeBufferPointer<UInt8>, inout [UInt8]) -> Void
    ) -> String {
        var copy = text
        var scratch: [UInt8] = []
        copy.withUTF8 { operation($0, &scratch) }
        return String(decoding: scratch, as: UTF8.self)
    }
}
