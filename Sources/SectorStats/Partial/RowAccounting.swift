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

/// The row accounting of a run: per file and per source, with the warnings of the kept rows.
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

