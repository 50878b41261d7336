import ArgumentParser
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats read-count FILE`: the reader benchmark's probe. Reads every record
    /// through the public reader API and counts; prints `records=R fields=F bytes=B malformed=M`
    /// (records and fields include the header, as the C libcsv counter counts them).
    struct ReadCount: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read-count",
            abstract: "Count records and fields through the reader (benchmark probe).",
            shouldDisplay: false
        )

        @Argument(help: "A .csv or .csv.gz file.")
        var file: String

        @OptionGroup var read: ReadOptions

        @Option(help: "Parallel chunks (1 = serial).")
        var threads: Int = 1

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        }

        struct Counts: Sendable {
            var records = 0
            var fields = 0
            var malformed = 0
        }

        func run() throws {
            do {
                var options = read.csvOptions
                if read.delimiter == "auto" { options.delimiter = UInt8(ascii: ",") }
                let result = try CSVReader.readChunks(path: file, options: options, chunks: threads,
                                                      makeState: { _ in Counts() },
                                                      visit: { counts, record in
                                                          counts.records += 1
                                                          counts.fields += record.parsedCount
                                                          if record.issue != nil { counts.malformed += 1 }
                                                      })
                var total = Counts(records: 1, fields: result.header.count, malformed: 0)
                for s in result.states {
                    total.records += s.records
                    total.fields += s.fields
                    total.malformed += s.malformed
                }
                let size = result.fileSize ?? 0
                let out = OutputStream.standardOutput()
                out.write("records=\(total.records) fields=\(total.fields) bytes=\(size) malformed=\(total.malformed)\(result.fellBack ? " fellback=1" : "")\n")
                out.flush()
            } catch {
                throw fail(error)
            }
        }
    }
}
