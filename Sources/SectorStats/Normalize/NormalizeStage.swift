/// One input file of a source, with how to read it.
public struct InputFile: Sendable, Equatable {
    public var path: String
    public var read: CSVReadOptions
    /// Extra header spellings → canonical field name (`record_id`, `capital`, …).
    public var aliases: [String: String]

    public init(path: String, read: CSVReadOptions = CSVReadOptions(), aliases: [String: String] = [:]) {
        self.path = path
        self.read = read
        self.aliases = aliases
    }

    public static func == (a: InputFile, b: InputFile) -> Bool {
        a.path == b.path && a.aliases == b.aliases && a.read.encoding == b.read.encoding && a.read.delimiter == b.read.delimiter
    }
}

/// Row accounting for one input file or one whole source (DATA.md §4, §5):
/// rows read = accepted + quarantined + duplicates.
public struct RowAccounting: Sendable, Codable, Equatable {
    public var file: String
    public var path: String
    public var encoding: String
    public var rowsRead = 0
    public var accepted = 0
    public var quarantined = 0
    public var duplicates = 0
    public var quarantinedByReason: [String: Int] = [:]
    public var unknownColumns: [String] = []

    public init(file: String, path: String, encoding: String) {
        self.file = file
        self.path = path
        self.encoding = encoding
    }

    public var balances: Bool { rowsRead == accepted + quarantined + duplicates }

    mutating func add(_ other: RowAccounting) {
        rowsRead += other.rowsRead
        accepted += other.accepted
        quarantined += other.quarantined
        duplicates += other.duplicates
        for (k, v) in other.quarantinedByReason { quarantinedByReason[k, default: 0] += v }
    }
}

/// What the normalize stage did: per file and per source, warnings, tables written.
public struct NormalizeResult: Sendable, Codable, Equatable {
    public var registrationFiles: [RowAccounting] = []
    public var fundingFiles: [RowAccounting] = []
    public var registrations: RowAccounting
    public var funding: RowAccounting
    public var warnings: [String: Int] = [:]
    public var organizationsWritten = 0
    public var fundingWritten = 0
    public var quarantineRows = 0
}

/// The normalize stage: raw exports in, clean tables out (DATA.md §1–§5).
///
/// Writes into `folder`: `organizations.csv` and `funding.csv` (NormalizedTables) and
/// `quarantine.csv.gz` (every refused row, sorted by source then line). Registration rows
/// with the same USCC: the last in input order wins (a later export supersedes); funding
/// rows with the same record_id: the first wins; only rows that pass every check take part
/// in duplicate detection. The accounting identity is checked per file and per source; a
/// mismatch is a bug and throws.
public enum NormalizeStage {
    public static let quarantineFile = "quarantine.csv.gz"
    public static let quarantineColumns = ["source", "line", "field", "reason", "detail", "raw"]

