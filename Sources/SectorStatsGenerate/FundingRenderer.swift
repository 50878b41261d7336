import SectorStats
/// The columns of one generated funding file, and its header row.
struct FundingLayout: Sendable {
    let fields: [FundingField]
    let headers: [String]
    let shape: FileShape

    init(shape: FileShape, fileIndex: Int) {
        self.shape = shape
        switch (shape.allColumns, shape.headers) {
        case (false, _):
            fields = [.recordID, .receivedOn, .recipientUSCC, .recipientName, .funder, .funderIndustry, .amount, .purpose,
                      .beneficiaries]
        case (true, .chinese):
            fields = [.recordID, .recipientUSCC, .recipientName, .sourceType, .funder, .funderIndustry, .amount, .cash,
                      .inKind, .receivedOn, .purpose, .region, .beneficiaries]
        case (true, .english):
            fields = [.recordID, .receivedOn, .recipientUSCC, .recipientName, .sourceType, .funder, .funderIndustry,
                      .amount, .cash, .inKind, .purpose, .region, .beneficiaries]
        }
        headers = fields.map { RegistrationLayout.spelling($0.spellings, language: shape.headers, variant: fileIndex) }
        hasSplit = fields.contains(.cash) && fields.contains(.inKind)
        hasSourceType = fields.contains(.sourceType)
    }

    /// Cash and in_kind columns both present.
    let hasSplit: Bool
    let hasSourceType: Bool

    func has(_ field: FundingField) -> Bool { fields.contains(field) }

    var applicableReasons: [QuarantineReason] {
        [.csvMalformed, .fieldCount, .encoding, .missingRequired, .sourceUnknown, .amountGarbage, .amountNegative,
         .splitMismatch, .dateImpossible, .dateFuture, .countGarbage].filter { reason in
            switch reason {
            case .sourceUnknown: hasSourceType
            case .splitMismatch: hasSplit
            default: true
            }
        }
    }
}

/// One funding receipt as the generator decided it, before it is spelled out.
struct GeneratedFunding {
    var received: CivilDate
    var source: SourceType
    var purpose: Purpose
    /// A label outside DATA.md's list (→ 其他 with the warning `purpose_unknown`), or nil.
    var unknownPurpose: String?
    /// The recipient organization, or nil for a code no registration holds.
    var recipient: Int?
    var recipientCode: [UInt8]
    var recipientName: String
    var funder: String
    var funderIndustry: String
    var amount: Int64
    /// The parts: `cash + inKind == amount` except for a small rounding difference (≤ 1 元).
    var cash: Int64
    var inKind: Int64
    /// 0 total only; 1 all three; 2 amount + cash; 3 amount + in_kind; 4 cash + in_kind.
    var splitMode: Int
    var beneficiaries: Int64?
    var beneficiariesInWan: Bool
    var region: String
}

/// The sums the pipeline must find over the accepted, non-duplicate funding rows.
struct FundingTally: Sendable {
    var records = 0
    var amount: Int64 = 0
    var cash: Int64 = 0
    var inKind: Int64 = 0
    var unsplit: Int64 = 0
    var splitRecords = 0
    var unsplitRecords = 0
    var reliefRecords = 0
    var reliefAmount: Int64 = 0
    var unmatched = 0
    var beneficiaries: Int64 = 0
    var purposeUnknown = 0
    /// Indexed by year − 2000.
    var yearRecords = [Int](repeating: 0, count: 1000)
    var yearAmount = [Int64](repeating: 0, count: 1000)
    var sourceAmount = [Int64](repeating: 0, count: SourceType.allCases.count)
    var purposeAmount = [Int64](repeating: 0, count: Purpose.allCases.count)

    mutating func merge(_ other: FundingTally) {
        records += other.records
        amount += other.amount
        cash += other.cash
        inKind += other.inKind
        unsplit += other.unsplit
        splitRecords += other.splitRecords
        unsplitRecords += other.unsplitRecords
        reliefRecords += other.reliefRecords
        reliefAmount += other.reliefAmount
        unmatched += other.unmatched
        beneficiaries += other.beneficiaries
        purposeUnknown += other.purposeUnknown
        for i in yearRecords.indices where other.yearRecords[i] != 0 {
            yearRecords[i] += other.yearRecords[i]
            yearAmount[i] += other.yearAmount[i]
        }
        for i in sourceAmount.indices { sourceAmount[i] += other.sourceAmount[i] }
        for i in purposeAmount.indices { purposeAmount[i] += other.purposeAmount[i] }
    }
}

