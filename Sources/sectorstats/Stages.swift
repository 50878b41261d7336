import ArgumentParser
import Foundation
import Logging
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats stages [PIPELINE]`: the stage graph and each stage's state.
    struct Stages: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the stages and whether each is fresh, stale (and why) or never run.")

        @OptionGroup var target: RunTarget

        func run() throws {
            do {
                let request = try target.request()
                let runner = PipelineRunner(request, logger: Logger(label: "sectorstats"))
                let states = try runner.states()
                let partials = try runner.partialStates()
                let out = OutputStream.standardOutput()
                out.write("ingest → normalize (a partial per input) → aggregate (merge) → export   (\(request.outputDirectory))\n")
                for (stage, state) in states {
                    out.write("  \(stage.folderName.padding(toLength: 13, withPad: " ", startingAt: 0)) \(state)\n")
                    if stage == .normalize {
                        for p in partials { out.write("      \(p.file): \(p.state)\n") }
                    }
                }
                out.flush()
            } catch { throw fail(error) }
        }
    }

    /// `sectorstats status`: the last run.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the last run: when, outcome, rows per source, outputs.")

        @OptionGroup var target: RunTarget

        func run() throws {
            do {
                let dir = try target.outputDirectory()
                let path = dir + "/" + PipelineRunner.statusFile
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw SectorStatsError(.fileNotReadable, file: path, "no run recorded in \(dir) yet")
                }
                let s = try JSONDecoder().decode(RunStatus.self, from: data)
                let out = OutputStream.standardOutput()
                out.write("pipeline:  \(s.pipeline)\nstarted:   \(s.startedAt)\nfinished:  \(s.finishedAt)\noutcome:   \(s.outcome)\(s.message.map { " — \($0)" } ?? "")\n")
                for (kind, acc) in [("registrations", s.registrations), ("funding", s.funding)] {
                    if let a = acc { out.write("\(kind): \(a.rowsRead) read, \(a.accepted) accepted, \(a.quarantined) quarantined, \(a.duplicates) duplicates\n") }
                }
                for t in s.tables.keys.sorted() { out.write("  \(t): \(s.tables[t] ?? 0) rows\n") }
                if let p = s.published { out.write("published: \(p)\n") }
                out.flush()
            } catch { throw fail(error) }
        }
    }

    /// `sectorstats show TABLE`: a published table in the terminal.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a published table or the quarantine, aligned (CJK-aware).")

        @Argument(help: "registrations_by_year, growth_trends, funding_summary, relief_coverage, top_funders or quarantine.")
        var table: String

        @Option(name: .customLong("where"), help: "column=value (repeatable; all must hold).")
        var conditions: [String] = []

        @Option(help: "At most this many rows.")
        var limit: Int = 50

        @OptionGroup var target: RunTarget

        func validate() throws {
            for c in conditions where Self.condition(c) == nil { throw ValidationError("--where takes column=value (a column name, =, a value), got '\(c)'") }
            guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        }

        func run() throws {
            do {
                let path = try TableView.path(of: table, in: try target.outputDirectory())
                let conds = conditions.compactMap(Self.condition)
                let (header, rows) = try TableView.rows(path: path, where: conds, limit: limit)
                let out = OutputStream.standardOutput()
                out.write(TerminalTable.render([header] + rows, maxCellWidth: 40))
                out.flush()
            } catch { throw fail(error) }
        }

        /// `column=value` split at the first `=`; nil without a column name.
        static func condition(_ c: String) -> (String, String)? {
            guard let eq = c.firstIndex(of: "="), eq != c.startIndex else { return nil }
            return (String(c[..<eq]), String(c[c.index(after: eq)...]))
        }
    }

    /// `sectorstats export TABLE --format csv|tsv|md`: a table for reports, or a clean table.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a published table as CSV, TSV or Markdown for reports, or a clean normalized table as CSV.",
            discussion: """
                Text cells beginning with =, +, -, @, tab or CR are prefixed with ' (spreadsheet formula injection); numbers are untouched.
                `organizations` and `funding` are the clean normalized tables (every kept row; ISO dates, fen, codes), \
                streamed as CSV from the partials of the last run's normalize stage.
                """)

        @Argument(help: "A table name, as for show; or organizations / funding (the clean tables).")
        var table: String

        @Option(help: "csv, tsv or md.")
        var format: String = "csv"

        @Option(help: "Write to this file instead of stdout.")
        var out: String?

        @OptionGroup var target: RunTarget

        @Flag(help: "Begin with a UTF-8 byte-order mark, so that Excel on a Chinese-locale machine reads UTF-8 (csv, tsv).")
        var bom = false

        @Flag(help: "CSV for Excel: a byte-order mark and CRLF line ends (csv, tsv).")
        var excel = false

        func validate() throws {
            guard TableView.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv, tsv or md") }
            if bom || excel, format == "md" { throw ValidationError("--bom and --excel are for csv and tsv") }
        }

        func run() throws {
            do {
                if ["organizations", "funding"].contains(table) {
                    guard format == "csv" else { throw ValidationError("the clean tables are exported as csv only") }
                    return try exportClean()
                }
                let path = try TableView.path(of: table, in: try target.outputDirectory())
                let (header, rows) = try TableView.rows(path: path, where: [], limit: nil)
                var text = TableView.render(header: header, rows: rows, format: TableView.Format(rawValue: format) ?? .csv)
                if excel { text = ExportFileWriter.crlfLineEnds(text, quoted: format == "csv") }
                if let out {
                    let f = try ExportFileWriter(path: out, encoding: .utf8, byteOrderMark: bom || excel, gzip: false)
                    try Array(text.utf8).withUnsafeBufferPointer { try f.write(utf8: $0) }
                    try f.commit()
                } else {
                    let o = OutputStream.standardOutput()
                    o.write((bom || excel ? "\u{FEFF}" : "") + text)
                    o.flush()
                }
            } catch let e as ValidationError { throw e } catch { throw fail(error) }
        }

        /// A clean table, streamed: to a file (atomic), or to stdout a few thousand rows at a time.
        private func exportClean() throws {
            let dir = try target.outputDirectory()
            if let out {
                let w = try CSVWriter(path: out)
                try CleanTables.export(table, outputDirectory: dir, to: w)
                try w.commit()
            } else {
                let o = OutputStream.standardOutput()
                let drain: (CSVWriter) throws -> Void = { w in
                    w.withBytes { o.write(bytes: $0) }
                    w.reset()
                }
                let w = CSVWriter(reservingCapacity: 1 << 20)
                try CleanTables.export(table, outputDirectory: dir, to: w, drain: drain)
                try drain(w)
                o.flush()
            }
        }
    }
}

/// Which pipeline/output folder a read-only command looks at.
struct RunTarget: ParsableArguments {
    @Option(help: "A pipeline file (default pipelines/default.yml when it exists).")
    var pipeline: String?

    @Option(name: .customLong("out-dir"), help: "The run's output folder (default: the pipeline's).")
    var out: String?

    @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward, else the built-in tables).")
    var reference: String?

    func definitionAndBase() throws -> (PipelineDefinition, String) {
        let cwd = FileManager.default.currentDirectoryPath
        let path = pipeline ?? "pipelines/default.yml"
        guard FileManager.default.fileExists(atPath: path) else {
            throw SectorStatsError(.fileNotReadable, file: path, "no pipeline file: pass --pipeline FILE or --out-dir DIR")
        }
        let abs = path.hasPrefix("/") ? path : cwd + "/" + path
        return (try PipelineDefinition.load(path: path), URL(fileURLWithPath: abs).deletingLastPathComponent().path)
    }

    func outputDirectory() throws -> String {
        let cwd = FileManager.default.currentDirectoryPath
        if let out { return out.hasPrefix("/") ? out : cwd + "/" + out }
        let (d, base) = try definitionAndBase()
        return OutputFolder.resolve(out: nil, definition: d, base: base, cwd: cwd)
    }

    func request() throws -> RunRequest {
        if pipeline == nil, out != nil, !FileManager.default.fileExists(atPath: "pipelines/default.yml") {
            return try adhocRequest()
        }
        let (d, base) = try definitionAndBase()
        let cwd = FileManager.default.currentDirectoryPath
        return RunRequest(pipeline: d, baseDirectory: base, outputDirectory: try outputDirectory(),
                          asOf: d.asOf ?? CivilDateArgument.today(), threads: OutputFolder.threads(d),
                          referenceDirectory: try reference ?? ReferenceLocator.find(from: [base, cwd]))
    }

    /// `--out-dir` alone: an ad-hoc run's folder (`run --registrations … --out DIR`), whose
    /// sources and as-of date are those its published manifest lists.
    private func adhocRequest() throws -> RunRequest {
        let cwd = FileManager.default.currentDirectoryPath
        let dir = try outputDirectory()
        let path = dir + "/latest/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SectorStatsError(.fileNotReadable, file: dir, "nothing is published here, so its sources are unknown: pass --pipeline FILE")
        }
        let m = try JSONDecoder().decode(Manifest.self, from: data)
        guard m.pipeline == "adhoc" else {
            throw SectorStatsError(.invalidArgument, file: dir, "this is the output folder of pipeline \"\(m.pipeline)\": pass --pipeline with its file")
        }
        var d = PipelineDefinition(name: m.pipeline)
        d.registrations = m.inputs.filter { $0.kind == "registrations" }.map { PipelineDefinition.Source(path: $0.path) }
        d.funding = m.inputs.filter { $0.kind == "funding" }.map { PipelineDefinition.Source(path: $0.path) }
        return RunRequest(pipeline: d, baseDirectory: cwd, outputDirectory: dir, asOf: try CivilDateArgument.parse(m.asOf),
                          threads: OutputFolder.threads(d), referenceDirectory: try reference ?? ReferenceLocator.find(from: [cwd]))
    }
}
