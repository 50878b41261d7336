import ArgumentParser
import Foundation
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats report [--format xlsx|html] [--out FILE] [--lang zh|en]`: a workbook with
    /// native charts, or a print-ready HTML page, from the published outputs.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a report of the published outputs: an Excel workbook with charts, or a print-ready HTML page.",
            discussion: """
                Reads OUT/latest of the pipeline (as show and export do). When the pipeline file names \
                `published: FILE`, the report shows those official figures beside the computed ones; \
                a missing or malformed file exits 65. The default output is OUT/report.xlsx or OUT/report.html.
                """)

        @Option(help: "xlsx or html.")
        var format: String = "xlsx"

        @Option(help: "The file to write (default: report.xlsx or report.html in the run's output folder).")
        var out: String?

        @Option(help: "zh (default) or en.")
        var lang: String = "zh"

        @OptionGroup var target: RunTarget

        func validate() throws {
            guard ReportFormat(rawValue: format) != nil else { throw ValidationError("--format must be xlsx or html") }
            guard ReportLanguage(rawValue: lang) != nil else { throw ValidationError("--lang must be zh or en") }
        }

        func run() throws {
            do {
                let output = try target.outputDirectory()
                // The published figures come from the pipeline file, unless only --out-dir was given.
                var published: String?
                if target.pipeline != nil || target.out == nil {
                    let (definition, base) = try target.definitionAndBase()
                    published = definition.published.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 }
                }
                let kind = ReportFormat(rawValue: format) ?? .xlsx
                let path = out ?? (output as NSString).standardizingPath + "/report." + kind.rawValue
                let input = try ReportInput.load(outputDirectory: output, publishedFigures: published)
                try ReportWriter.write(input, format: kind, lang: ReportLanguage(rawValue: lang) ?? .zh, to: path)
                let o = OutputStream.standardOutput()
                o.write("report: \(path)\n")
                o.flush()
            } catch { throw fail(error) }
        }
    }
}
