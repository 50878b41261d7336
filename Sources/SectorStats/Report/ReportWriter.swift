/// The report formats of `sectorstats report`.
public enum ReportFormat: String, CaseIterable, Sendable {
    case xlsx, html
}

/// Writes a report of published outputs in one of the formats.
public enum ReportWriter {
    public static func write(_ input: ReportInput, format: ReportFormat, lang: ReportLanguage, to path: String) throws {
        switch format {
        case .xlsx: try WorkbookReport.write(input, lang: lang, to: path)
        case .html:
            let html = HTMLReport.render(input, lang: lang)
            let f = try AtomicFile(path: path)
            try Array(html.utf8).withUnsafeBytes { try f.write($0) }
            try f.commit()
        }
    }
}
