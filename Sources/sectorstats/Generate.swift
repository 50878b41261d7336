import ArgumentParser
import Foundation
import SectorStats
import SectorStatsGenerate

extension SectorStatsCommand {
    /// `sectorstats generate`: deterministic synthetic exports plus their ground truth.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write deterministic synthetic registration and funding exports with their ground truth.",
            discussion: """
                Writes DIR/registrations/, DIR/funding/ and DIR/expected.json. The exports follow \
                DATA.md with its messiness (every date and amount spelling, Chinese and English \
                categories, re-sent duplicates) and a share of defective rows, each failing exactly \
                one quarantine check. expected.json holds what the pipeline must find: rows, \
                accepted, quarantined by reason and duplicates per file and per source, active \
                organizations per year, funding totals in fen. The same options and seed give \
                byte-identical files. Rows stream to disk: memory grows with --orgs, not --funding.
                By default each kind is one file shaped by --encoding, --line-ending, --delimiter, \
                --headers and --gzip; --files N splits each kind over N files (numbered, so name \
                order is write order); --mixed-shapes cycles them through the four bundled shapes \
                (GB18030 with Chinese headers; UTF-8 with BOM and CRLF, narrow columns; gzip with \
                English headers; tab-delimited) and defaults to four files.
                """
        )

        @Option(help: "Distinct organizations to generate.")
        var orgs: Int

        @Option(help: "Funding rows to write.")
        var funding: Int

        @Option(help: "Output folder.")
        var out: String

        @Option(help: "Seed: equal seeds give equal bytes.")
        var seed: UInt64 = 1

        @Option(help: "The as-of date (yyyy-mm-dd): no clean date is later.")
        var asOf: String = "2021-12-31"

        @Option(help: "Encoding for single-shape output: utf-8, utf-8-bom or gb18030.")
        var encoding: String = "utf-8"

        @Option(help: "Line ends for single-shape output: lf or crlf.")
        var lineEnding: String = "lf"

        @Option(help: "Delimiter for single-shape output: comma or tab.")
        var delimiter: String = "comma"

        @Option(help: "Header language for single-shape output: zh or en.")
        var headers: String = "zh"

        @Flag(help: "Gzip-compress the single-shape output (.csv.gz).")
        var gzip = false

        @Option(help: "gzip level 0-9 for compressed files.")
        var gzipLevel: Int = 6

        @Flag(help: "Cycle the files of each kind through the four bundled shapes.")
        var mixedShapes = false

        @Option(help: "Files per kind, rows split evenly (default: 1, or 4 with --mixed-shapes).")
        var files: Int?

        @Option(help: "Share of rows with a defect (a quarantine reason).")
        var badRate: Double = 0.01

        @Option(help: "Share of rows that are re-sent duplicates.")
        var dupRate: Double = 0.01

        @Option(help: "Folder with regions.csv and regions_history.csv (default: datasets/reference found upward, else the built-in tables).")
        var reference: String?

        @Option(help: "Threads rendering rows (the output does not depend on it).")
        var jobs: Int = 2

        func validate() throws {
            guard orgs >= 1 else { throw ValidationError("--orgs must be at least 1") }
            guard funding >= 0 else { throw ValidationError("--funding must be 0 or more") }
            guard (0...0.5).contains(badRate) else { throw ValidationError("--bad-rate must be between 0 and 0.5") }
            guard (0...0.5).contains(dupRate) else { throw ValidationError("--dup-rate must be between 0 and 0.5") }
            guard (0...9).contains(gzipLevel) else { throw ValidationError("--gzip-level must be 0…9") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
            if let files, !(1...99).contains(files) { throw ValidationError("--files must be 1…99") }
            guard let date = parsedAsOf else { throw ValidationError("--as-of must be a date yyyy-mm-dd, got '\(asOf)'") }
            guard (2011...2100).contains(date.year) else { throw ValidationError("--as-of must be in 2011…2100") }
            guard ["utf-8", "utf8", "utf-8-bom", "gb18030"].contains(encoding.lowercased()) else {
                throw ValidationError("--encoding must be utf-8, utf-8-bom or gb18030, got '\(encoding)'")
            }
            guard ["lf", "crlf"].contains(lineEnding) else { throw ValidationError("--line-ending must be lf or crlf") }
            guard ["comma", "tab"].contains(delimiter) else { throw ValidationError("--delimiter must be comma or tab") }
            guard FileShape.HeaderLanguage(rawValue: headers) != nil else { throw ValidationError("--headers must be zh or en") }
        }

        var parsedAsOf: CivilDate? {
            let parts = asOf.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            return CivilDate(year: parts[0], month: parts[1], day: parts[2])
        }

        var shape: FileShape {
            let lower = encoding.lowercased()
            return FileShape(
                encoding: lower == "gb18030" ? .gb18030 : .utf8, byteOrderMark: lower == "utf-8-bom",
                crlf: lineEnding == "crlf", tabDelimited: delimiter == "tab", gzip: gzip,
                headers: FileShape.HeaderLanguage(rawValue: headers) ?? .chinese)
        }

        func run() throws {
            let count = files ?? (mixedShapes ? FileShape.mixed.count : 1)
            let shapes = (0..<count).map { mixedShapes ? FileShape.mixed[$0 % FileShape.mixed.count] : shape }
            let options = GeneratorOptions(
                organizations: orgs, fundingRows: funding, seed: seed, asOf: parsedAsOf!, badRate: badRate,
                dupRate: dupRate, registrationShapes: shapes, fundingShapes: shapes,
                outputFolder: URL(fileURLWithPath: out), referenceFolder: URL(fileURLWithPath: try reference ?? ReferenceLocator.find(from: [FileManager.default.currentDirectoryPath])),
                gzipLevel: gzipLevel, jobs: jobs)
            do {
                let totals = try ExportGenerator(options: options).run()
                let err = OutputStream.standardError()
                for file in totals.files {
                    err.write("\(file.path): \(file.rows) rows, \(file.accepted) accepted, "
                        + "\(file.quarantinedTotal) quarantined, \(file.duplicates) duplicates\n")
                }
                err.write("\(out)/expected.json\n")
                err.flush()
            } catch {
                throw fail(error)
            }
        }
    }
}
