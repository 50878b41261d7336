/// Aligned text tables for terminals, aware that CJK characters take two columns.
public enum TerminalTable {
    /// Display width of one scalar: 2 for East Asian wide and full-width, 0 for combining
    /// marks and zero-width characters, else 1.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        switch v {
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return v < 0x20 ? 0 : 1
        }
    }

    public static func width(of s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    /// `s` with line breaks shown as ↵, other control characters escaped
    /// (``TerminalText/escape(_:)``), and cut to `maxWidth` columns (ending in …).
    public static func cell(_ s: String, maxWidth: Int) -> String {
        var out = ""
        var w = 0
        var previous: Unicode.Scalar = " "
        for scalar in s.unicodeScalars {
            defer { previous = scalar }
            if scalar == "\n" && previous == "\r" { continue }  // CRLF shows as one ↵
            if scalar != "\n" && scalar != "\r" && scalar != "\t", let escape = TerminalText.escape(scalar) {
                // ASCII only: one column a scalar.
                if w + escape.unicodeScalars.count > maxWidth { out.unicodeScalars.append("…"); return out }
                out += escape
                w += escape.unicodeScalars.count
                continue
            }
            let shown: Unicode.Scalar = (scalar == "\n" || scalar == "\r") ? "↵" : (scalar == "\t" ? " " : scalar)
            let sw = width(of: shown)
            if w + sw > maxWidth { out.unicodeScalars.append("…"); return out }
            out.unicodeScalars.append(shown)
            w += sw
        }
        return out
    }

    /// Renders rows (the first is the header) with columns separated by two spaces and a
    /// rule under the header.
    public static func render(_ rows: [[String]], maxCellWidth: Int = 24) -> String {
        guard let first = rows.first else { return "" }
        let columns = rows.map(\.count).max() ?? first.count
        let cells = rows.map { row in (0..<columns).map { i in i < row.count ? cell(row[i], maxWidth: maxCellWidth) : "" } }
        var widths = [Int](repeating: 0, count: columns)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], width(of: c)) } }
        var out = ""
        for (r, row) in cells.enumerated() {
            var line = ""
            for (i, c) in row.enumerated() {
                line += c
                if i + 1 < row.count { line += String(repeating: " ", count: widths[i] - width(of: c) + 2) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if r == 0 {
                out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}