/// Writes funding rows: receipts drawn from the organization plan, spelled in every way
/// DATA.md allows, and defective rows that fail exactly the planted check.
struct FundingRenderer {
    let plan: OrganizationPlan
    let catalog: RegionCatalog
    let asOf: CivilDate
    let seed: UInt64
    let totalRows: Int
    let dupRate: Double
    let purposeTables: [(weights: [(Purpose, Int)], total: Int)]

    init(plan: OrganizationPlan, catalog: RegionCatalog, asOf: CivilDate, seed: UInt64, totalRows: Int, dupRate: Double) {
        self.plan = plan
        self.catalog = catalog
        self.asOf = asOf
        self.seed = seed
        self.totalRows = totalRows
        self.dupRate = dupRate
        purposeTables = (2010...2030).map { Self.purposeTable(year: $0) }
        companies = (0..<min(100_000, max(50, totalRows / 40))).map { k in
            var rng = SplitMix64.stream(seed: seed, salt: Self.companySalt, index: k)
            let short = catalog.provinces[rng.below(catalog.provinces.count)].shortName
            let name = short + rng.pick(Vocabulary.companyWords) + rng.pick(Vocabulary.companyWords)
                + rng.pick(Vocabulary.companyKinds) + rng.pick(Vocabulary.companyForms)
            return (name, rng.below(Vocabulary.industries.count))
        }
    }

    static let factsSalt: UInt64 = 0xF0F0
    static let renderSalt: UInt64 = 0xF1E1
    static let dupSalt: UInt64 = 0xD0D0
    static let companySalt: UInt64 = 0xC0C0
    static let recordPrefixes = ["JZ", "JZ", "ZZ", "FR"]


    /// Membership in the default relief purposes without hashing the label (a hot path).
    static func isRelief(_ purpose: Purpose) -> Bool { reliefByOrdinal[purpose.ordinal] }
    static let reliefPurposes = Set(Purpose.defaultRelief)
    private static let reliefByOrdinal = Purpose.allCases.map { Purpose.defaultRelief.contains($0) }

    /// The number of distinct corporate funders: repeated donors make a real top-funders table.
    /// Capped, so that memory does not grow with the number of rows.
    var companyCount: Int { companies.count }

    /// Every corporate funder's name and industry (an index into `Vocabulary.industries`).
    let companies: [(name: String, industry: Int)]

    /// Relative numbers of receipts by year from 2010 (donations roughly doubled 2010–2018;
    /// 2020 carries the COVID-19 drives).
    static let yearWeights: [Double] = [4.2, 4.5, 5, 5.5, 6, 6.5, 7.5, 8.5, 9.2, 9.5, 13, 11]

    static func yearWeight(_ year: Int) -> Double {
        year - 2010 < yearWeights.count ? yearWeights[year - 2010] : 11
    }

    static func yearWeightTotal(lastYear: Int) -> Double {
        var total = 0.0
        for y in 2010...lastYear { total += yearWeight(y) }
        return total
    }

    // MARK: - Facts

