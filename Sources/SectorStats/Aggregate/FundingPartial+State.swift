extension FundingPartial {
    /// The row counts and the three funding accumulators (``StateWriter``).
    func encode(to w: inout StateWriter) {
        w.int(rows)
        w.int(afterAsOf)
        w.int(unmatched)
        summary.encode(to: &w)
        funders.encode(to: &w)
        w.bool(relief != nil)
        relief?.encode(to: &w)
    }

    /// A state `encode` wrote, read back against the run's organization index.
    static func decode(from r: inout StateReader, asOf: CivilDate, index: OrganizationIndex, reliefPurposes: Set<Purpose>)
        throws -> FundingPartial {
        var p = FundingPartial(asOf: asOf, index: index, reliefPurposes: reliefPurposes)
        p.rows = try r.int()
        p.afterAsOf = try r.int()
        p.unmatched = try r.int()
        p.summary = try FundingSummaryAccumulator.decode(from: &r)
        p.funders = try TopFundersAccumulator.decode(from: &r)
        if try r.bool() {
            p.relief = try ReliefCoverageAccumulator.decode(from: &r, index: index, reliefPurposes: reliefPurposes)
        } else {
            p.relief = nil
        }
        return p
    }

    /// Adds a state ``encode(to:)`` wrote, as ``merge(_:)`` of the decoded state would (its
    /// funders' names interned once).
    mutating func mergeEncoded(from r: inout StateReader, index: OrganizationIndex, reliefPurposes: Set<Purpose>) throws {
        rows += try r.int()
        afterAsOf += try r.int()
        unmatched += try r.int()
        try summary.merge(try FundingSummaryAccumulator.decode(from: &r))
        try funders.mergeEncoded(from: &r)
        if try r.bool() {
            let theirs = try ReliefCoverageAccumulator.decode(from: &r, index: index, reliefPurposes: reliefPurposes)
            try relief?.merge(theirs)
        }
    }
}
