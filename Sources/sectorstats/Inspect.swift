import ArgumentParser
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats inspect FILE`: what the pipeline makes of a raw export.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the pipeline sees in a raw export.",
            discussion: """
                Prints the detected encoding and delimiter, the header, the first records as a \
                table, and every malformed record with its line and reason. With --json, prints \
                JSON Lines on stdout instead: one array of strings per record, the header first, \
                every record (short records padded with empty fields, as the pipeline sees them); \
                malformed records go to stderr as `line N: reason: detail`.
                Exit codes: 0 clean; 65 malformed records found or the file cannot be read as CSV; \
                1 other failures; 64 usage error.
                """
        )

        @Argument(help: "A .csv or .csv.gz file, or - for stdin.")
        var file: String

        @OptionGroup var read: ReadOptions

        @Option(help: "How many records to show in the table.")
        var limit: Int = 10

        @Flag(help: "JSON Lines on stdout (all records).")
        var json = false

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        }

        func run() throws {
            let summary: Inspector.Summary
            do {
                if json {
                    summary = try Inspector.jsonLines(path: file, options: read.csvOptions,
                                                      out: .standardOutput(), errors: .standardError())
                } else {
                    summary = try Inspector.report(path: file, options: read.csvOptions, limit: limit, out: .standardOutput())
                }
            } catch {
                throw fail(error)
            }
            if summary.malformed > 0 { throw ExitCodes.dataError }
        }
    }
}