    func facts(_ position: Int) -> GeneratedFunding {
        var rng = SplitMix64.stream(seed: seed, salt: Self.factsSalt, index: position)
        let lastYear = max(2010, asOf.year)
        var r = rng.unit() * Self.yearWeightTotal(lastYear: lastYear)
        var year = lastYear
        for y in 2010...lastYear {
            r -= Self.yearWeight(y)
            if r < 0 {
                year = y
                break
            }
        }
        let first = CivilDate(year: year, month: 1, day: 1)!.dayNumber
        let last = min(CivilDate(year: year, month: 12, day: 31)!.dayNumber, asOf.dayNumber)
        let received = CivilDate(dayNumber: first + rng.below(max(1, last - first + 1)))!

        let source = pickSource(year: year, rng: &rng)
        let purpose = pickPurpose(year: year, rng: &rng)
        let unknownPurpose = rng.chance(0.01) ? rng.pick(["文化", "科研", "体育", "宗教活动", "其它公益"]) : nil

        // Recipient: an organization active on the day when possible; some codes match nothing.
        var recipient: Int?
        var code: [UInt8]
        var name: String
        let n = plan.organizations.count
        let draw = rng.unit()
        if draw < 0.02 {
            let serial = n + rng.below(1_000_000)
            var nameRng = SplitMix64.stream(seed: seed, salt: OrganizationPlan.nameSalt, index: serial)
            let province = catalog.pickProvince(&nameRng)
            code = USCCBuilder.make(category: UInt8(ascii: "1"), region: province.division.code, serial: serial, modern: false)
            name = OrganizationPlan.makeName(region: province.division.code, category: UInt8(ascii: "1"),
                                             catalog: catalog, rng: &nameRng)
        } else if draw < 0.023 {
            code = Array(rng.pick(["无", "暂无", "待补充", "0"]).utf8)
            name = OrganizationPlan.makeName(region: catalog.pickProvince(&rng).division.code, category: UInt8(ascii: "2"),
                                             catalog: catalog, rng: &rng)
        } else {
            var j = 0
            for attempt in 0..<8 {
                j = !plan.foundations.isEmpty && rng.chance(0.25)
                    ? Int(rng.pick(plan.foundations)) : rng.below(n)
                if plan.isActive(j, on: received.dayNumber) || attempt == 7 { break }
            }
            recipient = j
            code = plan.uscc(j)
            name = plan.name(j, catalog: catalog)
        }

        // Funder and amount by source.
        var funder = ""
        var industry = ""
        var yuanLow = 100.0
        var yuanHigh = 100_000.0
        var inKindShare = 0.0
        let recipientRegion = recipient.map { Int(plan.organizations[$0].regionCode) } ?? 110_000
        let place = catalog.path(of: recipientRegion).last ?? "北京市"
        switch source {
        case .corporate:
            let k = Int(Double(companyCount) * pow3(rng.unit()))
            funder = companies[k].name
            industry = rng.chance(0.93) ? rng.chance(0.9) ? Vocabulary.industries[companies[k].industry]
                : rng.pick(Vocabulary.industries) : ""
            yuanLow = 10_000
            yuanHigh = 20_000_000
            inKindShare = purpose == .epidemicControl ? 0.44 : 0.3
        case .individual:
            funder = rng.chance(0.6) ? OrganizationPlan.personName(&rng) : rng.pick(Vocabulary.anonymousDonors)
            yuanLow = 20
            yuanHigh = 50_000
            inKindShare = 0.05
        case .foundationGrant:
            funder = !plan.foundations.isEmpty ? plan.name(Int(rng.pick(plan.foundations)), catalog: catalog) : "中国扶贫基金会"
            yuanLow = 10_000
            yuanHigh = 5_000_000
            inKindShare = 0.1
        case .governmentPurchase:
            funder = place + (rng.chance(0.6) ? "民政局" : "人民政府")
            yuanLow = 20_000
            yuanHigh = 3_000_000
        case .governmentSubsidy:
            funder = place + "财政局"
            yuanLow = 10_000
            yuanHigh = 1_000_000
        case .lotteryFund:
            funder = (catalog.path(of: recipientRegion).first ?? "北京市") + (rng.chance(0.5) ? "民政厅" : "福利彩票发行中心")
            yuanLow = 50_000
            yuanHigh = 5_000_000
        case .other:
            funder = rng.chance(0.5) ? "" : "其他"
        }
        var yuan = yuanLow * pow(yuanHigh / yuanLow, rng.unit())
        if source == .corporate && purpose == .epidemicControl && rng.chance(0.01) { yuan *= 20 }
        var amount: Int64
        switch rng.below(10) {
        case 0..<6: amount = Self.roundNicely(yuan) * 100
        case 6..<9: amount = Int64(yuan) * 100
        default: amount = Int64(yuan * 100)
        }
        amount = max(amount, 100)

        var cash = amount
        var inKind: Int64 = 0
        var mode = 0
        if rng.chance(source == .corporate ? 0.55 : 0.3) {
            let share = min(0.95, max(0, inKindShare + (rng.unit() - 0.5) * 0.5))
            inKind = rng.chance(0.3) ? 0 : Int64(Double(amount) * share) / 100 * 100
            cash = amount - inKind
            switch rng.below(20) {
            case 0..<10: mode = 1
            case 10..<14: mode = 2
            case 14..<17: mode = 3
            default: mode = 4
            }
            if mode == 1 && rng.chance(0.1) {
                cash += Int64(rng.int(in: -100...100))  // a rounding difference within 1 元
                cash = max(0, cash)
            }
        }
        var beneficiaries: Int64?
        var inWan = false
        if rng.chance(0.6) {
            var count = Int64(1 + rng.below(Int(min(200_000, max(10, amount / 50_000)))))
            if count >= 10_000 && rng.chance(0.4) {
                count = count / 100 * 100
                inWan = true
            }
            beneficiaries = count
        }
        var region = ""
        switch rng.below(10) {
        case 0..<3: break
        case 3..<6: region = String(recipientRegion)
        default:
            region = purpose == .epidemicControl && rng.chance(0.5) ? rng.pick(["湖北省", "武汉市", "湖北省武汉市江汉区"])
                : catalog.joinedPath(of: recipientRegion)
        }
        return GeneratedFunding(
            received: received, source: source, purpose: purpose, unknownPurpose: unknownPurpose, recipient: recipient,
            recipientCode: code, recipientName: name, funder: funder, funderIndustry: industry, amount: amount,
            cash: cash, inKind: inKind, splitMode: mode, beneficiaries: beneficiaries, beneficiariesInWan: inWan,
            region: region)
    }

