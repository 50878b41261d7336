/// What one worker accumulates from its share of the organization index: the two
/// registry-only tables.
struct RegistryPartial: Sendable {
    var registrations: RegistrationsAccumulator
    var growth: GrowthTrendsAccumulator

    init(provinceCount: Int, asOfYear: Int) {
        registrations = RegistrationsAccumulator(provinceCount: provinceCount, asOfYear: asOfYear)
        growth = GrowthTrendsAccumulator(provinceCount: provinceCount, asOfYear: asOfYear)
    }

    mutating func add(_ org: OrganizationIndex.Entry) {
        registrations.add(org)
        growth.add(org)
    }

    mutating func merge(_ other: RegistryPartial) {
        registrations.merge(other.registrations)
        growth.merge(other.growth)
    }
}

/// What one worker accumulates from its chunk of the funding rows: the three funding
/// tables (relief only when there is an organization index) and the row counts.
struct FundingPartial: Sendable {
    let asOf: CivilDate
    var summary = FundingSummaryAccumulator()
    var funders = TopFundersAccumulator()
    var relief: ReliefCoverageAccumulator?
    /// Rows read.
    var rows = 0
    /// Rows dated after the as-of date: left out of every table.
    var afterAsOf = 0
    /// Rows (up to the as-of date) whose recipient matches no organization.
    var unmatched = 0

    init(asOf: CivilDate, index: OrganizationIndex?, reliefPurposes: Set<Purpose>) {
        self.asOf = asOf
        relief = index.map { ReliefCoverageAccumulator(index: $0, reliefPurposes: reliefPurposes) }
    }

    mutating func add(_ f: FundingFacts) throws(SectorStatsError) {
        guard admit(f) else { return }
        try summary.add(f)
        try funders.add(f)
        try relief?.add(f)
    }

    /// As ``add(_:)`` for a row whose funder and industry are ids in the interners the
    /// partial's top funders adopt (``TopFundersAccumulator/add(_:funder:industry:)``).
    @inline(__always)
    mutating func add(_ f: FundingFacts, funder: Int32, industry: Int32) throws(SectorStatsError) {
        guard admit(f) else { return }
        try summary.add(f)
        try funders.add(f, funder: funder, industry: industry)
        try relief?.add(f)
    }

    /// Counts the row; whether it goes into the tables (not after the as-of date).
    @inline(__always)
    private mutating func admit(_ f: FundingFacts) -> Bool {
        rows += 1
        guard f.receivedOn <= asOf else {
            afterAsOf += 1
            return false
        }
        if f.recipient == nil { unmatched += 1 }
        return true
    }

    mutating func merge(_ other: FundingPartial) throws(SectorStatsError) {
        rows += other.rows
        afterAsOf += other.afterAsOf
        unmatched += other.unmatched
        try summary.merge(other.summary)
        try funders.merge(other.funders)
        if let theirs = other.relief { try relief?.merge(theirs) }
    }
}
