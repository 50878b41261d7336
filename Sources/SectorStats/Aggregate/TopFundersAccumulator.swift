/// top_funders.csv.gz: the 100 funders with the largest total, with their most frequent
/// industry, their cash and in-kind parts, and their share and cumulative share of all
/// accepted funding (DATA.md §4).
///
/// Funders are interned to ids by their normalized name (bytes; rows with an empty funder
/// count only towards the grand total), with exact `Int64` fen sums per id and a count per
/// (funder, industry): the funder's first industry is counted in its `Stats` (one cache
/// line per row), any other in `industryCounts` — so a pair is in exactly one of the two.
/// `merge` re-interns the other side's names once per distinct name, so
/// ids are local and the result depends only on the rows, never on how they were split.
struct TopFundersAccumulator: Sendable {
    static let limit = 100

    struct Stats: Sendable {
        var records: Int64 = 0
        var totalFen: Int64 = 0
        var cashFen: Int64 = 0
        var inKindFen: Int64 = 0
        /// The first industry counted for the funder (-1: none yet) and its rows.
        var industry: Int32 = -1
        var industryRows: Int64 = 0
    }

    var names = ByteInterner()
    var industries = ByteInterner()
    /// By funder id.
    var stats: [Stats] = []
    /// Rows per (funder id << 32 | industry id), non-empty industries other than the
    /// funder's first (which `Stats` counts).
    var industryCounts = CountTable()
    /// All accepted rows, with or without a funder: the denominator of the shares.
    var grandTotalFen: Int64 = 0

    /// Starts loading the funder's slot (see ``Prefetch``), before the row is decoded.
    @inline(__always)
    func prefetch(funder: UnsafeBufferPointer<UInt8>) {
        if !funder.isEmpty { names.prefetch(funder) }
    }

    /// Starts loading the stats of funder `id` (an adopted id; -1: none), before its row.
    @inline(__always)
    func prefetch(funder id: Int32) {
        guard id >= 0 else { return }
        stats.withUnsafeBufferPointer { s in
            if Int(id) < s.count, let base = s.baseAddress { Prefetch.forWrite(base + Int(id)) }
        }
    }

    mutating func add(_ f: FundingFacts) throws(SectorStatsError) {
        try FixedPoint.add(&grandTotalFen, f.amountFen, "the total of all funding")
        guard !f.funder.isEmpty else { return }
        let id = Int(names.intern(f.funder))
        try count(f, funder: id)
        if !f.funderIndustry.isEmpty {
            countIndustry(funder: id, industries.intern(f.funderIndustry), 1)
        }
    }

    /// The row's record and sums for funder `id`.
    @inline(__always)
    private mutating func count(_ f: FundingFacts, funder id: Int) throws(SectorStatsError) {
        if id >= stats.count { stats.append(contentsOf: repeatElement(Stats(), count: id + 1 - stats.count)) }
        stats[id].records += 1
        try FixedPoint.add(&stats[id].totalFen, f.amountFen, "the total of a funder")
        if let (cash, inKind) = f.split {
            try FixedPoint.add(&stats[id].cashFen, cash, "the cash total of a funder")
            try FixedPoint.add(&stats[id].inKindFen, inKind, "the in-kind total of a funder")
        }
    }

    /// As ``add(_:)`` for a row whose funder and industry were interned elsewhere, in the
    /// interners this accumulator adopts (``adopt(names:industries:)``) before its rows are
    /// read or merged: `funder` and `industry` are ids there, -1 when empty. The funding
    /// facts file and the feed that writes it intern every row, dated after the as-of date
    /// or not, so some ids may never be added: they keep zero records and no row.
    @inline(__always)
    mutating func add(_ f: FundingFacts, funder: Int32, industry: Int32) throws(SectorStatsError) {
        try FixedPoint.add(&grandTotalFen, f.amountFen, "the total of all funding")
        guard funder >= 0 else { return }
        try count(f, funder: Int(funder))
        if industry >= 0 { countIndustry(funder: Int(funder), industry, 1) }
    }

    /// Takes the interners that the ids given to ``add(_:funder:industry:)`` refer to.
    mutating func adopt(names: ByteInterner, industries: ByteInterner) {
        precondition(self.names.count == 0 && self.industries.count == 0, "an accumulator adopts names before it interns any")
        precondition(names.count >= stats.count, "ids beyond the adopted names")
        self.names = names
        self.industries = industries
    }

