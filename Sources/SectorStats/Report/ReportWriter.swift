import Foundation

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

    /// Writes `report.xlsx` and `report.html` (Chinese) into a run's folder before it is
    /// published (`runID`: the run, for "ran at"). On failure none is left, and the error is
    /// thrown: the caller publishes the tables without them.
    public static func writeRunReports(into folder: String, runID: String, publishedFigures: String?) throws {
        let paths = ReportFormat.allCases.map { folder + "/report." + $0.rawValue }
        do {
            let input = try ReportInput.load(folder: folder, ranAt: ReportInput.runTime(id: runID), publishedFigures: publishedFigures)
            for (format, path) in zip(ReportFormat.allCases, paths) {
                try write(input, format: format, lang: .zh, to: path)
            }
        } catch {
            for path in paths { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }
}
