import SectorStats
/// What the generator decided about one organization, kept compact (the plan holds one per
/// organization; everything else about it is drawn again from its own seeded stream).
struct PlannedOrganization: Sendable {
    /// USCC characters 3–8: a current or retired code, `100000`, or (a `region_unknown`
    /// defect) a code in no reference.
    var regionCode: Int32
    var registeredDay: Int32
    /// The deregistration or revocation day, or `Int32.min`.
    var deregisteredDay: Int32
    /// The type column: 0 association, 1 social service, 2 foundation, 3 empty (category 9).
    var typeColumn: UInt8
    /// USCC character 2 (ASCII).
    var category: UInt8
    /// 0 none, 1 deregistered, 2 revoked.
    var deregistration: UInt8
    /// The planted defect: an index into `QuarantineReason.allCases`, or `noDefect`.
    var defect: UInt8
    /// The file the organization is written to.
    var file: UInt16
    /// Whether the type column disagrees with the USCC category (warning only).
    var typeMismatch: Bool
    /// The organization index after which the final copy is re-sent, or -1.
    var resendAfter: Int32

    static let noDefect: UInt8 = 0xFF
    static let noDay = Int32.min

    var isDefective: Bool { defect != Self.noDefect }
    var defectReason: QuarantineReason? { isDefective ? QuarantineReason.allCases[Int(defect)] : nil }
    var isDeregistered: Bool { deregisteredDay != Self.noDay }

    var orgType: OrgType {
        switch typeColumn {
        case 0: .association
        case 1: .socialService
        case 2: .foundation
        default: .other
        }
    }

    /// The category's type (nil for 9).
    var categoryType: OrgType? {
        switch category {
        case UInt8(ascii: "1"): .association
        case UInt8(ascii: "2"): .socialService
        case UInt8(ascii: "3"): .foundation
        default: nil
        }
    }
}

/// The registration side of a synthetic export: every organization's facts, decided once
/// from the seed, in organization order. Funding draws its recipients from here.
struct OrganizationPlan: Sendable {
    let organizations: [PlannedOrganization]
    /// Indices of organizations whose category is foundation (favoured as recipients).
    let foundations: [Int32]
    let seed: UInt64
    /// The first organization index of each file, and the total at the end.
    let fileStarts: [Int]
    /// Every organization's name, drawn once: funding rows name their recipients over and over.
    let names: [String]
    /// Every organization's USCC, 18 bytes each, for the same reason.
    let codes: [UInt8]

    static let factsSalt: UInt64 = 0x0F0A
    static let nameSalt: UInt64 = 0x0A3E
    static let resendSalt: UInt64 = 0x0D0B

    /// Active stock targets (万 organizations at year end): DATA.md's national figures
    /// (32万 2012, 53万 2015, 61万 2016, 84万 2019, 89万 2020) with a plausible run-up.
    static let activeAnchors: [(year: Int, wan: Double)] = [
        (1988, 0.45), (1992, 5), (1996, 8), (1999, 10), (2005, 18), (2010, 27), (2012, 32), (2013, 39),
        (2014, 46), (2015, 53), (2016, 61), (2017, 70), (2018, 78), (2019, 84), (2020, 89), (2021, 90.5),
    ]

    /// The yearly chance that an active organization is deregistered or revoked: higher in
    /// the 1998–1999 re-registration and the 2018–2020 campaigns against dormant ones.
    static func hazard(_ year: Int) -> Double {
        switch year {
        case 1998, 1999: 0.05
        case 2018...2020: 0.035
        default: 0.015
        }
    }

    static func activeTarget(_ year: Int) -> Double {
        let anchors = activeAnchors
        if year <= anchors[0].year { return anchors[0].wan }
        for k in 1..<anchors.count where year <= anchors[k].year {
            let (y0, a0) = anchors[k - 1]
            let (y1, a1) = anchors[k]
            return a0 + (a1 - a0) * Double(year - y0) / Double(y1 - y0)
        }
        return anchors.last!.wan * pow1p(0.01, year - anchors.last!.year)
    }

    private static func pow1p(_ rate: Double, _ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<max(0, n) { v *= 1 + rate }
        return v
    }

    /// New registrations per year 1988…`lastYear` implied by the targets and the hazard, cumulated.
    static func registrationYearWeights(lastYear: Int) -> [Double] {
        var cumulative: [Double] = []
        var sum = 0.0
        for year in 1988...max(1988, lastYear) {
            let previous = year == 1988 ? 0 : activeTarget(year - 1)
            let new = max(0.05, activeTarget(year) - previous + hazard(year) * previous)
            sum += new
            cumulative.append(sum)
        }
        return cumulative
    }

