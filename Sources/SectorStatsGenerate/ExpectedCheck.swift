import Foundation
import SectorStats

/// Compares a published run with the generator's ground truth (`expected.json`): per
/// file rows read, accepted, quarantined by reason and duplicates (from manifest.json);
/// the national active stock per year (growth_trends); fen totals and the records count
/// (funding_summary); unmatched recipients. Used by the tests and by `make bench`.
public enum ExpectedCheck {
    /// The differences found; empty when everything agrees.
    public static func compare(published folder: String, expected path: String) throws -> [String] {
        guard let e = FileManager.default.contents(atPath: path), let m = FileManager.default.contents(atPath: folder + "/manifest.json") else {
            throw SectorStatsError(.fileNotReadable, file: path, "expected.json or manifest.json missing")
        }
        let expected = try JSONDecoder().decode(ExpectedTotals.self, from: e)
        let manifest = try JSONDecoder().decode(Manifest.self, from: m)
        var problems: [String] = []
        func check<T: Equatable>(_ what: String, _ got: T, _ want: T) {
            if got != want { problems.append("\(what): got \(got), expected \(want)") }
        }
        let byName = Dictionary(expected.files.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        check("input files", manifest.inputs.count, expected.files.count)
        for input in manifest.inputs {
            let name = CSVReader.baseName(input.path)
            guard let f = byName[name] else { problems.append("\(name): not in expected.json"); continue }
            check("\(name) rows read", input.rowsRead, f.rows)
            check("\(name) accepted", input.accepted, f.accepted)
            check("\(name) duplicates", input.duplicates, f.duplicates)
            check("\(name) quarantined by reason", input.quarantinedByReason, f.quarantined.filter { $0.value > 0 })
        }
        check("unmatched recipients", manifest.unmatchedRecipients, expected.fundingTotals.unmatchedRecords)

        // National active stock per year.
        let (gh, growth) = try table(folder + "/growth_trends.csv.gz")
        if let sc = gh.firstIndex(of: "scope_code"), let y = gh.firstIndex(of: "year"), let a = gh.firstIndex(of: "active_end") {
            var got: [String: Int] = [:]
            for r in growth where r[sc] == "000000" { got[r[y]] = Int(r[a]) }
            let want = expected.organizations.activeEnd.filter { $0.value > 0 || got[$0.key] != nil }
            check("national active_end per year", got.filter { $0.value > 0 }, want.filter { $0.value > 0 })
        }
        // Funding totals.
        let (fh, summary) = try table(folder + "/funding_summary.csv.gz")
        func sum(_ column: String) -> Int64? {
            guard let i = fh.firstIndex(of: column) else { return nil }
            return summary.reduce(Int64(0)) { $0 + (fen($1[i]) ?? 0) }
        }
        check("total fen", sum("total_yuan"), expected.fundingTotals.amountFen)
        check("cash fen", sum("cash_yuan"), expected.fundingTotals.cashFen)
        check("in-kind fen", sum("in_kind_yuan"), expected.fundingTotals.inKindFen)
        check("unsplit fen", sum("unsplit_yuan"), expected.fundingTotals.unsplitFen)
        if let i = fh.firstIndex(of: "records") {
            check("funding records", summary.reduce(0) { $0 + (Int($1[i]) ?? 0) }, expected.fundingTotals.records)
        }
        return problems
    }

    private static func table(_ path: String) throws -> ([String], [[String]]) {
        let reader = try CSVReader(path: path)
        var rows: [[String]] = []
        try reader.forEachRecord { rows.append($0.fields()) }
        return (reader.header, rows)
    }

    /// "123.45" → 12345 (exact).
    static func fen(_ yuan: String) -> Int64? {
        let parts = yuan.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, let whole = Int64(parts[0]), let cents = Int64(parts[1]) else { return nil }
        return whole * 100 + (whole < 0 ? -cents : cents)
    }
}