    public static func run(registrations: [InputFile], funding: [InputFile], regions: RegionTable, asOf: CivilDate,
                           folder: String, gzipLevel: Int = 6) throws -> NormalizeResult {
        var result = NormalizeResult(registrations: RowAccounting(file: "registrations", path: "", encoding: ""),
                                     funding: RowAccounting(file: "funding", path: "", encoding: ""))
        var quarantine: [QuarantineEntry] = []

        // Registrations: all kept until the end, since a later row may supersede an earlier one.
        var orgs: [Organization] = []
        var orgFile: [Int] = []
        var superseded: [Bool] = []
        var orgWarnings: [[NormalizeWarning]] = []
        var index: [USCC: Int] = [:]
        for (fileIndex, input) in registrations.enumerated() {
            let reader = try CSVReader(path: input.path, options: input.read)
            var acc = RowAccounting(file: reader.name, path: input.path, encoding: reader.encoding.rawValue)
            let normalizer = try RegistrationNormalizer(
                header: reader.header, source: reader.name, asOf: asOf, regions: regions,
                aliases: try aliases(input.aliases, RegistrationField.self, file: reader.name))
            acc.unknownColumns = normalizer.unknownColumns
            try reader.forEachRecord { record in
                acc.rowsRead += 1
                switch normalizer.normalize(record) {
                case .quarantined(let q):
                    acc.quarantined += 1
                    acc.quarantinedByReason[q.reason.rawValue, default: 0] += 1
                    quarantine.append(q)
                case .accepted(let org, let warnings):
                    if let earlier = index[org.uscc] {
                        superseded[earlier] = true
                        let earlierFile = orgFile[earlier]
                        if earlierFile == fileIndex {
                            acc.accepted -= 1
                            acc.duplicates += 1
                        } else {
                            result.registrationFiles[earlierFile].accepted -= 1
                            result.registrationFiles[earlierFile].duplicates += 1
                        }
                    }
                    index[org.uscc] = orgs.count
                    orgs.append(org)
                    orgFile.append(fileIndex)
                    superseded.append(false)
                    orgWarnings.append(warnings)
                    acc.accepted += 1
                }
            }
            result.registrationFiles.append(acc)
        }
        let orgWriter = try CSVWriter(path: folder + "/" + NormalizedTables.organizationsFile)
        try orgWriter.writeRow(NormalizedTables.organizationColumns)
        for (i, org) in orgs.enumerated() where !superseded[i] {
            // Warnings count accepted organizations: superseded rows are duplicates.
            for w in orgWarnings[i] { result.warnings[w.rawValue, default: 0] += 1 }
            try NormalizedTables.encode(org, to: orgWriter)
            result.organizationsWritten += 1
        }

        // Funding: streamed; the first record_id wins.
        let fundingWriter = try CSVWriter(path: folder + "/" + NormalizedTables.fundingFile)
        try fundingWriter.writeRow(NormalizedTables.fundingColumns)
        var seen = Set<String>()
        for input in funding {
            let reader = try CSVReader(path: input.path, options: input.read)
            var acc = RowAccounting(file: reader.name, path: input.path, encoding: reader.encoding.rawValue)
            let normalizer = try FundingNormalizer(
                header: reader.header, source: reader.name, asOf: asOf, regions: regions,
                aliases: try aliases(input.aliases, FundingField.self, file: reader.name))
            acc.unknownColumns = normalizer.unknownColumns
            try reader.forEachRecord { record in
                acc.rowsRead += 1
                switch normalizer.normalize(record) {
                case .quarantined(let q):
                    acc.quarantined += 1
                    acc.quarantinedByReason[q.reason.rawValue, default: 0] += 1
                    quarantine.append(q)
                case .accepted(let f, let warnings):
                    guard seen.insert(f.recordID).inserted else {
                        acc.duplicates += 1
                        return
                    }
                    for w in warnings { result.warnings[w.rawValue, default: 0] += 1 }
                    try NormalizedTables.encode(f, to: fundingWriter)
                    acc.accepted += 1
                    result.fundingWritten += 1
                }
            }
            result.fundingFiles.append(acc)
        }

        // The accounting identity, per file and per source.
        for acc in result.registrationFiles + result.fundingFiles where !acc.balances {
            throw SectorStatsError(.internalError, file: acc.file,
                                   "row accounting does not balance: read \(acc.rowsRead) ≠ accepted \(acc.accepted) + quarantined \(acc.quarantined) + duplicates \(acc.duplicates)")
        }
        for acc in result.registrationFiles { result.registrations.add(acc) }
        for acc in result.fundingFiles { result.funding.add(acc) }
        guard result.registrations.accepted == result.organizationsWritten, result.funding.accepted == result.fundingWritten else {
            throw SectorStatsError(.internalError, "row accounting does not balance: accepted rows differ from rows written")
        }

        quarantine.sort(by: QuarantineEntry.ordered)
        let qWriter = try CSVWriter(gzipPath: folder + "/" + quarantineFile, level: gzipLevel)
        try qWriter.writeRow(quarantineColumns)
        for q in quarantine {
            qWriter.field(q.source)
            qWriter.field(Int64(q.line))
            qWriter.field(q.field)
            qWriter.field(q.reason.rawValue)
            qWriter.field(q.detail)
            qWriter.field(q.raw)
            try qWriter.endRow()
        }
        result.quarantineRows = quarantine.count
        // Publish the tables last, together.
        try orgWriter.commit()
        try fundingWriter.commit()
        try qWriter.commit()
        return result
    }

    static func aliases<Field: HeaderField>(_ raw: [String: String], _: Field.Type, file: String) throws -> [String: Field] {
        var out: [String: Field] = [:]
        for (spelling, name) in raw {
            guard let field = Field(rawValue: name) else {
                throw SectorStatsError(.inputRefused, file: file, field: "aliases",
                                       "alias \"\(spelling)\" names an unknown field \"\(name)\"; fields are \(Field.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out[spelling] = field
        }
        return out
    }
}
