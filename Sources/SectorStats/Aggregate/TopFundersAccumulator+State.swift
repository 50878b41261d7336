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

extension TopFundersAccumulator {
    /// Adds what ``encode(to:)`` wrote, as ``merge(_:)`` of the decoded accumulator would,
    /// but interning each name once (into this accumulator) instead of twice: the combine
    /// reads a state per bucket, each with most of the funders.
    mutating func mergeEncoded(from r: inout StateReader) throws {
        try FixedPoint.add(&grandTotalFen, try r.int64(), "the total of all funding")
        let funders = try r.count()
        var funderMap: [Int32] = []
        funderMap.reserveCapacity(funders)
        // The funders this state named (a name twice would be a state no merge writes).
        var named = [Bool](repeating: false, count: names.count + funders)
        for _ in 0..<funders {
            let id = Int(try r.withString { names.intern($0) })
            if id >= named.count { named.append(contentsOf: repeatElement(false, count: id + 1 - named.count)) }
            guard !named[id] else { throw r.bad("a funder written twice") }
            named[id] = true
            let theirs = Stats(records: try r.int64(), totalFen: try r.int64(), cashFen: try r.int64(), inKindFen: try r.int64())
            guard theirs.records > 0 else { throw r.bad("a funder without records") }
            try add(theirs, to: id)
            funderMap.append(Int32(id))
        }
        let industryCount = try r.count()
        var industryMap: [Int32] = []
        var industryNamed = [Bool](repeating: false, count: industries.count + industryCount)
        for _ in 0..<industryCount {
            let id = try r.withString { industries.intern($0) }
            guard Int(id) < industryNamed.count, !industryNamed[Int(id)] else { throw r.bad("an industry written twice") }
            industryNamed[Int(id)] = true
            industryMap.append(id)
        }
        for _ in 0..<(try r.count()) {
            let funder = try r.varint(), industry = try r.varint(), rows = try r.int64()
            guard funder < UInt64(funders), industry < UInt64(industryCount), rows > 0 else { throw r.bad() }
            // (Which pair of a funder takes its first slot does not change any pair's sum.)
            countIndustry(funder: Int(funderMap[Int(funder)]), industryMap[Int(industry)], rows)
        }
    }
}
