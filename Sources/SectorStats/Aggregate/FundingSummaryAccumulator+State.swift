extension FundingSummaryAccumulator {
    /// Every cell: records and the four fen sums.
    func encode(to w: inout StateWriter) {
        table.encode(to: &w) { w, c in
            w.int(c.records)
            w.int(c.totalFen)
            w.int(c.cashFen)
            w.int(c.inKindFen)
            w.int(c.unsplitFen)
        }
    }

    static func decode(from r: inout StateReader) throws -> FundingSummaryAccumulator {
        var a = FundingSummaryAccumulator()
        try a.table.decode(from: &r) { r in
            Cell(records: try r.int64(), totalFen: try r.int64(), cashFen: try r.int64(), inKindFen: try r.int64(),
                 unsplitFen: try r.int64())
        }
        return a
    }
}
