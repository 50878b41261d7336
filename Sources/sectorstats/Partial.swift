import ArgumentParser
import Foundation
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats partial FILE --kind … --out DIR`: one input file normalized into a partial.
    struct Partial: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalize one input file into a partial (the unit of work of a run or a cluster shard).",
            discussion: """
                Writes DIR/<key>.partial/ atomically and prints the key on stdout. The key covers the file's \
                content, how it is read (encoding, delimiter, aliases), the as-of date, the region reference \
                tables and the program version. A complete partial of the same key already in DIR is reused \
                (its bytes checked) unless --force.
                Exit codes: 0 success; 1 runtime failure; 64 usage error; 65 the file misses required columns.
                """)

        @Argument(help: "A raw export (.csv, .csv.gz, .tsv).")
        var file: String

        @Option(help: "registrations or funding.")
        var kind: String

        @OptionGroup var read: ReadOptions

        @Option(name: .customLong("alias"), help: "An extra header spelling: 'spelling=field' (repeatable).")
        var aliases: [String] = []

        @Option(help: "The run's as-of date (default: today).")
        var asOf: String?

        @Option(help: "The folder the partial goes in.")
        var out: String

        @Option(help: "Worker threads (default: the number of cores).")
        var threads: Int?

        @Flag(help: "Build the partial even when a complete one of its key is there.")
        var force = false

        @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward, else the built-in tables).")
        var reference: String?

        func validate() throws {
            guard PartialKind(rawValue: kind) != nil else { throw ValidationError("--kind must be registrations or funding, got '\(kind)'") }
            for a in aliases where !a.contains("=") { throw ValidationError("--alias takes spelling=field, got '\(a)'") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let asOf, (try? CivilDateArgument.parse(asOf)) == nil { throw ValidationError("--as-of must be a date such as 2021-12-31") }
        }

        func run() throws {
            do {
                let cwd = FileManager.default.currentDirectoryPath
                let referenceDir = try reference ?? ReferenceLocator.find(from: [cwd])
                let referenceHash = try PartialJob.referenceHash(of: referenceDir)
                var aliasMap: [String: String] = [:]
                for a in aliases {
                    let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
                    aliasMap[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
                let options = read.csvOptions
                let job = try PartialJob.make(
                    kind: PartialKind(rawValue: kind) ?? .funding, path: file, read: options, aliases: aliasMap,
                    asOf: try asOf.map(CivilDateArgument.parse) ?? CivilDateArgument.today(), referenceHash: referenceHash)
                let folder = out.hasPrefix("/") ? out : cwd + "/" + out
                let existing = folder + "/" + job.key + PartialFormat.suffix
                if force || (try? SectorStats.Partial(folder: existing, verify: true)) == nil {
                    let regions = try RegionTable(folder: URL(fileURLWithPath: referenceDir))
                    try PartialBuilder.build(job, in: folder, regions: regions,
                                             threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
                }
                let o = OutputStream.standardOutput()
                o.write(job.key + "\n")
                o.flush()
            } catch { throw fail(error) }
        }
    }

    /// `sectorstats merge --registrations-partial P … --funding-partial P … --out DIR`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge partials into the published tables, quarantine and manifest (OUT/latest/, atomic).",
            discussion: """
                Partials are taken in the order given: a later registration file supersedes an earlier one's \
                rows of the same USCC; the first funding row of a record_id wins. Holds OUT's lock as run does.
                Exit codes: 0 success; 1 runtime failure (a missing or damaged partial); 64 usage error; \
                75 another run holds the output folder's lock.
                """)

        @Option(name: .customLong("registrations-partial"), help: "A registrations partial folder (repeatable, in order).")
        var registrations: [String] = []

        @Option(name: .customLong("funding-partial"), help: "A funding partial folder (repeatable, in order).")
        var funding: [String] = []

        @Option(help: "The output folder (latest/ and runs/ go in it).")
        var out: String

        @Option(help: "The run's as-of date (default: today).")
        var asOf: String?

        @Option(help: "Comma-separated relief purposes (default: 疫情防控,救灾,应急救援,脱贫攻坚,扶贫).")
        var reliefPurposes: String?

        @Option(help: "The name in the manifest.")
        var name: String = "merge"

        @Option(help: "zlib level of the tables (1–9).")
        var gzipLevel: Int = 6

        @Option(help: "Worker threads (default: the number of cores).")
        var threads: Int?

        @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward, else the built-in tables).")
        var reference: String?

        func validate() throws {
            guard (1...9).contains(gzipLevel) else { throw ValidationError("--gzip-level must be 1…9") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let asOf, (try? CivilDateArgument.parse(asOf)) == nil { throw ValidationError("--as-of must be a date such as 2021-12-31") }
            if let reliefPurposes { _ = try Self.purposes(reliefPurposes) }
        }

        static func purposes(_ text: String) throws -> Set<Purpose> {
            var out: Set<Purpose> = []
            for label in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !label.isEmpty {
                guard let p = Purpose(rawValue: label) else {
                    throw ValidationError("unknown relief purpose '\(label)': use the labels of DATA.md §2 (\(Purpose.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                out.insert(p)
            }
            return out
        }

        func run() throws {
            do {
                let cwd = FileManager.default.currentDirectoryPath
                func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : cwd + "/" + p }
                let settings = AggregateSettings(
                    asOf: try asOf.map(CivilDateArgument.parse) ?? CivilDateArgument.today(),
                    reliefPurposes: try reliefPurposes.map(Self.purposes) ?? AggregateSettings.defaultReliefPurposes,
                    threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, gzipLevel: gzipLevel)
                let (id, _) = try MergeAndPublish.run(.init(
                    registrations: registrations.map(absolute), funding: funding.map(absolute), outputDirectory: absolute(out),
                    pipelineName: name, settings: settings,
                    referenceDirectory: try reference ?? ReferenceLocator.find(from: [cwd])))
                let o = OutputStream.standardOutput()
                o.write("published: \(absolute(out))/runs/\(id) (also \(absolute(out))/latest)\n")
                o.flush()
            } catch { throw fail(error) }
        }
    }
}
