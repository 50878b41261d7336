/// `sectorstats inspect`: what the pipeline sees in a raw export.
public enum Inspector {
    /// What an inspection found.
    public struct Summary: Sendable {
        public var records = 0
        public var malformed = 0
    }

    /// Human report: encoding, delimiter, header, the first `limit` records as a table, and
    /// every malformed record with its line and reason.
    public static func report(path: String, options: CSVReadOptions, limit: Int, out: OutputStream) throws -> Summary {
        let reader = try CSVReader(path: path, options: options)
        var summary = Summary()
        var rows: [[String]] = [["line"] + reader.header]
        var problems: [String] = []
        try reader.forEachRecord { record in
            summary.records += 1
            if let issue = record.issue {
                summary.malformed += 1
                problems.append("line \(record.line): \(issue.kind.rawValue): \(TerminalText.escaped(issue.detail))\n    raw: \(TerminalTable.cell(record.rawText, maxWidth: 100))")
            } else if rows.count <= limit {
                rows.append([String(record.line)] + record.fields())
            }
        }
        let delimiterName: String
        switch reader.delimiter {
        case UInt8(ascii: ","): delimiterName = "comma (,)"
        case UInt8(ascii: "\t"): delimiterName = "tab"
        case UInt8(ascii: ";"): delimiterName = "semicolon (;)"
        default: delimiterName = "0x" + String(reader.delimiter, radix: 16)
        }
        out.write("file:       \(TerminalText.escaped(reader.path))\(reader.isGzip ? " (gzip)" : "")\n")
        if let size = reader.fileSize { out.write("bytes:      \(size)\n") }
        out.write("encoding:   \(reader.encoding.rawValue)\(options.encoding == .auto ? " (detected)" : "")\n")
        out.write("delimiter:  \(delimiterName)\(options.delimiter == nil ? " (detected)" : "")\n")
        out.write("header:     \(reader.header.count) columns: \(TerminalText.escaped(reader.header.joined(separator: " | ")))\n")
        out.write("records:    \(summary.records) data records, \(summary.malformed) malformed\n\n")
        out.write(TerminalTable.render(rows))
        if summary.records - summary.malformed > rows.count - 1 {
            out.write("… \(summary.records - summary.malformed - (rows.count - 1)) more records (--limit)\n")
        }
        if !problems.isEmpty {
            out.write("\nmalformed records:\n")
            for p in problems { out.write(p + "\n") }
        }
        out.flush()
        return summary
    }

    /// JSON Lines: one array of strings per record, the header first, all records; each
    /// malformed record goes to `errors` as `line N: reason: detail`.
    public static func jsonLines(path: String, options: CSVReadOptions, out: OutputStream, errors: OutputStream) throws -> Summary {
        let reader = try CSVReader(path: path, options: options)
        var summary = Summary()
        var line = JSONLines.array(of: reader.header)
        line.append(0x0A)
        line.withUnsafeBufferPointer { out.write(bytes: $0) }
        var buffer: [UInt8] = []
        try reader.forEachRecord { record in
            summary.records += 1
            if let issue = record.issue {
                summary.malformed += 1
                errors.write("line \(record.line): \(issue.kind.rawValue): \(TerminalText.escaped(issue.detail))\n")
                return
            }
            buffer.removeAll(keepingCapacity: true)
            buffer.append(UInt8(ascii: "["))
            for i in 0..<record.count {
                if i > 0 { buffer.append(UInt8(ascii: ",")) }
                JSONLines.appendString(record[i], to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
            buffer.append(0x0A)
            buffer.withUnsafeBufferPointer { out.write(bytes: $0) }
        }
        out.flush()
        errors.flush()
        return summary
    }
}
