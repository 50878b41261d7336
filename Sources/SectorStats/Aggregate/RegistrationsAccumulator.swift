/// registrations_by_year.csv.gz: per (year, province, org_type) the organizations
/// registered and deregistered in the year and those active at its end (DATA.md §4).
///
/// `add` records an organization's events in fixed cells (year × province slot × type):
/// +1 new and +1 active change in its registration year, +1 deregistered in its
/// deregistration year and −1 active change when it stops being active. active_end is the
/// running sum of the active changes, so the accumulator is a set of counters — `merge`
/// adds them, and any split of the organizations over workers gives the same table.
struct RegistrationsAccumulator: Sendable {
    struct Cell: Sendable {
        var new = 0
        var deregistered = 0
        var activeChange = 0
    }

    let asOfYear: Int
    let provinceCount: Int
    private(set) var table: YearTable<Cell>
    /// The first registration year up to the as-of year (the table's first year, DATA.md §4).
    private(set) var firstRegistrationYear: Int?

    init(provinceCount: Int, asOfYear: Int) {
        self.asOfYear = asOfYear
        self.provinceCount = provinceCount
        table = YearTable(stride: max(1, provinceCount) * OrgType.allCases.count, zero: Cell())
    }

    @inline(__always)
    private func cell(_ slot: Int, _ type: OrgType) -> Int { slot * OrgType.allCases.count + type.ordinal }

    /// Organizations registered after the as-of date count nowhere; events after the
    /// as-of year touch no output year.
    mutating func add(_ org: OrganizationIndex.Entry) {
        let registered = org.registeredOn.year
        guard !org.isAfterAsOf, registered <= asOfYear else { return }
        let i = cell(Int(org.provinceSlot), org.type)
        var base = table.base(of: registered)
        table.cells[base + i].new += 1
        table.cells[base + i].activeChange += 1
        firstRegistrationYear = min(firstRegistrationYear ?? registered, registered)
        guard let deregistered = org.deregisteredOn?.year else { return }
        if deregistered <= asOfYear {
            base = table.base(of: deregistered)
            table.cells[base + i].deregistered += 1
        }
        // Never active when deregistered before registering: the change cancels in the same year.
        let leaves = max(registered, deregistered)
        if leaves <= asOfYear {
            base = table.base(of: leaves)
            table.cells[base + i].activeChange -= 1
        }
    }

    mutating func merge(_ other: RegistrationsAccumulator) {
        precondition(other.provinceCount == provinceCount && other.asOfYear == asOfYear, "accumulators of different runs")
        table.merge(other.table) { (mine: inout Cell, theirs: Cell) in
            mine.new += theirs.new
            mine.deregistered += theirs.deregistered
            mine.activeChange += theirs.activeChange
        }
        if let year = other.firstRegistrationYear { firstRegistrationYear = min(firstRegistrationYear ?? year, year) }
    }

    /// The rows, sorted by year, province_code, org_type; only keys with a non-zero new,
    /// deregistered or active_end. active_yoy_pct compares with the same key's previous year
    /// (empty when that was 0, as in the first year).
    func rows(provinces: [ProvinceLabel]) -> [[String]] {
        precondition(provinces.count == provinceCount, "one label per province slot")
        guard let first = firstRegistrationYear else { return [] }
        var active = [Int](repeating: 0, count: table.stride)
        // No active change precedes `first`: an organization stops being active at the
        // earliest in its registration year.
        var rows: [[String]] = []
        for year in first...asOfYear {
            for (slot, province) in provinces.enumerated() {
                for type in OrgType.outputOrder {
                    let i = cell(slot, type)
                    let c = table[year, i]
                    let previous = active[i]
                    active[i] += c.activeChange
                    guard c.new != 0 || c.deregistered != 0 || active[i] != 0 else { continue }
                    rows.append([
                        String(year), province.codeText, province.name, type.rawValue, String(c.new),
                        String(c.deregistered), String(active[i]),
                        FixedPoint.percentText(Int64(active[i] - previous), of: Int64(previous)),
                    ])
                }
            }
        }
        return rows
    }
}
