/// Writes CSV as DATA.md §4 and §5 require: UTF-8 without BOM, LF line ends, a field quoted
/// if and only if it contains `,`, `"`, CR or LF (quotes doubled inside), into a gzip file
/// published atomically (or into memory, for tests and small outputs).
public final class CSVWriter {
    private let sink: GzipFileWriter?
    private let plain: AtomicFile?
    private var buffer: [UInt8] = []
    private let flushAt = 1 << 18
    public private(set) var rows = 0

    /// A writer to a `.gz` file that appears only on `commit()`.
    public init(gzipPath: String, level: Int = 6) throws {
        sink = try GzipFileWriter(path: gzipPath, level: level)
        plain = nil
        buffer.reserveCapacity(flushAt + 4096)
    }

    /// A writer to an uncompressed `.csv` file that appears only on `commit()`.
    /// `hashing`: compute the file's SHA-256 as it is written (``contentHash``).
    public init(path: String, hashing: Bool = false) throws {
        sink = nil
        plain = try AtomicFile(path: path, hashing: hashing)
        buffer.reserveCapacity(flushAt + 4096)
    }

    /// Hex SHA-256 and size of a committed plain file written with `hashing: true`.
    public var contentHash: (sha256: String, bytes: Int64)? { plain?.contentHash }

    /// A writer into memory: read the CSV text from `bytes`.
    public init() {
        sink = nil
        plain = nil
    }

    /// The CSV bytes written so far (in-memory writers only).
    public var bytes: [UInt8] { buffer }

    public func writeRow(_ fields: [String]) throws {
        for f in fields { field(f) }
        try endRow()
    }

    private var fieldsInRow = 0

    @inline(__always)
    private func separate() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
    }

    /// Appends a text field to the current row (quoted when needed).
    public func field(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { CSVWriter.appendField($0, to: &buffer) }
    }

    /// Appends a field given as UTF-8 bytes.
    public func field(bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        CSVWriter.appendField(bytes, to: &buffer)
    }

    /// Appends a date as `yyyy-mm-dd` (``CivilDate/description``) without building a
    /// String; nil writes an empty field.
    public func field(date: CivilDate?) {
        separate()
        guard let date else { return }
        let year = date.year
        guard (0...9999).contains(year) else {
            buffer.append(contentsOf: date.description.utf8)
            return
        }
        let zero = UInt8(ascii: "0")
        let dash = UInt8(ascii: "-")
        let (month, day) = (date.month, date.day)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { d in
            d[0] = zero + UInt8(year / 1000)
            d[1] = zero + UInt8(year / 100 % 10)
            d[2] = zero + UInt8(year / 10 % 10)
            d[3] = zero + UInt8(year % 10)
            d[4] = dash
            d[5] = zero + UInt8(month / 10)
            d[6] = zero + UInt8(month % 10)
            d[7] = dash
            d[8] = zero + UInt8(day / 10)
            d[9] = zero + UInt8(day % 10)
            buffer.append(contentsOf: UnsafeBufferPointer(d))
        }
    }

    /// The number of bytes written since the last flush (in-memory writers: all of them).
    public var count: Int { buffer.count }

    /// Appends a field the caller knows needs no quotes (no `,` `"` CR LF) as is.
    @inline(__always)
    public func field(unquotedBytes bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        buffer.append(contentsOf: bytes)
    }

    /// Appends an integer field; nil writes an empty field.
    public func field(_ number: Int64?) {
        separate()
        guard let number else { return }
        CSVWriter.appendInteger(number, to: &buffer)
    }

    /// Appends a field that never needs quoting (numbers, codes, dates) as is.
    public func field(unquoted text: StaticString) {
        separate()
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// Appends rows already encoded by another (in-memory) writer. A run of rows at least
    /// as long as the buffer goes to the file directly (after what is buffered), not
    /// through a copy.
    public func append(encoded bytes: ArraySlice<UInt8>, rows count: Int) throws {
        rows += count
        guard bytes.count >= flushAt, sink != nil || plain != nil else {
            buffer.append(contentsOf: bytes)
            if buffer.count >= flushAt { try flush() }
            return
        }
        try flush()
        try bytes.withUnsafeBytes { raw in
            if let sink { try sink.write(raw) } else { try plain?.write(raw) }
        }
    }

    /// An in-memory writer with room for `capacity` bytes before it grows.
    public convenience init(reservingCapacity capacity: Int) {
        self.init()
        buffer.reserveCapacity(capacity)
    }

    /// Forgets everything written so far (in-memory writers, reused per chunk).
    public func reset() {
        buffer.removeAll(keepingCapacity: true)
        rows = 0
        fieldsInRow = 0
    }

    /// Ends the current row.
    public func endRow() throws {
        buffer.append(0x0A)
        fieldsInRow = 0
        rows += 1
        if buffer.count >= flushAt { try flush() }
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no heap
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            let d = raw.bindMemory(to: UInt8.self)
            repeat {
                d[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            // (As an UnsafeBufferPointer: appending the raw slice took Array's generic,
            // element-by-element path.)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: d[(24 - count)...]))
        }
    }

    private func flush() throws {
        if let sink {
            try buffer.withUnsafeBytes { try sink.write($0) }
        } else if let plain {
            try buffer.withUnsafeBytes { try plain.write($0) }
        } else {
            return  // in memory: keep everything
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, finishes the gzip stream and publishes the file.
    public func commit() throws {
        try flush()
        try sink?.commit()
        try plain?.commit()
    }

    /// Appends one field, quoted when needed.
    static func appendField(_ field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var quote: UInt64 = 0
        ByteLanes.forEachWord(field) { w in
            quote |= ByteLanes.matching(w, 0x2C) | ByteLanes.matching(w, 0x22)
                | ByteLanes.matching(w, 0x0A) | ByteLanes.matching(w, 0x0D)
        }
        guard quote != 0 else {
            out.append(contentsOf: field)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in field {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