    @inline(__always)
    mutating func countIndustry(funder: Int, _ industry: Int32, _ rows: Int64) {
        if stats[funder].industry == industry {
            stats[funder].industryRows += rows
        } else if stats[funder].industry < 0 {
            stats[funder].industry = industry
            stats[funder].industryRows = rows
        } else {
            industryCounts.add(UInt64(funder) << 32 | UInt64(industry), rows)
        }
    }

    /// Every (funder, industry, rows) counted.
    func forEachIndustryCount(_ body: (Int32, Int32, Int64) -> Void) {
        for (funder, s) in stats.enumerated() where s.industry >= 0 { body(Int32(funder), s.industry, s.industryRows) }
        industryCounts.forEach { key, count in body(Int32(key >> 32), Int32(key & 0xFFFF_FFFF), count) }
    }

    /// Adds another accumulator's sums of a funder to funder `id` (which, with adopted
    /// names, may lie beyond the stats so far). Its industry counts are added apart.
    mutating func add(_ theirs: Stats, to id: Int) throws(SectorStatsError) {
        if id >= stats.count { stats.append(contentsOf: repeatElement(Stats(), count: id + 1 - stats.count)) }
        stats[id].records += theirs.records
        try FixedPoint.add(&stats[id].totalFen, theirs.totalFen, "the total of a funder")
        try FixedPoint.add(&stats[id].cashFen, theirs.cashFen, "the cash total of a funder")
        try FixedPoint.add(&stats[id].inKindFen, theirs.inKindFen, "the in-kind total of a funder")
    }

    mutating func merge(_ other: TopFundersAccumulator) throws(SectorStatsError) {
        try FixedPoint.add(&grandTotalFen, other.grandTotalFen, "the total of all funding")
        var funderMap = [Int32](repeating: 0, count: other.stats.count)
        for theirs in 0..<other.stats.count {
            guard other.stats[theirs].records > 0 else { continue }  // an id interned but never added
            let id = other.names.withBytes(Int32(theirs)) { names.intern($0) }
            funderMap[theirs] = id
            try add(other.stats[theirs], to: Int(id))
        }
        let industryMap = (0..<other.industries.count).map { i in
            other.industries.withBytes(Int32(i)) { industries.intern($0) }
        }
        other.forEachIndustryCount { funder, industry, count in
            countIndustry(funder: Int(funderMap[Int(funder)]), industryMap[Int(industry)], count)
        }
    }

    /// The rows: funders by total descending, ties by name (UTF-8 bytes), the first 100.
    /// funder_industry is the most frequent non-empty industry, ties by bytes (the smaller
    /// wins), empty when none; shares are of the grand total and empty when it is 0; the
    /// cumulative share is computed from the exact cumulative sum, not from rounded shares.
    func rows() throws(SectorStatsError) -> [[String]] {
        // (Funders with no records: ids interned for rows that were never added.)
        let ranked = (0..<stats.count).filter { stats[$0].records > 0 }.map(Int32.init).sorted { a, b in
            let (ta, tb) = (stats[Int(a)].totalFen, stats[Int(b)].totalFen)
            return ta != tb ? ta > tb : names.precedes(a, b)
        }.prefix(Self.limit)
        var best: [Int32: (industry: Int32, count: Int64)] = [:]
        let top = Set(ranked)
        forEachIndustryCount { funder, industry, count in
            guard top.contains(funder) else { return }
            if let current = best[funder],
               current.count > count || (current.count == count && !industries.precedes(industry, current.industry)) {
                return
            }
            best[funder] = (industry, count)
        }
        var cumulative: Int64 = 0
        var rows: [[String]] = []
        for (rank, id) in ranked.enumerated() {
            let s = stats[Int(id)]
            try FixedPoint.add(&cumulative, s.totalFen, "the cumulative total of the top funders")
            rows.append([
                String(rank + 1), names.string(id), best[id].map { industries.string($0.industry) } ?? "",
                String(s.records), FixedPoint.yuan(s.totalFen), FixedPoint.yuan(s.cashFen), FixedPoint.yuan(s.inKindFen),
                FixedPoint.percentText(s.totalFen, of: grandTotalFen), FixedPoint.percentText(cumulative, of: grandTotalFen),
            ])
        }
        return rows
    }
}
