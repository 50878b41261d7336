/// growth_trends.csv.gz: organizations active at each year's end, for the nation and per
/// province, with net change, year-on-year and 3- and 5-year compound growth (DATA.md §4).
///
/// Like ``RegistrationsAccumulator`` it keeps only active changes per (year, province) —
/// +1 in the registration year, −1 in the year an organization stops being active — so
/// `merge` adds counters. The national series is the sum over provinces (national-level
/// organizations, province `100000`, included).
struct GrowthTrendsAccumulator: Sendable {
    let asOfYear: Int
    let provinceCount: Int
    private(set) var changes: YearTable<Int>

    init(provinceCount: Int, asOfYear: Int) {
        self.asOfYear = asOfYear
        self.provinceCount = provinceCount
        changes = YearTable(stride: max(1, provinceCount), zero: 0)
    }

    mutating func add(_ org: OrganizationIndex.Entry) {
        let registered = org.registeredOn.year
        guard !org.isAfterAsOf, registered <= asOfYear else { return }
        let slot = Int(org.provinceSlot)
        changes.cells[changes.base(of: registered) + slot] += 1
        if let deregistered = org.deregisteredOn?.year {
            let leaves = max(registered, deregistered)
            if leaves <= asOfYear { changes.cells[changes.base(of: leaves) + slot] -= 1 }
        }
    }

    mutating func merge(_ other: GrowthTrendsAccumulator) {
        precondition(other.provinceCount == provinceCount && other.asOfYear == asOfYear, "accumulators of different runs")
        changes.merge(other.changes) { (mine: inout Int, theirs: Int) in mine += theirs }
    }

    /// The running sums: active at each year's end, per province and nationally.
    func activeCounts() -> ActiveCounts {
        guard let years = changes.years, years.lowerBound <= asOfYear else {
            return ActiveCounts(firstYear: asOfYear + 1, asOfYear: asOfYear, national: [],
                                byProvince: Array(repeating: [], count: provinceCount))
        }
        var byProvince = [[Int]](repeating: [], count: provinceCount)
        var national: [Int] = []
        var running = [Int](repeating: 0, count: provinceCount)
        for year in years.lowerBound...asOfYear {
            var total = 0
            for slot in 0..<provinceCount {
                running[slot] += changes[year, slot]
                byProvince[slot].append(running[slot])
                total += running[slot]
            }
            national.append(total)
        }
        return ActiveCounts(firstYear: years.lowerBound, asOfYear: asOfYear, national: national, byProvince: byProvince)
    }

    /// The rows: the national series (scope_code 000000), then each province's, ascending;
    /// each from its first year with active_end > 0 to the as-of year.
    ///
    /// Decided: the first row's net_change is its active_end (the year before had none
    /// active, which is a fact, not a gap), and its yoy_pct is empty (denominator 0).
    /// cagr_Ny_pct is empty when year − N is before the series' first year or had 0 active.
    static func rows(_ counts: ActiveCounts, provinces: [ProvinceLabel]) -> [[String]] {
        var rows: [[String]] = []
        func series(_ label: ProvinceLabel, _ value: (Int) -> Int) {
            guard let start = (counts.firstYear...max(counts.firstYear, counts.asOfYear)).first(where: { value($0) > 0 }),
                  start <= counts.asOfYear
            else { return }
            func cagr(_ year: Int, _ n: Int) -> String {
                let earlier = year - n
                guard earlier >= start else { return "" }
                return CompoundGrowth.rateHundredths(current: value(year), earlier: value(earlier), years: n)
                    .map { FixedPoint.text(hundredths: Int128($0)) } ?? ""
            }
            for year in start...counts.asOfYear {
                let active = value(year)
                let previous = value(year - 1)
                rows.append([
                    label.codeText, label.name, String(year), String(active), String(active - previous),
                    FixedPoint.percentText(Int64(active - previous), of: Int64(previous)), cagr(year, 3), cagr(year, 5),
                ])
            }
        }
        series(.nation) { counts.national($0) }
        for (slot, label) in provinces.enumerated() { series(label) { counts.province(slot, $0) } }
        return rows
    }
}

/// Organizations active at each year's end (DATA.md §4), per province slot and nationally,
/// from the first year with any registration through the as-of year; 0 before.
struct ActiveCounts: Sendable {
    let firstYear: Int
    let asOfYear: Int
    let national: [Int]
    let byProvince: [[Int]]

    func national(_ year: Int) -> Int {
        let i = year - firstYear
        return i >= 0 && i < national.count ? national[i] : 0
    }

    func province(_ slot: Int, _ year: Int) -> Int {
        let i = year - firstYear
        return i >= 0 && i < byProvince[slot].count ? byProvince[slot][i] : 0
    }
}
