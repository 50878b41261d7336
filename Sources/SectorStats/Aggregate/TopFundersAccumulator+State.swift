extension TopFundersAccumulator {
    /// The grand total; the funders with records (name and sums), in id order; the
    /// industries; every (funder, industry, rows) count. Ids are renumbered to the funders
    /// written: the rows depend on names and sums only, never on ids.
    func encode(to w: inout StateWriter) {
        w.int(grandTotalFen)
        var renumbered = [Int](repeating: -1, count: stats.count)
        var written = 0
        for (id, s) in stats.enumerated() where s.records > 0 {
            renumbered[id] = written
            written += 1
        }
        w.varint(UInt64(written))
        for (id, s) in stats.enumerated() where s.records > 0 {
            names.withBytes(Int32(id)) { w.string($0) }
            w.int(s.records)
            w.int(s.totalFen)
            w.int(s.cashFen)
            w.int(s.inKindFen)
        }
        w.varint(UInt64(industries.count))
        for i in 0..<industries.count { industries.withBytes(Int32(i)) { w.string($0) } }
        var counts: [(Int, Int32, Int64)] = []
        forEachIndustryCount { funder, industry, rows in
            if renumbered[Int(funder)] >= 0 { counts.append((renumbered[Int(funder)], industry, rows)) }
        }
        counts.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        w.varint(UInt64(counts.count))
        for (funder, industry, rows) in counts {
            w.varint(UInt64(funder))
            w.varint(UInt64(industry))
            w.int(rows)
        }
    }

    static func decode(from r: inout StateReader) throws -> TopFundersAccumulator {
        var a = TopFundersAccumulator()
        a.grandTotalFen = try r.int64()
        let funders = try r.count()
        for id in 0..<funders {
            guard try r.withString({ a.names.intern($0) }) == Int32(id) else { throw r.bad("a funder written twice") }
            a.stats.append(Stats(records: try r.int64(), totalFen: try r.int64(), cashFen: try r.int64(), inKindFen: try r.int64()))
            guard a.stats[id].records > 0 else { throw r.bad("a funder without records") }
        }
        let industries = try r.count()
        for id in 0..<industries {
            guard try r.withString({ a.industries.intern($0) }) == Int32(id) else { throw r.bad("an industry written twice") }
        }
        for _ in 0..<(try r.count()) {
            let funder = try r.varint(), industry = try r.varint(), rows = try r.int64()
            guard funder < UInt64(funders), industry < UInt64(industries), rows > 0 else { throw r.bad() }
            a.countIndustry(funder: Int(funder), Int32(industry), rows)
        }
        return a
    }
}