    private func pow3(_ x: Double) -> Double { x * x * x }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        // exp(exponent · ln base) without Foundation: enough precision for a spread of amounts.
        var result = 1.0
        var b = base
        var e = exponent
        var step = 1.0
        while step > 1e-4 {
            if e >= step {
                result *= b
                e -= step
            }
            b = b.squareRoot()
            step /= 2
        }
        return result
    }

    /// Two significant digits: donors give 50,000 or 1,200,000, not 1,234,567.
    static func roundNicely(_ yuan: Double) -> Int64 {
        var magnitude: Int64 = 1
        while Double(magnitude) * 100 <= yuan { magnitude *= 10 }
        return max(1, Int64(yuan) / magnitude * magnitude)
    }

    private func pickSource(year: Int, rng: inout SplitMix64) -> SourceType {
        let r = rng.below(100)
        switch r {
        case 0..<38: return .corporate
        case 38..<60: return .individual
        case 60..<70: return .foundationGrant
        case 70..<82: return year >= 2013 ? .governmentPurchase : .governmentSubsidy
        case 82..<90: return .governmentSubsidy
        case 90..<96: return .lotteryFund
        default: return .other
        }
    }

    private func pickPurpose(year: Int, rng: inout SplitMix64) -> Purpose {
        let table = purposeTables[min(year, 2030) - 2010]
        var r = rng.below(table.total)
        for (purpose, weight) in table.weights {
            if r < weight { return purpose }
            r -= weight
        }
        return .other
    }

    /// Purposes and their weights for each year from 2010 (COVID-19 from 2020, poverty
    /// eradication 2016–2020, rural revitalization from 2018, disaster years 2013 and 2021).
    static func purposeTable(year: Int) -> (weights: [(Purpose, Int)], total: Int) {
        var weights: [(Purpose, Int)] = [
            (.disasterRelief, year == 2013 || year == 2021 ? 12 : 5), (.emergencyRescue, 3),
            (.povertyAlleviation, year < 2016 ? 12 : 5), (.elderlyCare, 8), (.disabilityAssistance, 5), (.children, 8),
            (.education, 15), (.healthcare, 8), (.environment, 4), (.communityService, 6), (.other, 4),
        ]
        if (2016...2020).contains(year) { weights.append((.povertyEradication, 12)) }
        if year >= 2018 { weights.append((.ruralRevitalization, year >= 2021 ? 12 : 3)) }
        if year == 2020 { weights.append((.epidemicControl, 30)) }
        if year >= 2021 { weights.append((.epidemicControl, 8)) }
        return (weights, weights.reduce(0) { $0 + $1.1 })
    }

    // MARK: - Duplicates

    /// Whether position `i` is a re-sent copy, and of which earlier clean position.
    func duplicateSource(_ i: Int, isDefect: (Int) -> Bool) -> Int? {
        guard i > 0, dupRate > 0 else { return nil }
        var rng = SplitMix64.stream(seed: seed, salt: Self.dupSalt, index: i)
        guard rng.chance(dupRate) else { return nil }
        for _ in 0..<8 {
            let j = i - 1 - rng.below(min(i, 20_000))
            if !isDefect(j) && !isDuplicateDraw(j) { return j }
        }
        return nil
    }

    /// The first draw of `duplicateSource`, alone: whether `j` tried to be a copy.
    func isDuplicateDraw(_ j: Int) -> Bool {
        guard j > 0, dupRate > 0 else { return false }
        var rng = SplitMix64.stream(seed: seed, salt: Self.dupSalt, index: j)
        return rng.chance(dupRate)
    }

    // MARK: - Rows

    /// Writes the row for position `position` (facts of `factsPosition`, itself for an
    /// original row) and adds an accepted original to `tally`.
    func render(position: Int, factsPosition: Int, reason: QuarantineReason?, layout: FundingLayout, fileIndex: Int,
                tally: inout FundingTally, into rb: inout RowBuilder) -> RowOutcome {
        let f = facts(factsPosition)
        let duplicate = factsPosition != position
        var rng = SplitMix64.stream(seed: seed, salt: Self.renderSalt, index: position)
        let zh = layout.shape.headers == .chinese
        let dateStyles = ValueFormatter.dateStyles
        let preferredDate = dateStyles[(fileIndex + 3) % dateStyles.count]

        // The money columns this row fills, before any defect.
        var mode = layout.hasSplit ? f.splitMode : 0
        var amount = f.amount
        var cash = f.cash
        var inKind = f.inKind
        let missing: FundingField? = reason == .missingRequired
            ? rng.pick([.recordID, .recipientUSCC, .receivedOn, .purpose, .amount]) : nil
        if missing == .amount { mode = layout.hasSplit && rng.chance(0.5) ? 2 : 0 }
        var badMoneyField: FundingField?
        if reason == .amountGarbage || reason == .amountNegative {
            badMoneyField = layout.hasSplit && mode == 1 ? rng.pick([.amount, .cash, .inKind]) : .amount
            if mode == 4 { badMoneyField = rng.pick([.cash, .inKind]) }
        }
        if reason == .splitMismatch {
            if rng.chance(0.5) {
                mode = 1
                amount = cash + inKind + Int64(rng.int(in: 101...5_000_000)) * (rng.chance(0.5) ? 1 : -1)
                if amount < 0 { amount = cash + inKind + 20_000 }
            } else {
                mode = rng.chance(0.5) ? 2 : 3
                if mode == 2 { cash = amount + Int64(rng.int(in: 1...1_000_000)) } else { inKind = amount + 100 }
            }
        }
        let showAmount = mode != 4 && missing != .amount
        let showCash = mode == 1 || mode == 2 || mode == 4 || (missing == .amount && mode == 2)
        let showInKind = (mode == 1 || mode == 3 || mode == 4) && missing != .amount
        func money(_ fen: Int64, bad: Bool) {
            if bad {
                rb.append(reason == .amountGarbage ? rng.pick(Vocabulary.garbageAmounts) : rng.pick(Vocabulary.negativeAmounts))
                return
            }
            var style = rng.pick(ValueFormatter.amountStyles)
            if (style == .yiYuan || style == .yi) && fen < 1_000_000_000 { style = .wanYuan }
            ValueFormatter.appendAmount(fen, style: style, to: &rb.bytes)
        }

        for field in layout.fields {
            switch field {
            case .recordID:
                if missing == .recordID { break }
                // From the facts alone: a re-sent copy must carry the same id in any file.
                rb.append(Self.recordPrefixes[factsPosition % Self.recordPrefixes.count])
                rb.appendInt(f.received.year)
                rb.append(byte: 0x2D)
                rb.appendInt(factsPosition, width: 8)
            case .recipientUSCC:
                if missing == .recipientUSCC { break }
                if rng.chance(0.03) {
                    for b in f.recipientCode { rb.append(byte: b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
                } else {
                    rb.bytes.append(contentsOf: f.recipientCode)
                }
            case .recipientName:
                rb.append(f.recipientName)
                if reason == .encoding {
                    rb.append(byte: 0xFF)
                    rb.append("会")
                }
            case .sourceType:
                if reason == .sourceUnknown {
                    rb.append(rng.pick(Vocabulary.badSources))
                } else if f.source != .other || rng.chance(0.5) {
                    let chinese = rng.chance(0.85) == zh
                    rb.append(chinese ? f.source.label : rng.chance(0.1) ? f.source.rawValue.uppercased() : f.source.rawValue)
                }
            case .funder:
                if reason == .csvMalformed {
                    let name = f.funder.isEmpty ? "爱心人士" : f.funder
                    rb.append(rng.chance(0.5) ? name + "\"捐\"" : "\"" + name + "\"等")
                    rb.endField(quoting: .never)
                    continue
                }
                rb.append(f.funder)
            case .funderIndustry:
                rb.append(f.funderIndustry)
            case .amount:
                if showAmount { money(amount, bad: badMoneyField == .amount) }
            case .cash:
                if showCash { money(cash, bad: badMoneyField == .cash) }
            case .inKind:
                if showInKind { money(inKind, bad: badMoneyField == .inKind) }
            case .receivedOn:
                if missing == .receivedOn { break }
                if reason == .dateImpossible {
                    appendImpossibleDate(rng: &rng, into: &rb)
                } else if reason == .dateFuture {
                    let future = CivilDate(dayNumber: asOf.dayNumber + 1 + rng.below(400))!
                    ValueFormatter.appendDate(future, style: rng.pick(dateStyles), rng: &rng, to: &rb.bytes)
                } else {
                    let style = rng.chance(0.7) ? preferredDate : rng.pick(dateStyles)
                    ValueFormatter.appendDate(f.received, style: style, rng: &rng, to: &rb.bytes)
                }
            case .purpose:
                if missing == .purpose { break }
                rb.append(f.unknownPurpose ?? f.purpose.rawValue)
            case .region:
                rb.append(f.region)
            case .beneficiaries:
                if reason == .countGarbage {
                    rb.append(rng.pick(Vocabulary.garbageCounts))
                } else if let count = f.beneficiaries {
                    if f.beneficiariesInWan {
                        var bytes: [UInt8] = []
                        ValueFormatter.decimal(count * 100, unit: .wan, minDecimals: 0, grouped: false, to: &bytes)
                        rb.bytes.append(contentsOf: bytes)
                        rb.append("万")
                    } else {
                        rb.appendInt(Int(count))
                    }
                }
            }
            rb.endField()
        }
        if reason == .fieldCount { rb.addField(rng.chance(0.5) ? "备注" : "已开票") }

        if duplicate { return .duplicate }
        if let reason { return .quarantined(reason) }
        // The ground truth: what the pipeline derives from the columns written.
        let written: (amount: Int64, cash: Int64?, inKind: Int64?)
        switch mode {
        case 1: written = (amount, cash, inKind)
        case 2: written = (amount, cash, amount - cash)
        case 3: written = (amount, amount - inKind, inKind)
        case 4: written = (cash + inKind, cash, inKind)
        default: written = (amount, nil, nil)
        }
        tally.records += 1
        tally.amount += written.amount
        if let c = written.cash, let k = written.inKind {
            tally.cash += c
            tally.inKind += k
            tally.splitRecords += 1
        } else {
            tally.unsplit += written.amount
            tally.unsplitRecords += 1
        }
        let purpose = f.unknownPurpose == nil ? f.purpose : .other
        if f.unknownPurpose != nil { tally.purposeUnknown += 1 }
        if Self.isRelief(purpose) {
            tally.reliefRecords += 1
            tally.reliefAmount += written.amount
        }
        if f.recipient.map({ plan.organizations[$0].isDefective }) ?? true { tally.unmatched += 1 }
        tally.beneficiaries += f.beneficiaries ?? 0
        let y = f.received.year - 2000
        tally.yearRecords[y] += 1
        tally.yearAmount[y] += written.amount
        tally.sourceAmount[(layout.hasSourceType ? f.source : .other).ordinal] += written.amount
        tally.purposeAmount[purpose.ordinal] += written.amount
        return .accepted
    }

    private func appendImpossibleDate(rng: inout SplitMix64, into rb: inout RowBuilder) {
        if rng.chance(0.15) {
            rb.append(rng.pick(Vocabulary.garbageDates))
            return
        }
        let year = rng.int(in: 2010...min(2020, asOf.year - 1))
        let month = rng.int(in: 1...12)
        let day = CivilDate.daysInMonth(year: year, month: month) + 1 + rng.below(2)
        let styles: [ValueFormatter.DateStyle] = [.iso, .slash, .dot, .compact, .chinese, .isoWithTime]
        ValueFormatter.appendDateParts(year: year, month: month, day: day, style: rng.pick(styles), rng: &rng, to: &rb.bytes)
    }
}
