/// The byte form of accumulator states (``FundingPartial/encode(to:)``): what a merge of one
/// record-id bucket hands to the combine. LEB128 varints, zigzag for signed values,
/// length-prefixed bytes; every value exact, so a decoded state merges as the original would.
struct StateWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ value: Int64) { varint(UInt64(bitPattern: value << 1 ^ value >> 63)) }
    mutating func int(_ value: Int) { int(Int64(value)) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func string(_ b: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string($0) }
    }
}

/// Reads what ``StateWriter`` wrote; throws `corruptData` (naming `file`) on anything else.
struct StateReader {
    let bytes: [UInt8]
    let file: String
    private(set) var at = 0

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    var atEnd: Bool { at == bytes.count }

    func bad(_ why: String = "it ends early or holds values no merge writes") -> SectorStatsError {
        SectorStatsError(.corruptData, file: file, "not a usable bucket state: \(why)")
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < bytes.count {
            let b = bytes[at]
            at += 1
            if shift == 63 && b > 1 { throw bad() }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        throw bad()
    }

    mutating func int64() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    mutating func int() throws -> Int { Int(try int64()) }

    /// A count of items that follow, each at least one byte: bounded by what is left.
    mutating func count() throws -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - at) else { throw bad() }
        return Int(n)
    }

    mutating func bool() throws -> Bool {
        guard at < bytes.count, bytes[at] <= 1 else { throw bad() }
        defer { at += 1 }
        return bytes[at] == 1
    }

    mutating func withString<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let n = try count()
        defer { at += n }
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[at..<at + n])) }
    }

    mutating func string() throws -> String { try withString { String(decoding: $0, as: UTF8.self) } }
}

extension YearTable {
    /// The years covered and every cell, year-major.
    func encode(to w: inout StateWriter, _ cell: (inout StateWriter, Cell) -> Void) {
        w.varint(UInt64(stride))
        w.varint(UInt64(yearCount))
        guard let years else { return }
        w.int(years.lowerBound)
        for c in cells { cell(&w, c) }
    }

    /// The table `encode` wrote, of this table's shape; replaces this table's cells.
    mutating func decode(from r: inout StateReader, _ cell: (inout StateReader) throws -> Cell) throws {
        guard try r.varint() == UInt64(stride) else { throw r.bad("a table of another shape") }
        let count = try r.count()
        guard count > 0 else {
            self = YearTable(stride: stride, zero: zero)
            return
        }
        let first = try r.int()
        guard (0...9999).contains(first), first + count - 1 <= 9999 else { throw r.bad("years out of range") }
        var table = YearTable(stride: stride, zero: zero)
        _ = table.base(of: first)
        _ = table.base(of: first + count - 1)
        for i in 0..<table.cells.count { table.cells[i] = try cell(&r) }
        self = table
    }
}
