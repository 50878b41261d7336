#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the reader splits quote-free records itself (`QuoteFreeSplitter`) or gives every
/// record to libcsv.
enum CSVFastPath {
    /// On unless the environment sets `SECTORSTATS_CSV_FASTPATH=0`; read once per process.
    /// Tests choose per read with `CSVReadOptions.quoteFreeFastPath`.
    static let enabledByEnvironment: Bool = enabled(byValue: getenv("SECTORSTATS_CSV_FASTPATH").map { String(cString: $0) })

    /// Only the value `0` turns it off.
    static func enabled(byValue value: String?) -> Bool { value != "0" }
}

/// Splits one physical line that holds no quote character into fields, exactly as libcsv
/// (strict mode, default space and terminator functions) splits it when fed the line and
/// its terminator from the start of a record; libcsv is not called.
///
/// libcsv's rules for such a line, read from its `csv_parse`: a field ends at the delimiter
/// and the record at CR or LF; space and tab are dropped before a field begins and at its
/// end (the delimiter itself is never a space: with tab as delimiter only spaces are
/// trimmed); a line of nothing but spaces and tabs is a blank line and yields no record;
/// every other byte, NUL and bytes ≥ 0x80 included, is field content.
///
/// The scanner uses it only at a record start with libcsv idle and the line's terminator
/// in its buffer; a line with a quote, a line running past the buffer and a last line
/// without terminator go to libcsv, so all malformed-record handling stays libcsv's.
struct QuoteFreeSplitter {
    let delimiter: UInt8
    private let trimsSpace: Bool
    private let trimsTab: Bool

    /// Nil for a delimiter libcsv would treat otherwise than a plain field separator
    /// (CR, LF or the quote).
    init?(delimiter: UInt8) {
        guard delimiter != 0x0A, delimiter != 0x0D, delimiter != 0x22 else { return nil }
        self.delimiter = delimiter
        trimsSpace = delimiter != 0x20
        trimsTab = delimiter != 0x09
    }

    @inline(__always)
    private func isTrimmed(_ b: UInt8) -> Bool {
        (b == 0x20 && trimsSpace) || (b == 0x09 && trimsTab)
    }

    /// Splits `line[0..<count]` (no quote, no CR or LF) into `a`, which must be empty, and
    /// sets `a.ended` when the line is a record (it is not when blank). `readable` bytes
    /// from `line` may be read (at least `count`).
    @inline(__always)
    func split(_ line: UnsafePointer<UInt8>, count: Int, readable: Int, into a: UnsafeMutablePointer<FieldAssembly>) {
        let raw = UnsafeRawPointer(line)
        var fieldStart = 0
        var i = 0
        while i &+ 8 <= count {
            var hits = ByteLanes.exactMatches(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)), delimiter)
            while hits != 0 {
                let at = i &+ hits.trailingZeroBitCount >> 3
                append(line, from: fieldStart, to: at, readable: readable, into: a)
                fieldStart = at &+ 1
                hits &= hits &- 1
            }
            i &+= 8
        }
        while i < count {
            if line[i] == delimiter {
                append(line, from: fieldStart, to: i, readable: readable, into: a)
                fieldStart = i &+ 1
            }
            i &+= 1
        }
        if a.pointee.fieldCount == 0 {
            // No delimiter: only spaces and tabs make a blank line, which libcsv skips.
            var j = 0
            while j < count && isTrimmed(line[j]) { j &+= 1 }
            if j == count { return }
        }
        append(line, from: fieldStart, to: count, readable: readable, into: a)
        a.pointee.ended = true
    }

    /// Appends `line[start..<end]`, trimmed as libcsv trims an unquoted field, as the next
    /// field, as libcsv's field callback would.
    @inline(__always)
    private func append(_ line: UnsafePointer<UInt8>, from start: Int, to end: Int, readable: Int,
                        into a: UnsafeMutablePointer<FieldAssembly>) {
        var s = start, e = end
        while s < e && isTrimmed(line[s]) { s &+= 1 }
        while e > s && isTrimmed(line[e &- 1]) { e &-= 1 }
        let length = e &- s
        let count = a.pointee.byteCount
        let needed = count &+ length
        // The same 16 bytes of slack as the libcsv callback keeps.
        if _slowPath(needed &+ 16 > a.pointee.byteCapacity) { growBytes(a, to: needed &+ 16) }
        if length <= 16 && s &+ 16 <= readable {
            let src = UnsafeRawPointer(line + s), dst = UnsafeMutableRawPointer(a.pointee.bytes + count)
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (dst + 8).storeBytes(of: src.loadUnaligned(fromByteOffset: 8, as: UInt64.self), as: UInt64.self)
        } else if length > 0 {
            memcpy(a.pointee.bytes + count, line + s, length)
        }
        let fields = a.pointee.fieldCount
        if _slowPath(fields == a.pointee.endCapacity) { growEnds(a) }
        a.pointee.ends[fields] = needed
        a.pointee.byteCount = needed
        a.pointee.fieldCount = fields &+ 1
    }
}
