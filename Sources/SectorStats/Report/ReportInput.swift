import Foundation

/// Everything a report shows, read from a run's published folder (`OUT/latest`): the five
/// tables parsed exactly, the manifest, the quarantine counted by source and reason, and
/// the officially published figures when the pipeline names a file of them.
public struct ReportInput: Sendable {
    /// A published table: its rows, each cell parsed by its column's kind.
    public struct Table: Sendable {
        public var kind: ReportTable
        public var rows: [[ReportCell]]

        public func column(_ name: String) -> Int? { kind.columns.firstIndex { $0.name == name } }

        /// The rows whose `column` holds `value` (as text).
        public func rows(where column: String, is value: String) -> [[ReportCell]] {
            guard let i = self.column(column) else { return [] }
            return rows.filter { $0[i].text == value }
        }
    }

    /// Quarantined rows of one source file for one reason.
    public struct QuarantineCount: Sendable, Equatable {
        public var source: String
        public var reason: String
        public var rows: Int
    }

    /// The published folder the report was made from.
    public var folder: String
    public var manifest: Manifest
    /// When the run published the folder (UTC, from the run folder's name).
    public var ranAt: String?
    public var tables: [ReportTable: Table]
    public var quarantine: [QuarantineCount]
    public var published: [PublishedFigure]

    public init(folder: String, manifest: Manifest, ranAt: String?, tables: [ReportTable: Table],
                quarantine: [QuarantineCount], published: [PublishedFigure]) {
        self.folder = folder
        self.manifest = manifest
        self.ranAt = ranAt
        self.tables = tables
        self.quarantine = quarantine
        self.published = published
    }

    public func table(_ t: ReportTable) -> Table { tables[t] ?? Table(kind: t, rows: []) }

    /// The as-of year of the run.
    public var asOfYear: Int? { Int(manifest.asOf.prefix(4)) }

    /// Reads `OUT/latest` of the output folder `output` and, when given, a published-figures file.
    public static func load(outputDirectory output: String, publishedFigures: String? = nil) throws -> ReportInput {
        let latest = output + "/latest"
        guard FileManager.default.fileExists(atPath: latest + "/manifest.json") else {
            throw SectorStatsError(.fileNotReadable, file: latest + "/manifest.json", "nothing is published in \(output) yet: run `sectorstats run` first")
        }
        return try load(folder: latest, ranAt: runTime(latest), publishedFigures: publishedFigures)
    }

    /// Reads a run folder's tables and manifest (the publication writes the reports into the
    /// run's folder before it is published); `ranAt`: when the run published.
    public static func load(folder latest: String, ranAt: String?, publishedFigures: String? = nil) throws -> ReportInput {
        let manifestPath = latest + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw SectorStatsError(.fileNotReadable, file: manifestPath, "no manifest in \(latest)")
        }
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw SectorStatsError(.corruptData, file: manifestPath, "not a sectorstats manifest: \(error)")
        }
        var tables: [ReportTable: Table] = [:]
        for t in ReportTable.allCases { tables[t] = try readTable(t, path: latest + "/" + t.fileName) }
        let published = try publishedFigures.map { try PublishedFigure.load(path: $0) } ?? []
        return ReportInput(folder: latest, manifest: manifest, ranAt: ranAt, tables: tables,
                           quarantine: try quarantineCounts(manifest) ?? readQuarantine(latest + "/" + MergeStage.quarantineFile),
                           published: published)
    }

    static func readTable(_ t: ReportTable, path: String) throws -> Table {
        let reader = try CSVReader(path: path)
        let names = t.columns.map(\.name)
        guard reader.header == names else {
            throw SectorStatsError(.corruptData, file: path, line: 1, "expected the columns \(names.joined(separator: ",")), found \(reader.header.joined(separator: ","))")
        }
        var rows: [[ReportCell]] = []
        var failure: SectorStatsError?
        try reader.forEachRecord { r in
            guard failure == nil else { return }
            let fields = r.fields()
            guard r.issue == nil, fields.count == names.count else {
                failure = SectorStatsError(.corruptData, file: path, line: r.line, "malformed record in a published table")
                return
            }
            var row: [ReportCell] = []
            for (i, column) in t.columns.enumerated() {
                guard let cell = ReportCell.parse(fields[i], as: column.kind) else {
                    failure = SectorStatsError(.corruptData, file: path, line: r.line, field: column.name, "\"\(fields[i])\" is not a valid value")
                    return
                }
                row.append(cell)
            }
            rows.append(row)
        }
        if let failure { throw failure }
        return Table(kind: t, rows: rows)
    }

    /// The counts of ``readQuarantine(_:)`` from the manifest: each input's rows quarantined
    /// by reason, its source named as the quarantine names it (the file's name). Those are
    /// the counts the quarantine was written with, so the file (tens of MB) need not be read
    /// back; nil unless they add up to the quarantine's published row count.
    static func quarantineCounts(_ manifest: Manifest) -> [QuarantineCount]? {
        guard let published = manifest.outputs.first(where: { $0.file == MergeStage.quarantineFile }) else { return nil }
        var counts: [String: [String: Int]] = [:]
        var total = 0
        for input in manifest.inputs {
            for (reason, rows) in input.quarantinedByReason where rows > 0 {
                counts[CSVReader.baseName(input.path), default: [:]][reason, default: 0] += rows
                total += rows
            }
        }
        guard total == published.rows else { return nil }
        return sorted(counts)
    }

    private static func sorted(_ counts: [String: [String: Int]]) -> [QuarantineCount] {
        counts.keys.sorted().flatMap { source in
            (counts[source] ?? [:]).sorted { $0.key < $1.key }.map { QuarantineCount(source: source, reason: $0.key, rows: $0.value) }
        }
    }

    /// Counts of quarantine.csv.gz by source and reason, sorted by source then reason.
    static func readQuarantine(_ path: String) throws -> [QuarantineCount] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let reader = try CSVReader(path: path)
        guard let s = reader.header.firstIndex(of: "source"), let r = reader.header.firstIndex(of: "reason") else {
            throw SectorStatsError(.corruptData, file: path, line: 1, "expected source and reason columns")
        }
        var counts: [String: [String: Int]] = [:]
        try reader.forEachRecord { rec in
            let f = rec.fields()
            guard f.count > max(s, r) else { return }
            counts[f[s], default: [:]][f[r], default: 0] += 1
        }
        return sorted(counts)
    }

    /// `runs/20211231T080102Z-123` → `2021-12-31 08:01:02 UTC`.
    static func runTime(_ latest: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latest) else { return nil }
        return runTime(id: (target as NSString).lastPathComponent)
    }

    /// When a run published, from its id (`yyyyMMddTHHmmssZ-pid`).
    public static func runTime(id runID: String) -> String? {
        let id = Array(runID.utf8)
        guard id.count >= 16, id[8] == UInt8(ascii: "T"), id[15] == UInt8(ascii: "Z") else { return nil }
        let s = String(decoding: id, as: UTF8.self)
        func part(_ a: Int, _ b: Int) -> Substring {
            s[s.index(s.startIndex, offsetBy: a)..<s.index(s.startIndex, offsetBy: b)]
        }
        return "\(part(0, 4))-\(part(4, 6))-\(part(6, 8)) \(part(9, 11)):\(part(11, 13)):\(part(13, 15)) UTC"
    }
}
