/// Writes CSV as DATA.md §4 and §5 require: UTF-8 without BOM, LF line ends, a field quoted
/// if and only if it contains `,`, `"`, CR or LF (quotes doubled inside), into a gzip file
/// published atomically (or into memory, for tests and small outputs).
///
/// The bytes build up in a buffer of its own (a pointer, a count, a capacity), not an
/// `Array`: every field of every row of a run is appended here, and an array's append
/// checked uniqueness and capacity through calls (the generic ones for slices), ~3% of a run.
public final class CSVWriter {
    private let sink: GzipFileWriter?
    private let plain: AtomicFile?
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes in `storage` (since the last flush, for file writers).
    public private(set) var count = 0
    private let flushAt = 1 << 18
    public private(set) var rows = 0

    private init(sink: GzipFileWriter?, plain: AtomicFile?, capacity: Int) {
        self.sink = sink
        self.plain = plain
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    @inline(__always)
    private func reserve(_ n: Int) {
        if count &+ n > capacity { grow(count + n) }
    }

    @inline(never)
    private func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    @inline(__always)
    private func put(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count &+= 1
    }

    @inline(__always)
    private func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + count).update(from: base, count: bytes.count)
        count &+= bytes.count
    }

    /// A writer to a `.gz` file that appears only on `commit()`.
    /// `parallel`: compressed in pieces on two cores (``GzipFileWriter``), for large outputs.
    public convenience init(gzipPath: String, level: Int = 6, parallel: Bool = false) throws {
        self.init(sink: try GzipFileWriter(path: gzipPath, level: level, parallel: parallel), plain: nil, capacity: (1 << 18) + 4096)
    }

    /// A writer to an uncompressed `.csv` file that appears only on `commit()`.
    /// `hashing`: compute the file's SHA-256 as it is written (``contentHash``).
    /// `direct`: write around the page cache (``AtomicFile``; for large stage tables).
    public convenience init(path: String, hashing: Bool = false, direct: Bool = false) throws {
        self.init(sink: nil, plain: try AtomicFile(path: path, hashing: hashing, direct: direct), capacity: (1 << 18) + 4096)
    }

    /// Hex SHA-256 and size of a committed plain file written with `hashing: true`.
    public var contentHash: (sha256: String, bytes: Int64)? { plain?.contentHash }

    /// A writer into memory: read the CSV text from `bytes`.
    public convenience init() {
        self.init(sink: nil, plain: nil, capacity: 4096)
    }

    /// The CSV bytes written so far (in-memory writers only), as a copy.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Calls `body` with the bytes written so far (in-memory writers: all of them), valid
    /// only during the call.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    public func writeRow(_ fields: [String]) throws {
        for f in fields { field(f) }
        try endRow()
    }

    private var fieldsInRow = 0

    @inline(__always)
    private func separate() {
        if fieldsInRow > 0 { put(UInt8(ascii: ",")) }
        fieldsInRow += 1
    }

    /// Appends a text field to the current row (quoted when needed).
    public func field(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { appendField($0) }
    }

    /// Appends a field given as UTF-8 bytes.
    public func field(bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        appendField(bytes)
    }

    /// Appends a date as `yyyy-mm-dd` (``CivilDate/description``) without building a
    /// String; nil writes an empty field.
    public func field(date: CivilDate?) {
        separate()
        guard let date else { return }
        let year = date.year
        guard (0...9999).contains(year) else {
            var text = date.description
            text.withUTF8 { put($0) }
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
            put(UnsafeBufferPointer(d))
        }
    }

    /// Appends a field the caller knows needs no quotes (no `,` `"` CR LF) as is.
    @inline(__always)
    public func field(unquotedBytes bytes: UnsafeBufferPointer<UInt8>) {
        separate()
        put(bytes)
    }

    /// Appends an integer field; nil writes an empty field.
    public func field(_ number: Int64?) {
        separate()
        guard let number else { return }
        appendInteger(number)
    }

    /// Appends a field that never needs quoting (numbers, codes, dates) as is.
    public func field(unquoted text: StaticString) {
        separate()
        text.withUTF8Buffer { put($0) }
    }

    /// Appends rows already encoded by another (in-memory) writer. A run of rows at least
    /// as long as the buffer goes to the file directly (after what is buffered), not
    /// through a copy.
    public func append(encoded bytes: UnsafeBufferPointer<UInt8>, rows count: Int) throws {
        rows += count
        guard bytes.count >= flushAt, sink != nil || plain != nil else {
            put(bytes)
            if self.count >= flushAt { try flush() }
            return
        }
        try flush()
        let raw = UnsafeRawBufferPointer(bytes)
        if let sink { try sink.write(raw) } else { try plain?.write(raw) }
    }

    public func append(encoded bytes: ArraySlice<UInt8>, rows count: Int) throws {
        try bytes.withUnsafeBufferPointer { try append(encoded: $0, rows: count) }
    }

    /// An in-memory writer with room for `capacity` bytes before it grows.
    public convenience init(reservingCapacity capacity: Int) {
        self.init(sink: nil, plain: nil, capacity: capacity)
    }

    /// Forgets everything written so far (in-memory writers, reused per chunk).
    public func reset() {
        count = 0
        rows = 0
        fieldsInRow = 0
    }

    /// Ends the current row.
    public func endRow() throws {
        put(0x0A)
        fieldsInRow = 0
        rows += 1
        if count >= flushAt { try flush() }
    }

    private func appendInteger(_ value: Int64) {
        reserve(20)  // "-" and 19 digits
        if value < 0 {
            storage[count] = UInt8(ascii: "-")
            count &+= 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var scan = magnitude
        while scan >= 10 {
            scan /= 10
            digits += 1
        }
        var at = count + digits - 1
        repeat {
            storage[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            at -= 1
        } while magnitude > 0
        count &+= digits
    }

    private func flush() throws {
        let raw = UnsafeRawBufferPointer(start: storage, count: count)
        if let sink {
            try sink.write(raw)
        } else if let plain {
            try plain.write(raw)
        } else {
            return  // in memory: keep everything
        }
        count = 0
    }

    /// Flushes, finishes the gzip stream and publishes the file.
    public func commit() throws {
        try flush()
        try sink?.commit()
        try plain?.commit()
    }

    /// Appends one field, quoted when needed.
    private func appendField(_ field: UnsafeBufferPointer<UInt8>) {
        var quote: UInt64 = 0
        ByteLanes.forEachWord(field) { w in
            quote |= ByteLanes.matching(w, 0x2C) | ByteLanes.matching(w, 0x22)
                | ByteLanes.matching(w, 0x0A) | ByteLanes.matching(w, 0x0D)
        }
        guard quote != 0 else {
            put(field)
            return
        }
        put(UInt8(ascii: "\""))
        for b in field {
            if b == UInt8(ascii: "\"") { put(b) }
            put(b)
        }
        put(UInt8(ascii: "\""))
    }
}
