/// Writes CSV as DATA.md §4 and §5 require: UTF-8 without BOM, LF line ends, a field quoted
/// if and only if it contains `,`, `"`, CR or LF (quotes doubled inside), into a gzip file
/// published atomically (or into memory, for tests and small outputs).
public final class CSVWriter {
    private let sink: GzipFileWriter?
    private var buffer: [UInt8] = []
    private let flushAt = 1 << 18
    public private(set) var rows = 0

    /// A writer to a `.gz` file that appears only on `commit()`.
    public init(gzipPath: String, level: Int = 6) throws {
        sink = try GzipFileWriter(path: gzipPath, level: level)
        buffer.reserveCapacity(flushAt + 4096)
    }

    /// A writer into memory: read the CSV text from `bytes`.
    public init() {
        sink = nil
    }

    /// The CSV bytes written so far (in-memory writers only).
    public var bytes: [UInt8] { buffer }

    public func writeRow(_ fields: [String]) throws {
        for i in fields.indices {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            var f = fields[i]
            f.withUTF8 { CSVWriter.appendField($0, to: &buffer) }
        }
        buffer.append(0x0A)
        rows += 1
        if let sink, buffer.count >= flushAt {
            try buffer.withUnsafeBytes { try sink.write($0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Flushes, finishes the gzip stream and publishes the file.
    public func commit() throws {
        guard let sink else { return }
        try buffer.withUnsafeBytes { try sink.write($0) }
        buffer.removeAll()
        try sink.commit()
    }

    /// Appends one field, quoted when needed.
    static func appendField(_ field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var needsQuotes = false
        for b in field where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 0x0A || b == 0x0D {
            needsQuotes = true
            break
        }
        guard needsQuotes else {
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
