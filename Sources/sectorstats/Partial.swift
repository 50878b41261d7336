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
                --range START:END (a plain file only) builds the partial of the records that start in that byte \
                range, both ends moved to a record boundary as the parallel reader does, with the file's line \
                numbers; the partials of all ranges of a file, merged in order, give what the whole file's does. \
                START:END@LINE begins the range on LINE instead (where the range before it stopped, when a \
                boundary guess was wrong). The range is part of the key.
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

        @Option(help: "Only the records starting in this byte range: START:END or START:END@LINE (plain files).")
        var range: String?

        @Option(help: "The input's path as the pipeline gives it (recorded in the manifest; default: FILE).")
        var givenPath: String?

        @Flag(help: "Build the partial even when a complete one of its key is there.")
        var force = false

        @Option(help: ArgumentHelp("The file's SHA-256 as `plan --json` took it (with --stamp).", visibility: .hidden))
        var sha256: String?

        @Option(help: ArgumentHelp(
            "The file's stamp when --sha256 was taken; the hash is used only if the file still has it.", visibility: .hidden))
        var stamp: String?

        @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward, else the built-in tables).")
        var reference: String?

        func validate() throws {
            guard PartialKind(rawValue: kind) != nil else { throw ValidationError("--kind must be registrations or funding, got '\(kind)'") }
            for a in aliases where !a.contains("=") { throw ValidationError("--alias takes spelling=field, got '\(a)'") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let asOf, (try? CivilDateArgument.parse(asOf)) == nil { throw ValidationError("--as-of must be a date such as 2021-12-31") }
            if let range, CSVByteRange(range) == nil { throw ValidationError("--range takes START:END or START:END@LINE, got '\(range)'") }
            guard (sha256 == nil) == (stamp == nil) else { throw ValidationError("--sha256 and --stamp go together") }
            if let sha256, sha256.count != 64 || !sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
                throw ValidationError("--sha256 takes 64 lowercase hex digits, got '\(sha256)'")
            }
            if let stamp, FileStamp(stamp) == nil { throw ValidationError("--stamp takes SIZE:MTIME_NS:CTIME_NS:INODE, got '\(stamp)'") }
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
                var job = try PartialJob.make(
                    kind: PartialKind(rawValue: kind) ?? .funding, path: file, given: givenPath, read: options, aliases: aliasMap,
                    asOf: try asOf.map(CivilDateArgument.parse) ?? CivilDateArgument.today(), referenceHash: referenceHash,
                    planned: sha256.flatMap { h in stamp.flatMap { FileStamp($0) }.map { (h, $0) } })
                job.range = range.flatMap(CSVByteRange.init)
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
                rows of the same USCC; the first funding row of a record_id wins. Holds OUT's lock as run does. \
                The partials of the byte ranges of one file, given in order, count as that file.
                Split by record id (no process holds every funding record id): --bucket i/K --state-out F \
                merges the registry and only the funding rows whose record_id is in bucket i of K (K ≤ 64: the \
                id's shard, the top six bits of FNV-1a 64 of its normalized UTF-8 bytes, mod K) and writes the \
                bucket's accumulator state to \
                F (nothing is published); then --state F (once per bucket, any order) with the same partials \
                combines the K states into the tables, quarantine and manifest, published as without buckets.
                Exit codes: 0 success; 1 runtime failure (a missing or damaged partial); 64 usage error (or \
                states that do not belong together); 65 quarantined share above --max-quarantine-pct, or a \
                damaged state; 75 another run holds the output folder's lock.
                """)

        @Option(name: .customLong("registrations-partial"), help: "A registrations partial folder (repeatable, in order).")
        var registrations: [String] = []

        @Option(name: .customLong("funding-partial"), help: "A funding partial folder (repeatable, in order).")
        var funding: [String] = []

        @Option(help: "The output folder (latest/ and runs/ go in it); not with --bucket.")
        var out: String?

        @Option(help: "Merge only the funding rows of record-id bucket i of K ('i/K'); needs --state-out.")
        var bucket: String?

        @Option(help: "Where --bucket writes the bucket's state.")
        var stateOut: String?

        @Option(name: .customLong("state"), help: "A bucket's state (repeatable, one per bucket): combine them and publish.")
        var states: [String] = []

        @Option(help: "Refuse to publish (exit 65) when more than this percentage of rows is quarantined.")
        var maxQuarantinePct: Double?

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
            if let bucket {
                guard RecordBucket(bucket) != nil else {
                    throw ValidationError("--bucket takes i/K with 0 ≤ i < K ≤ \(RecordBucket.shards), got '\(bucket)'")
                }
                guard stateOut != nil else { throw ValidationError("--bucket needs --state-out FILE") }
                guard states.isEmpty, out == nil else { throw ValidationError("--bucket writes a state: no --out or --state with it") }
            } else {
                guard stateOut == nil else { throw ValidationError("--state-out goes with --bucket") }
                guard out != nil else { throw ValidationError("give --out DIR (or --bucket i/K --state-out FILE)") }
            }
            if let m = maxQuarantinePct, !(0...100).contains(m) { throw ValidationError("--max-quarantine-pct must be 0…100") }
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
                let o = OutputStream.standardOutput()
                if let bucket = bucket.flatMap(RecordBucket.init), let stateOut {
                    let summary = try MergeAndPublish.mergeBucket(
                        registrations: registrations.map(absolute), funding: funding.map(absolute), bucket: bucket,
                        settings: settings, stateFile: absolute(stateOut))
                    o.write("bucket \(bucket.description): \(summary.rows) funding rows, \(summary.duplicates) duplicates → \(absolute(stateOut))\n")
                    o.flush()
                    return
                }
                let referenceDirectory = try reference ?? ReferenceLocator.find(from: [cwd])
                let out = absolute(out ?? ".")
                var request = MergeAndPublish.Request(
                    registrations: registrations.map(absolute), funding: funding.map(absolute), outputDirectory: out,
                    pipelineName: name, settings: settings, referenceDirectory: referenceDirectory, states: states.map(absolute))
                request.maxQuarantinePct = maxQuarantinePct
                let (id, _) = try MergeAndPublish.run(request)
                o.write("published: \(out)/runs/\(id) (also \(out)/latest)\n")
                o.flush()
            } catch { throw fail(error) }
        }
    }
}