    init(options: GeneratorOptions, catalog: RegionCatalog, registrationReasons: [[QuarantineReason]]) {
        let n = options.organizations
        let seed = options.seed
        let asOf = options.asOf
        let asOfDay = asOf.dayNumber
        let fileCount = options.registrationShapes.count
        self.seed = seed
        fileStarts = (0...fileCount).map { $0 * n / fileCount }
        let yearWeights = Self.registrationYearWeights(lastYear: asOf.year)
        let schedules = (0..<fileCount).map { f in
            DefectSchedule(
                rate: options.badRate, reasons: registrationReasons[f], seed: seed, salt: 0xDEF0 &+ UInt64(f),
                firstEncodingPosition: Self.firstEncodingPosition(options.registrationShapes[f], minimumRowBytes: 60))
        }
        let allReasons = QuarantineReason.allCases
        var orgs: [PlannedOrganization] = []
        orgs.reserveCapacity(n)
        var foundations: [Int32] = []
        var file = 0
        for j in 0..<n {
            while j >= fileStarts[file + 1] { file += 1 }
            var rng = SplitMix64.stream(seed: seed, salt: Self.factsSalt, index: j)
            // Registration year by the growth curve, day uniform (never after the as-of date).
            let r = rng.unit() * yearWeights.last!
            var yearIndex = 0
            while yearIndex < yearWeights.count - 1 && yearWeights[yearIndex] <= r { yearIndex += 1 }
            let year = 1988 + yearIndex
            let firstDay = CivilDate(year: year, month: 1, day: 1)!.dayNumber
            let lastDay = min(CivilDate(year: year, month: 12, day: 31)!.dayNumber, asOfDay)
            let registered = firstDay + rng.below(max(1, lastDay - firstDay + 1))

            // Category: about 42% associations, 57% social service, 1% foundations; a few 9.
            let categoryDraw = rng.unit()
            var typeColumn: UInt8
            var category: UInt8
            if categoryDraw < 0.004 {
                typeColumn = 3
                category = UInt8(ascii: "9")
            } else if categoryDraw < 0.42 {
                typeColumn = 0
                category = UInt8(ascii: "1")
            } else if categoryDraw < 0.99 {
                typeColumn = 1
                category = UInt8(ascii: "2")
            } else {
                typeColumn = 2
                category = UInt8(ascii: "3")
            }
            var mismatch = false
            if typeColumn < 3 && rng.chance(0.003) {
                typeColumn = (typeColumn + 1 + UInt8(rng.below(2))) % 3
                mismatch = true
            }

            // Region: national (民政部), provincial, prefecture or county level; now and then a
            // county code that was retired after the organization was registered.
            let regionCode: Int
            let levelDraw = rng.unit()
            let province = catalog.pickProvince(&rng)
            if levelDraw < 0.0025 {
                regionCode = RegionTable.nationalCode
            } else if levelDraw < 0.09 {
                regionCode = province.division.code
            } else if levelDraw < 0.32, !province.prefectures.isEmpty {
                regionCode = rng.pick(province.prefectures).code
            } else {
                let retired = rng.chance(0.05)
                    ? province.retiredCounties.filter { $0.firstYear <= year && $0.lastYear >= year } : []
                regionCode = retired.isEmpty ? rng.pick(province.counties).code : rng.pick(retired).code
            }

            // Deregistration: a yearly hazard after the year of registration.
            var deregistered = PlannedOrganization.noDay
            var kind: UInt8 = 0
            if year < asOf.year {
                for y in (year + 1)...asOf.year where rng.chance(Self.hazard(y)) {
                    let start = CivilDate(year: y, month: 1, day: 1)!.dayNumber
                    let end = min(CivilDate(year: y, month: 12, day: 31)!.dayNumber, asOfDay)
                    deregistered = Int32(start + rng.below(max(1, end - start + 1)))
                    kind = rng.chance(0.25) ? 2 : 1
                    break
                }
            }

            let local = j - fileStarts[file]
            let reason = schedules[file].reason(at: local)
            var org = PlannedOrganization(
                regionCode: Int32(regionCode), registeredDay: Int32(registered), deregisteredDay: deregistered,
                typeColumn: typeColumn, category: category, deregistration: kind,
                defect: reason.map { UInt8(allReasons.firstIndex(of: $0)!) } ?? PlannedOrganization.noDefect,
                file: UInt16(file), typeMismatch: mismatch && reason == nil, resendAfter: -1)
            if reason == .regionUnknown && (!options.registrationShapes[file].allColumns || rng.chance(0.5)) {
                // Unknown through the USCC itself (the row's region column is left empty).
                org.regionCode = Int32(Self.unknownRegionCodes[rng.below(Self.unknownRegionCodes.count)])
            }
            if reason == nil && !mismatch {
                var resend = SplitMix64.stream(seed: seed, salt: Self.resendSalt, index: j)
                if resend.chance(options.dupRate) {
                    org.resendAfter = Int32(min(n - 1, j + 1 + resend.below(max(1, n / 3))))
                }
            }
            if category == UInt8(ascii: "3") && reason == nil { foundations.append(Int32(j)) }
            orgs.append(org)
        }
        organizations = orgs
        self.foundations = foundations
        var codes: [UInt8] = []
        codes.reserveCapacity(orgs.count * 18)
        for (j, org) in orgs.enumerated() {
            codes += USCCBuilder.make(category: org.category, region: Int(org.regionCode), serial: j,
                                      modern: org.registeredDay >= Self.day2016)
        }
        self.codes = codes
        names = orgs.indices.map { j in
            var rng = SplitMix64.stream(seed: seed, salt: Self.nameSalt, index: j)
            return Self.makeName(region: Int(orgs[j].regionCode), category: orgs[j].category, catalog: catalog, rng: &rng)
        }
    }

