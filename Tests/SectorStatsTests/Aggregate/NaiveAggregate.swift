import Foundation
@testable import SectorStats

/// A deliberately naive second implementation of the five tables, the oracle of the
/// cross-check: one pass over plain arrays, no accumulators, no merging, no interning, no
/// bit sets — `Organization.isActive(atEndOf:)` asked afresh for every year, sums in
/// dictionaries keyed by strings, percentages rounded with `Decimal`, CAGR with `pow` alone.
enum NaiveAggregate {
    static func tables(organizations input: [Organization], funding allFunding: [FundingRecord], regions: RegionTable,
                       asOf: CivilDate, relief: Set<Purpose>) -> [AggregateTable.Kind: [[String]]] {
        // Last one of a USCC wins; as of the as-of date, later deregistrations have not happened.
        var byCode: [USCC: Organization] = [:]
        for o in input { byCode[o.uscc] = o }
        let known = byCode.values.map { o -> Organization in
            var o = o
            if let d = o.deregisteredOn, d > asOf { o.deregisteredOn = nil }
            return o
        }
        let counted = known.filter { $0.registeredOn <= asOf }
        let funding = allFunding.filter { $0.receivedOn <= asOf }
        let lastYear = asOf.year
        let provinces = Array(Set(known.map(\.provinceCode))).sorted()
        func name(_ province: Int) -> String { regions.provinceName(of: province) ?? "" }
        func code(_ c: Int) -> String { String(format: "%06d", c) }
        var result: [AggregateTable.Kind: [[String]]] = [:]

        // registrations_by_year
        var registrations: [[String]] = []
        if let first = counted.map(\.registeredOn.year).min() {
            for year in first...lastYear {
                for p in provinces {
                    for type in OrgType.allCases.map(\.rawValue).sorted() {
                        let group = counted.filter { $0.provinceCode == p && $0.type.rawValue == type }
                        let new = group.filter { $0.registeredOn.year == year }.count
                        let gone = group.filter { $0.deregisteredOn?.year == year }.count
                        let active = group.filter { $0.isActive(atEndOf: year) }.count
                        let before = group.filter { $0.isActive(atEndOf: year - 1) }.count
                        if new == 0 && gone == 0 && active == 0 { continue }
                        registrations.append([String(year), code(p), name(p), type, String(new), String(gone), String(active),
                                              percent(active - before, before)])
                    }
                }
            }
        }
        result[.registrationsByYear] = registrations

        // growth_trends
        var growth: [[String]] = []
        let firstYear = counted.map(\.registeredOn.year).min() ?? lastYear + 1
        var scopes: [(String, String, [Organization])] = [("000000", "全国", counted)]
        for p in provinces { scopes.append((code(p), name(p), counted.filter { $0.provinceCode == p })) }
        for (scopeCode, scopeName, group) in scopes {
            func active(_ year: Int) -> Int { group.filter { $0.isActive(atEndOf: year) }.count }
            guard firstYear <= lastYear, let start = (firstYear...lastYear).first(where: { active($0) > 0 }) else { continue }
            for year in start...lastYear {
                let now = active(year)
                let before = active(year - 1)
                func cagr(_ n: Int) -> String {
                    guard year - n >= start, active(year - n) > 0 else { return "" }
                    let x = (pow(Double(now) / Double(active(year - n)), 1 / Double(n)) - 1) * 100
                    return hundredths(Int64((x * 100).rounded(.toNearestOrAwayFromZero)))
                }
                growth.append([scopeCode, scopeName, String(year), String(now), String(now - before),
                               percent(now - before, before), cagr(3), cagr(5)])
            }
        }
        result[.growthTrends] = growth

        // funding_summary
        struct Sums { var records = 0, total = 0, cash = 0, inKind = 0, unsplit = 0 }
        var summary: [String: Sums] = [:]
        for f in funding {
            let key = "\(f.receivedOn.year)\t\(f.purpose.rawValue)\t\(f.sourceType.rawValue)"
            var s = summary[key] ?? Sums()
            s.records += 1
            s.total += Int(f.amountFen)
            if let cash = f.cashFen, let inKind = f.inKindFen {
                s.cash += Int(cash)
                s.inKind += Int(inKind)
            } else {
                s.unsplit += Int(f.amountFen)
            }
            summary[key] = s
        }
        result[.fundingSummary] = summary.keys.sorted { a, b in
            let (x, y) = (a.split(separator: "\t"), b.split(separator: "\t"))
            if x[0] != y[0] { return Int(x[0])! < Int(y[0])! }
            if x[1] != y[1] { return Array(x[1].utf8).lexicographicallyPrecedes(Array(y[1].utf8)) }
            return Array(x[2].utf8).lexicographicallyPrecedes(Array(y[2].utf8))
        }.map { key in
            let s = summary[key]!
            return key.split(separator: "\t").map(String.init) + [String(s.records), yuan(s.total), yuan(s.cash), yuan(s.inKind),
                                                                  yuan(s.unsplit), percent(s.inKind, s.cash + s.inKind)]
        }

        // relief_coverage
        var coverage: [[String]] = []
        let reliefRows = funding.filter { relief.contains($0.purpose) }
        let byRecipient = Dictionary(uniqueKeysWithValues: known.map { ($0.uscc.description, $0) })
        if let first = reliefRows.map(\.receivedOn.year).min(), let last = reliefRows.map(\.receivedOn.year).max() {
            for year in first...last {
                var counted: [(FundingRecord, Organization)] = []
                for f in reliefRows where f.receivedOn.year == year {
                    if let o = byRecipient[f.recipientUSCC], o.registeredOn <= asOf, o.isActive(atEndOf: year) {
                        counted.append((f, o))
                    }
                }
                func row(_ c: String, _ n: String, _ active: Int, _ rows: [(FundingRecord, Organization)], _ counties: Int) {
                    let orgs = Set(rows.map(\.1.uscc))
                    let covered = Set(rows.compactMap(\.1.countyCode))
                    coverage.append([String(year), c, n, String(active), String(orgs.count), percent(orgs.count, active),
                                     yuan(rows.reduce(0) { $0 + Int($1.0.amountFen) }),
                                     String(rows.reduce(0) { $0 + Int($1.0.beneficiaries) }), String(counties),
                                     String(covered.count), percent(covered.count, counties)])
                }
                let activeNation = known.filter { $0.registeredOn <= asOf && $0.isActive(atEndOf: year) }
                row("000000", "全国", activeNation.count, counted, regions.countyCount)
                for p in provinces {
                    let active = activeNation.filter { $0.provinceCode == p }.count
                    if active == 0 { continue }
                    row(code(p), name(p), active, counted.filter { $0.1.provinceCode == p },
                        p == 100_000 ? 0 : regions.countyCount(inProvince: p))
                }
            }
        }
        result[.reliefCoverage] = coverage

        // top_funders
        struct Funder { var records = 0, total = 0, cash = 0, inKind = 0; var industries: [String: Int] = [:] }
        var funders: [String: Funder] = [:]
        var grand = 0
        for f in funding {
            grand += Int(f.amountFen)
            if f.funder.isEmpty { continue }
            var x = funders[f.funder] ?? Funder()
            x.records += 1
            x.total += Int(f.amountFen)
            if let cash = f.cashFen, let inKind = f.inKindFen {
                x.cash += Int(cash)
                x.inKind += Int(inKind)
            }
            if !f.funderIndustry.isEmpty { x.industries[f.funderIndustry, default: 0] += 1 }
            funders[f.funder] = x
        }
        let ranked = funders.keys.sorted { a, b in
            funders[a]!.total != funders[b]!.total
                ? funders[a]!.total > funders[b]!.total : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        }.prefix(100)
        var cumulative = 0
        result[.topFunders] = ranked.enumerated().map { i, name in
            let x = funders[name]!
            cumulative += x.total
            let industry = x.industries.sorted { a, b in
                a.value != b.value ? a.value > b.value : Array(a.key.utf8).lexicographicallyPrecedes(Array(b.key.utf8))
            }.first?.key ?? ""
            return [String(i + 1), name, industry, String(x.records), yuan(x.total), yuan(x.cash), yuan(x.inKind),
                    percent(x.total, grand), percent(cumulative, grand)]
        }
        return result
    }

    /// Rounded half away from zero with Foundation's `Decimal` (38 digits), on the magnitude.
    static func percent(_ numerator: Int, _ denominator: Int) -> String {
        guard denominator != 0 else { return "" }
        var value = Decimal(abs(numerator)) * 10_000 / Decimal(abs(denominator))
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        let magnitude = NSDecimalNumber(decimal: rounded).int64Value
        return hundredths((numerator < 0) != (denominator < 0) ? -magnitude : magnitude)
    }

    static func yuan(_ fen: Int) -> String { hundredths(Int64(fen)) }

    static func hundredths(_ value: Int64) -> String {
        let m = abs(value)
        let cents = m % 100
        return (value < 0 ? "-" : "") + "\(m / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
    }
}
