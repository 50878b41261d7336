import SectorStats
/// Builds the UTF-8 bytes of CSV records field by field, quoting a field when it holds the
/// delimiter, a quote, CR or LF, and counting the physical lines each record takes (the
/// reader's line numbers: an embedded line break is a line, CRLF is one).
///
/// Formatters append a field's text straight to `bytes`; ``endField(quoting:)`` then
/// quotes it in place when needed (rarely) and writes the delimiter after it, which
/// ``endRow()`` turns into the line terminator.
struct RowBuilder {
    var bytes: [UInt8] = []
    let delimiter: UInt8
    let crlf: Bool
    /// Physical lines written so far, the header included.
    var lines = 0
    private var fieldStart = 0
    private var fieldsInRow = 0
    private var rowLineBreaks = 0

    init(delimiter: UInt8, crlf: Bool, capacity: Int = 1 << 16) {
        self.delimiter = delimiter
        self.crlf = crlf
        bytes.reserveCapacity(capacity)
    }

    enum Quoting {
        /// Quote when needed (RFC 4180).
        case auto
        /// Write as is, even a stray quote: a deliberately malformed record.
        case never
    }

    @inline(__always)
    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    @inline(__always)
    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// Ends the field whose text was appended since the last field ended.
    mutating func endField(quoting: Quoting = .auto) {
        fieldsInRow += 1
        var needsQuotes = false
        var previousCR = false
        for i in fieldStart..<bytes.count {
            let b = bytes[i]
            if b == delimiter || b == 0x22 || b == 0x0A || b == 0x0D {
                needsQuotes = true
                if b == 0x0D || (b == 0x0A && !previousCR) { rowLineBreaks += 1 }
            }
            previousCR = b == 0x0D
        }
        if needsQuotes && quoting == .auto {
            let text = Array(bytes[fieldStart...])
            bytes.removeSubrange(fieldStart...)
            bytes.append(0x22)
            for b in text {
                if b == 0x22 { bytes.append(0x22) }
                bytes.append(b)
            }
            bytes.append(0x22)
        }
        bytes.append(delimiter)
        fieldStart = bytes.count
    }

    /// A field with the given text.
    @inline(__always)
    mutating func addField(_ s: String, quoting: Quoting = .auto) {
        bytes.append(contentsOf: s.utf8)
        endField(quoting: quoting)
    }

    /// Ends the record; returns the physical lines it took.
    @discardableResult
    mutating func endRow() -> Int {
        if fieldsInRow > 0 { bytes.removeLast() }  // the delimiter after the last field
        if crlf { bytes.append(0x0D) }
        bytes.append(0x0A)
        fieldStart = bytes.count
        let taken = rowLineBreaks + 1
        lines += taken
        fieldsInRow = 0
        rowLineBreaks = 0
        return taken
    }

    /// An empty line between records (not a record; it counts for line numbers).
    mutating func blankLine() {
        if crlf { bytes.append(0x0D) }
        bytes.append(0x0A)
        fieldStart = bytes.count
        lines += 1
    }

    /// Drops the trailing empty fields of the record just ended: a short record, which the
    /// reader pads with empty fields. Only call right after `endRow`.
    mutating func trimTrailingEmptyFields() {
        bytes.removeLast(crlf ? 2 : 1)
        // A quoted field ends with a quote, so trailing delimiters are empty fields.
        while let last = bytes.last, last == delimiter { bytes.removeLast() }
        if crlf { bytes.append(0x0D) }
        bytes.append(0x0A)
        fieldStart = bytes.count
    }

    // MARK: - Numbers

    /// Appends `value` in decimal, zero-padded to `width` digits.
    @inline(__always)
    mutating func appendInt(_ value: Int, width: Int = 1) {
        Self.appendInt(value, width: width, to: &bytes)
    }
    static func appendInt(_ value: Int, width: Int = 1, to out: inout [UInt8]) {
        var v = value
        if v < 0 {
            out.append(0x2D)
            v = -v
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(0x30 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            while n < width && n < 20 {
                d[n] = 0x30
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }
}
