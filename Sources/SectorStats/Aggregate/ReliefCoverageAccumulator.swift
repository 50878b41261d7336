/// relief_coverage.csv.gz: per year, how many active organizations (nationally and per
/// province) received relief funding, how much, for how many beneficiaries, and how many
/// counties they cover (DATA.md §4).
///
/// A relief row counts when its purpose is in the run's relief list, its recipient_uscc
/// matches an organization, and that organization is active at the end of the row's year.
/// Distinct organizations are a bit per organization id per year (merge = OR), sums are
/// `Int64` per (year, province slot) (merge = checked add): any split of the rows over
/// workers gives the same table. The bits are ids of one organization index, so
/// accumulators merge only with accumulators over the same index.
struct ReliefCoverageAccumulator: Sendable {
    struct Sums: Sendable {
        var fen: Int64 = 0
        var beneficiaries: Int64 = 0
    }

    let index: OrganizationIndex
    /// Bit `purpose.ordinal` set for each relief purpose.
    let reliefMask: UInt32
    /// Years from the first to the last relief row (matched or not, active or not: DATA.md
    /// "years from the first to the last year holding a relief row").
    var years: ClosedRange<Int>?
    var recipients: YearTable<UInt64>
    var sums: YearTable<Sums>
    /// Relief rows whose recipient matches no organization.
    var unmatchedRows = 0
    /// Relief rows whose recipient is not active at the end of the row's year.
    var inactiveRecipientRows = 0

    init(index: OrganizationIndex, reliefPurposes: Set<Purpose>) {
        self.index = index
        reliefMask = reliefPurposes.reduce(0) { $0 | 1 << UInt32($1.ordinal) }
        recipients = YearTable(stride: max(1, (index.count + 63) / 64), zero: 0)
        sums = YearTable(stride: max(1, index.provinceCodes.count), zero: Sums())
    }

    @inline(__always)
    func isRelief(_ purpose: Purpose) -> Bool { reliefMask & 1 << UInt32(purpose.ordinal) != 0 }

    mutating func add(_ f: FundingFacts) throws(SectorStatsError) {
        guard isRelief(f.purpose) else { return }
        let year = f.receivedOn.year
        years = years.map { min($0.lowerBound, year)...max($0.upperBound, year) } ?? year...year
        guard let id = f.recipient.map(Int.init) else {
            unmatchedRows += 1
            return
        }
        let recipient = index.entries[id]
        guard recipient.isActive(atEndOf: year) else {
            inactiveRecipientRows += 1
            return
        }
        recipients.cells[recipients.base(of: year) + id >> 6] |= 1 << UInt64(id & 63)
        let i = sums.base(of: year) + Int(recipient.provinceSlot)
        try FixedPoint.add(&sums.cells[i].fen, f.amountFen, "relief_yuan of \(year)")
        try FixedPoint.add(&sums.cells[i].beneficiaries, f.beneficiaries, "beneficiaries of \(year) (as a count)")
    }

    mutating func merge(_ other: ReliefCoverageAccumulator) throws(SectorStatsError) {
        precondition(other.index.count == index.count && other.reliefMask == reliefMask, "accumulators of different runs")
        if let theirs = other.years {
            years = years.map { min($0.lowerBound, theirs.lowerBound)...max($0.upperBound, theirs.upperBound) } ?? theirs
        }
        recipients.merge(other.recipients) { (mine: inout UInt64, theirs: UInt64) in mine |= theirs }
        try sums.merge(other.sums) { (mine: inout Sums, theirs: Sums) throws(SectorStatsError) in
            try FixedPoint.add(&mine.fen, theirs.fen, "a relief_yuan sum")
            try FixedPoint.add(&mine.beneficiaries, theirs.beneficiaries, "a beneficiaries sum")
        }
        unmatchedRows += other.unmatchedRows
        inactiveRecipientRows += other.inactiveRecipientRows
    }

    /// The rows: per year the national row (province_code 000000), then each province with
    /// active_orgs > 0, ascending. `counties` is the number of county-level codes in the
    /// current reference: all of them for the national row, the province's for a province,
    /// 0 for national-level organizations (100000), which have no county.
    func rows(active: ActiveCounts, provinces: [ProvinceLabel], regions: RegionTable) throws(SectorStatsError) -> [[String]] {
        guard let years else { return [] }
        let provinceCount = index.provinceCodes.count
        var rows: [[String]] = []
        for year in years {
            var reliefOrgs = [Int](repeating: 0, count: provinceCount)
            var counties = [Set<Int32>](repeating: [], count: provinceCount)
            var nationalCounties = Set<Int32>()
            if let base = recipients.existingBase(of: year) {
                for word in 0..<recipients.stride {
                    var bits = recipients.cells[base + word]
                    while bits != 0 {
                        let id = word << 6 + bits.trailingZeroBitCount
                        bits &= bits - 1
                        let organization = index.entries[id]
                        let slot = Int(organization.provinceSlot)
                        reliefOrgs[slot] += 1
                        let county = organization.countyCode
                        if county >= 0 {
                            counties[slot].insert(county)
                            nationalCounties.insert(county)
                        }
                    }
                }
            }
            var nation = Sums()
            for slot in 0..<provinceCount {
                let s = sums[year, slot]
                try FixedPoint.add(&nation.fen, s.fen, "relief_yuan of \(year)")
                try FixedPoint.add(&nation.beneficiaries, s.beneficiaries, "beneficiaries of \(year)")
            }
            func row(_ label: ProvinceLabel, active: Int, relief: Int, sums: Sums, counties: Int, covered: Int) {
                rows.append([
                    String(year), label.codeText, label.name, String(active), String(relief),
                    FixedPoint.percentText(Int64(relief), of: Int64(active)), FixedPoint.yuan(sums.fen),
                    String(sums.beneficiaries), String(counties), String(covered),
                    FixedPoint.percentText(Int64(covered), of: Int64(counties)),
                ])
            }
            row(.nation, active: active.national(year), relief: reliefOrgs.reduce(0, +), sums: nation,
                counties: regions.countyCount, covered: nationalCounties.count)
            for (slot, label) in provinces.enumerated() {
                let activeOrgs = active.province(slot, year)
                guard activeOrgs > 0 else { continue }
                row(label, active: activeOrgs, relief: reliefOrgs[slot], sums: sums[year, slot],
                    counties: regions.countyCount(inProvince: label.code), covered: counties[slot].count)
            }
        }
        return rows
    }
}
