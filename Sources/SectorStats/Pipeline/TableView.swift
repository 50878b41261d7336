import Foundation

/// Reading a published table (or the quarantine) back for `show` and `export`.
public enum TableView {
    /// The published tables and quarantine, by the names users type (`funding_summary`, …).
    public static func path(of table: String, in output: String) throws -> String {
        let base = table.hasSuffix(".csv.gz") ? table : table + ".csv.gz"
        let p = output + "/latest/" + base
        guard !table.contains("/"), FileManager.default.fileExists(atPath: p) else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: output + "/latest")) ?? [])
                .filter { $0.hasSuffix(".csv.gz") }.map { String($0.dropLast(7)) }.sorted()
            // Nothing published is a runtime state (exit 1); a name not among them, a usage error.
            if names.isEmpty {
                throw SectorStatsError(.fileNotReadable, file: p, "nothing is published in \(output) yet: run `sectorstats run` first")
            }
            throw SectorStatsError(.invalidArgument, field: "table", "no table \"\(table)\"; published tables: \(names.joined(separator: ", "))")
        }
        return p
    }

    /// Header and rows, filtered by `column=value` conditions (all must hold), at most `limit`.
    public static func rows(path: String, where conditions: [(String, String)], limit: Int?) throws -> (header: [String], rows: [[String]]) {
        let reader = try CSVReader(path: path)
        var index: [(Int, String)] = []
        for (c, v) in conditions {
            guard let i = reader.header.firstIndex(of: c) else {
                throw SectorStatsError(.invalidArgument, field: c, "no column \"\(c)\"; columns: \(reader.header.joined(separator: ", "))")
            }
            index.append((i, v))
        }
        var rows: [[String]] = []
        try reader.forEachRecord { r in
            if let limit, rows.count >= limit { return }
            let fields = r.fields()
            if index.allSatisfy({ fields[$0.0] == $0.1 }) { rows.append(fields) }
        }
        return (reader.header, rows)
    }

    /// Export formats for reports.
    public enum Format: String, CaseIterable, Sendable { case csv, tsv, md }

    /// Renders a table for spreadsheets or Markdown. Text cells that come from raw data and
    /// begin with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` (OWASP CSV injection);
    /// numbers are left alone.
    public static func render(header: [String], rows: [[String]], format: Format) -> String {
        func safe(_ cell: String) -> String {
            guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
            if Double(cell) != nil { return cell }
            return "'" + cell
        }
        switch format {
        case .csv:
            let w = CSVWriter()
            try? w.writeRow(header)
            for r in rows { try? w.writeRow(r.map(safe)) }
            return String(decoding: w.bytes, as: UTF8.self)
        case .tsv:
            func cell(_ s: String) -> String {
                safe(s).replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\r\n", with: " ")
                    .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
            }
            return ([header.map(cell)] + rows.map { $0.map(cell) }).map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        case .md:
            func cell(_ s: String) -> String {
                safe(s).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "<br>")
                    .replacingOccurrences(of: "\n", with: "<br>").replacingOccurrences(of: "\r", with: "<br>")
            }
            var out = "| " + header.map(cell).joined(separator: " | ") + " |\n"
            out += "|" + header.map { _ in " --- |" }.joined() + "\n"
            for r in rows { out += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
            return out
        }
    }
}
