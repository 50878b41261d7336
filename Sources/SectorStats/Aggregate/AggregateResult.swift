/// Something the aggregate stage noticed that the tables do not show, for the manifest
/// and the log: a stable code, how many rows or items it concerns, and a message.
public struct AggregateWarning: Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var count: Int
    public var message: String

    public init(code: String, count: Int, message: String) {
        self.code = code
        self.count = count
        self.message = message
    }

    public var description: String { "\(code) (\(count)): \(message)" }
}

/// The five tables in memory, with the counts the manifest needs.
public struct AggregateOutput: Sendable, Equatable {
    /// One per ``AggregateTable/Kind``, in `Kind.allCases` order.
    public var tables: [AggregateTable]
    /// Organizations indexed (after removing duplicate USCCs); nil when that input was absent.
    public var organizations: Int?
    /// Funding rows read; nil when that input was absent.
    public var fundingRows: Int?
    /// Funding rows whose recipient_uscc matches no organization (all of them when the
    /// organizations are absent). They still count in funding_summary and top_funders.
    public var unmatchedRecipients: Int
    public var warnings: [AggregateWarning]

    public subscript(kind: AggregateTable.Kind) -> AggregateTable {
        tables.first { $0.kind == kind }!
    }
}

/// What the aggregate stage wrote: per table its file name and data row count (header not
/// counted), and the counts and warnings for the manifest.
public struct AggregateResult: Sendable, Equatable {
    /// One written table.
    public struct TableFile: Sendable, Equatable {
        public var kind: AggregateTable.Kind
        /// The file name inside the output folder.
        public var file: String
        /// Data rows, header not counted.
        public var rows: Int
    }

    public var tables: [TableFile]
    public var organizations: Int?
    public var fundingRows: Int?
    public var unmatchedRecipients: Int
    public var warnings: [AggregateWarning]
}
