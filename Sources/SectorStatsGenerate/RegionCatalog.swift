import Foundation
import SectorStats

/// The generator's view of the GB/T 2260 reference (`datasets/reference/`): the current
/// divisions of each province by level, the retired county codes with the years they were
/// in use, and the names needed for authorities, addresses and organization names.
///
/// The generator draws real codes from here; the pipeline's ``RegionTable`` is used to
/// check that every region value it writes resolves as intended.
struct RegionCatalog: Sendable {
    struct Division: Sendable {
        let code: Int
        let name: String
        let level: Region.Level
        let parentCode: Int?
    }

    struct RetiredDivision: Sendable {
        let code: Int
        let name: String
        let firstYear: Int
        let lastYear: Int
    }

    struct Province: Sendable {
        let division: Division
        let weight: Int
        let prefectures: [Division]
        let counties: [Division]
        let retiredCounties: [RetiredDivision]
        /// The name without 省 or 市 (广东, 北京), as company names use it.
        let shortName: String
    }

    let provinces: [Province]
    let provinceCumulativeWeights: [Int]
    let byCode: [Int: Division]
    let retiredByCode: [Int: RetiredDivision]
    let table: RegionTable
    /// ``path(of:)`` for every code, worked out once: rows ask for it all the time.
    private var paths: [Int: [String]] = [:]
    private var joinedPaths: [Int: String] = [:]

    /// Relative numbers of social organizations by province (roughly the 2020 shares), for
    /// provinces 11–65; Taiwan, Hong Kong and Macao register no organizations here.
    static let provinceWeights: [Int: Int] = [
        11: 13, 12: 6, 13: 30, 14: 18, 15: 15, 21: 27, 22: 13, 23: 14, 31: 17, 32: 89, 33: 70,
        34: 33, 35: 30, 36: 24, 37: 60, 41: 40, 42: 30, 43: 40, 44: 72, 45: 25, 46: 6, 50: 18,
        51: 45, 52: 16, 53: 25, 54: 1, 61: 28, 62: 15, 63: 4, 64: 5, 65: 9,
    ]

    init(folder: URL) throws {
        table = try RegionTable(folder: folder)
        let embedded = ReferenceTables.isEmbedded(folder.path) ? try ReferenceTables.bytes() : nil
        func lines(_ name: String) throws -> [[String]] {
            let text: String
            if let embedded {
                text = String(decoding: name == RegionTable.regionsFileName ? embedded.regions : embedded.history, as: UTF8.self)
            } else {
                text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            }
            return text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
        }
        var byCode: [Int: Division] = [:]
        for f in try lines(RegionTable.regionsFileName) where f.count >= 5 {
            guard let code = Int(f[0]), let level = Region.Level(rawValue: f[2]) else { continue }
            byCode[code] = Division(code: code, name: f[1], level: level, parentCode: Int(f[3]))
        }
        var retiredByCode: [Int: RetiredDivision] = [:]
        for f in try lines(RegionTable.historyFileName) where f.count >= 7 {
            guard let code = Int(f[0]), byCode[code] == nil, f[2] == "county",
                  let first = Int(f[4]), let last = Int(f[5]) else { continue }
            if let known = retiredByCode[code], known.lastYear >= last { continue }
            retiredByCode[code] = RetiredDivision(code: code, name: f[1], firstYear: first, lastYear: last)
        }
        var provinces: [Province] = []
        for (prefix, weight) in Self.provinceWeights.sorted(by: { $0.key < $1.key }) {
            guard let division = byCode[prefix * 10_000] else { continue }
            let inside = byCode.values.filter { $0.code / 10_000 == prefix }.sorted { $0.code < $1.code }
            let retired = retiredByCode.values.filter { $0.code / 10_000 == prefix }.sorted { $0.code < $1.code }
            let counties = inside.filter { $0.level == .county }
            guard !counties.isEmpty else { continue }
            provinces.append(Province(
                division: division, weight: weight, prefectures: inside.filter { $0.level == .prefecture },
                counties: counties, retiredCounties: retired,
                shortName: division.name.hasSuffix("省") || division.name.hasSuffix("市")
                    ? String(division.name.dropLast()) : division.name))
        }
        guard !provinces.isEmpty else {
            throw SectorStatsError(.corruptData, file: folder.path, "the region reference holds no provinces with counties")
        }
        var cumulative: [Int] = []
        var sum = 0
        for p in provinces {
            sum += p.weight
            cumulative.append(sum)
        }
        self.provinces = provinces
        self.provinceCumulativeWeights = cumulative
        self.byCode = byCode
        self.retiredByCode = retiredByCode
        var paths: [Int: [String]] = [:]
        for code in Array(byCode.keys) + Array(retiredByCode.keys) { paths[code] = computePath(of: code) }
        self.paths = paths
        joinedPaths = paths.mapValues { $0.joined() }
    }

    /// ``path(of:)`` joined into one name (湖北省武汉市江汉区).
    func joinedPath(of code: Int) -> String {
        joinedPaths[code] ?? ""
    }

    /// The province to register an organization in, by weight.
    func pickProvince(_ rng: inout SplitMix64) -> Province {
        let r = rng.below(provinceCumulativeWeights.last!)
        var lo = 0
        var hi = provinceCumulativeWeights.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if provinceCumulativeWeights[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return provinces[lo]
    }

    /// The name of any code the generator uses (current, retired or national).
    func name(of code: Int) -> String {
        if code == RegionTable.nationalCode { return RegionTable.nationalName }
        return byCode[code]?.name ?? retiredByCode[code]?.name ?? ""
    }

    /// Province, prefecture and county names above and including `code`, top down
    /// (a retired county: its province and its own name; national: none).
    func path(of code: Int) -> [String] {
        paths[code] ?? []
    }

    private func computePath(of code: Int) -> [String] {
        if code == RegionTable.nationalCode { return [] }
        let province = byCode[code / 10_000 * 10_000]?.name
        if let retired = retiredByCode[code] { return [province, retired.name].compactMap { $0 } }
        var names: [String] = []
        var current = code
        while let d = byCode[current] {
            names.append(d.name)
            guard let parent = d.parentCode, parent != current else { break }
            current = parent
        }
        return names.reversed()
    }
}
