/// Builds the UTF-8 bytes of CSV records field by field, quoting a field when it holds the
/// delimiter, a quote, CR or LF, and counting the physical lines each record takes (the
/// reader's line numbers: an embedded line break is a line, CRLF is one).
///
/// A field is first assembled in `field` (so formatters can append to it piece by piece),
/// then committed with ``endField(quoting:)``.
struct RowBuilder {
    var bytes: [UInt8] = []
    var field: [UInt8] = []
    let delimiter: UInt8
    let crlf: Bool
    /// Physical lines written so far, the header included.
    var lines = 0
    private var fieldsInRow = 0
    private var rowLineBreaks = 0

    init(delimiter: UInt8, crlf: Bool, capacity: Int = 1 << 16) {
        self.delimiter = delimiter
        self.crlf = crlf
        bytes.reserveCapacity(capacity)
        field.reserveCapacity(4096)
    }

    enum Quoting {
        /// Quote when needed (RFC 4180).
        case auto
        /// Write as is, even a stray quote: a deliberately malformed record.
        case never
    }

    @inline(__always)
    mutating func append(_ s: String) {
        field.append(contentsOf: s.utf8)
    }

    @inline(__always)
    mutating func append(byte: UInt8) {
        field.append(byte)
    }

    /// Writes `field` as the next field of the current record and clears it.
    mutating func endField(quoting: Quoting = .auto) {
        if fieldsInRow > 0 { bytes.append(delimiter) }
        fieldsInRow += 1
        var needsQuotes = false
        var breaks = 0
        var previousCR = false
        for b in field {
            if b == delimiter || b == 0x22 || b == 0x0A || b == 0x0D { needsQuotes = true }
            if b == 0x0D || (b == 0x0A && !previousCR) { breaks += 1 }
            previousCR = b == 0x0D
        }
        rowLineBreaks += breaks
        if needsQuotes && quoting == .auto {
            bytes.append(0x22)
            for b in field {
                if b == 0x22 { bytes.append(0x22) }
                bytes.append(b)
            }
            bytes.append(0x22)
        } else {
            bytes.append(contentsOf: field)
        }
        field.removeAll(keepingCapacity: true)
    }

    /// A field with the given text.
    @inline(__always)
    mutating func addField(_ s: String, quoting: Quoting = .auto) {
        field.append(contentsOf: s.utf8)
        endField(quoting: quoting)
    }

    /// Ends the record; returns the physical lines it took.
    @discardableResult
    mutating func endRow() -> Int {
        if crlf { bytes.append(0x0D) }
        bytes.append(0x0A)
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
    }

    // MARK: - Numbers

    /// Appends `value` in decimal, zero-padded to `width` digits.
    @inline(__always)
    mutating func appendInt(_ value: Int, width: Int = 1) {
        Self.appendInt(value, width: width, to: &field)
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
