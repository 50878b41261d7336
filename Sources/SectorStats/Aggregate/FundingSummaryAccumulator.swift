/// funding_summary.csv.gz: per (year of received_on, purpose, source_type) the records and
/// their total, cash, in-kind and unsplit yuan, and the in-kind share (DATA.md §4).
///
/// Fixed cells per year (14 purposes × 7 source types) of exact `Int64` fen sums: `add` is
/// index arithmetic and checked additions, `merge` adds cell by cell.
struct FundingSummaryAccumulator: Sendable {
    struct Cell: Sendable {
        var records: Int64 = 0
        var totalFen: Int64 = 0
        var cashFen: Int64 = 0
        var inKindFen: Int64 = 0
        var unsplitFen: Int64 = 0
    }

    static let cellsPerYear = Purpose.allCases.count * SourceType.allCases.count
    var table = YearTable(stride: cellsPerYear, zero: Cell())

    @inline(__always)
    private static func cell(_ purpose: Purpose, _ source: SourceType) -> Int {
        purpose.ordinal * SourceType.allCases.count + source.ordinal
    }

    mutating func add(_ f: FundingFacts) throws(SectorStatsError) {
        let i = table.base(of: f.receivedOn.year) + Self.cell(f.purpose, f.sourceType)
        table.cells[i].records += 1
        try FixedPoint.add(&table.cells[i].totalFen, f.amountFen, Self.what(f.receivedOn.year, f.purpose, f.sourceType))
        if let (cash, inKind) = f.split {
            try FixedPoint.add(&table.cells[i].cashFen, cash, Self.what(f.receivedOn.year, f.purpose, f.sourceType))
            try FixedPoint.add(&table.cells[i].inKindFen, inKind, Self.what(f.receivedOn.year, f.purpose, f.sourceType))
        } else {
            try FixedPoint.add(&table.cells[i].unsplitFen, f.amountFen, Self.what(f.receivedOn.year, f.purpose, f.sourceType))
        }
    }

    mutating func merge(_ other: FundingSummaryAccumulator) throws(SectorStatsError) {
        try table.merge(other.table) { (mine: inout Cell, theirs: Cell) throws(SectorStatsError) in
            mine.records += theirs.records
            try FixedPoint.add(&mine.totalFen, theirs.totalFen, "a funding_summary sum")
            try FixedPoint.add(&mine.cashFen, theirs.cashFen, "a funding_summary sum")
            try FixedPoint.add(&mine.inKindFen, theirs.inKindFen, "a funding_summary sum")
            try FixedPoint.add(&mine.unsplitFen, theirs.unsplitFen, "a funding_summary sum")
        }
    }

    private static func what(_ year: Int, _ purpose: Purpose, _ source: SourceType) -> String {
        "the funding_summary sum for \(year) \(purpose.rawValue) \(source.rawValue)"
    }

    /// The rows with records > 0, sorted by year, purpose (label bytes), source_type.
    func rows() throws(SectorStatsError) -> [[String]] {
        guard let years = table.years else { return [] }
        var rows: [[String]] = []
        for year in years {
            for purpose in Purpose.outputOrder {
                for source in SourceType.outputOrder {
                    let c = table[year, Self.cell(purpose, source)]
                    guard c.records > 0 else { continue }
                    let split = try FixedPoint.sum(c.cashFen, c.inKindFen, Self.what(year, purpose, source))
                    rows.append([
                        String(year), purpose.rawValue, source.rawValue, String(c.records), FixedPoint.yuan(c.totalFen),
                        FixedPoint.yuan(c.cashFen), FixedPoint.yuan(c.inKindFen), FixedPoint.yuan(c.unsplitFen),
                        FixedPoint.percentText(c.inKindFen, of: split),
                    ])
                }
            }
        }
        return rows
    }
}
