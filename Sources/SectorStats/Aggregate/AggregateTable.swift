/// One output table of the aggregate stage, in memory: its kind (file name and columns) and
/// its rows as the text written to the CSV, already sorted as DATA.md §4 says.
public struct AggregateTable: Sendable, Equatable {
    /// The five tables of DATA.md §4, in the order the stage returns them.
    public enum Kind: String, Sendable, CaseIterable {
        case registrationsByYear = "registrations_by_year"
        case growthTrends = "growth_trends"
        case fundingSummary = "funding_summary"
        case reliefCoverage = "relief_coverage"
        case topFunders = "top_funders"

        /// `<name>.csv.gz`.
        public var fileName: String { rawValue + ".csv.gz" }

        /// The header row (key columns first).
        public var columns: [String] {
            switch self {
            case .registrationsByYear:
                ["year", "province_code", "province", "org_type", "new", "deregistered", "active_end", "active_yoy_pct"]
            case .growthTrends:
                ["scope_code", "scope", "year", "active_end", "net_change", "yoy_pct", "cagr_3y_pct", "cagr_5y_pct"]
            case .fundingSummary:
                ["year", "purpose", "source_type", "records", "total_yuan", "cash_yuan", "in_kind_yuan", "unsplit_yuan",
                 "in_kind_share_pct"]
            case .reliefCoverage:
                ["year", "province_code", "province", "active_orgs", "relief_orgs", "relief_org_share_pct", "relief_yuan",
                 "beneficiaries", "counties", "counties_with_relief", "county_coverage_pct"]
            case .topFunders:
                ["rank", "funder", "funder_industry", "records", "total_yuan", "cash_yuan", "in_kind_yuan", "share_pct",
                 "cumulative_share_pct"]
            }
        }

        /// Whether the table is computed from the organizations, the funding rows, or both.
        var needsOrganizations: Bool { self == .registrationsByYear || self == .growthTrends || self == .reliefCoverage }
        var needsFunding: Bool { self == .fundingSummary || self == .reliefCoverage || self == .topFunders }
    }

    public let kind: Kind
    /// The data rows (no header), each with `kind.columns.count` fields.
    public var rows: [[String]]

    public init(kind: Kind, rows: [[String]]) {
        self.kind = kind
        self.rows = rows
    }

    /// The CSV text as written before compression: header and rows, LF, quoted only where
    /// DATA.md §5 says.
    public func csvText() -> String {
        let writer = CSVWriter()
        for row in [kind.columns] + rows {
            for field in row { writer.field(field) }
            try? writer.endRow()  // an in-memory writer never flushes, so never fails
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Writes the table to `path` as gzip CSV, published atomically.
    func write(to path: String, gzipLevel: Int) throws {
        let writer = try CSVWriter(gzipPath: path, level: gzipLevel)
        try writer.writeRow(kind.columns)
        for row in rows { try writer.writeRow(row) }
        try writer.commit()
    }
}