    /// Six-digit codes in neither reference table (checked when the catalog is loaded).
    static let unknownRegionCodes = [990_101, 990_200, 980_000, 730_102, 990_000]

    /// The first local position where an `encoding` defect is safe for `shape` (see
    /// ``DefectSchedule/firstEncodingPosition``): 0 when the encoding is not sniffed from
    /// content (GB18030, or a BOM), else past the first MiB for rows of at least the given size.
    static func firstEncodingPosition(_ shape: FileShape, minimumRowBytes: Int) -> Int {
        if shape.encoding == .gb18030 || shape.byteOrderMark { return 0 }
        return (1 << 20) / minimumRowBytes + 1
    }

    /// The USCC of organization `j` as its clean registration row writes it.
    func uscc(_ j: Int) -> [UInt8] {
        Array(codes[(j * 18)..<(j * 18 + 18)])
    }

    static let day2016 = Int32(CivilDate(year: 2016, month: 1, day: 1)!.dayNumber)

    /// Whether organization `j` is active (registered, not yet deregistered) on `day`.
    func isActive(_ j: Int, on day: Int) -> Bool {
        let org = organizations[j]
        return Int(org.registeredDay) <= day && (!org.isDeregistered || Int(org.deregisteredDay) > day)
    }

    /// The organization's name: its region, a theme and a suffix fitting its category.
    func name(_ j: Int, catalog: RegionCatalog) -> String {
        names[j]
    }

    static func makeName(region: Int, category: UInt8, catalog: RegionCatalog, rng: inout SplitMix64) -> String {
        var prefix: String
        let path = catalog.path(of: region)
        if region == RegionTable.nationalCode || path.isEmpty {
            prefix = "中国"
        } else if path.count >= 3 && rng.chance(0.4) {
            prefix = path[path.count - 2] + path[path.count - 1]
        } else {
            prefix = path.last!
        }
        if prefix.hasSuffix("省") && rng.chance(0.3) { prefix.removeLast() }
        let suffixes: [String]
        switch category {
        case UInt8(ascii: "1"): suffixes = Vocabulary.associationSuffixes
        case UInt8(ascii: "2"): suffixes = Vocabulary.serviceSuffixes
        case UInt8(ascii: "3"): suffixes = Vocabulary.foundationSuffixes
        default: suffixes = Vocabulary.otherSuffixes
        }
        let theme = rng.pick(Vocabulary.themes)
        let suffix = rng.pick(suffixes)
        switch rng.below(100) {
        case 0: return prefix + "\u{3000}" + theme + suffix  // an ideographic space, folded by normalization
        case 1: return prefix + theme + suffix + "（筹）"
        default: return prefix + theme + suffix
        }
    }

    static let capitalSalt: UInt64 = 0xCA91

    /// Registered capital in fen, or nil when the export leaves it empty: 3万+ for
    /// associations and social service bodies, 200万+ for foundations (800万+ national),
    /// mostly whole 万. Drawn from the organization's own stream, so every copy agrees.
    func capital(_ j: Int) -> Int64? {
        let org = organizations[j]
        var rng = SplitMix64.stream(seed: seed, salt: Self.capitalSalt, index: j)
        if rng.chance(0.05) { return nil }
        let scale = 1 + rng.unit()
        let wan: Double
        switch org.category {
        case UInt8(ascii: "3"):
            wan = (org.regionCode == Int32(RegionTable.nationalCode) ? 800 : 200) * scale * Double(1 + rng.below(8))
        case UInt8(ascii: "9"):
            wan = 1 + rng.unit() * 9
        default:
            wan = 3 * scale * Double(1 + rng.below(16))
        }
        let fen = Int64(wan * 1_000_000)
        return rng.chance(0.8) ? fen / 1_000_000 * 1_000_000 : fen / 10_000 * 10_000
    }

    /// A person's name.
    static func personName(_ rng: inout SplitMix64) -> String {
        rng.pick(Vocabulary.surnames) + rng.pick(Vocabulary.givenNames)
    }
}
