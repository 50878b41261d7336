import SectorStats
/// The columns of one generated registration file, and its header row.
struct RegistrationLayout: Sendable {
    let fields: [RegistrationField]
    let headers: [String]
    /// The unit of a bare capital number: 万 under a "(万元)" header.
    let capitalUnit: AmountUnit
    let shape: FileShape

    init(shape: FileShape, fileIndex: Int) {
        self.shape = shape
        let fields: [RegistrationField]
        switch (shape.allColumns, shape.headers) {
        case (false, _):
            fields = [.name, .uscc, .type, .registeredOn, .deregisteredOn, .capital, .legalRep, .authority, .address, .scope]
        case (true, .chinese):
            fields = [.uscc, .name, .type, .authority, .registeredOn, .status, .deregisteredOn, .capital, .legalRep,
                      .supervisor, .scope, .address, .region, .community, .charity]
        case (true, .english):
            fields = [.name, .uscc, .type, .registeredOn, .status, .deregisteredOn, .authority, .capital, .legalRep,
                      .supervisor, .address, .scope, .region, .community, .charity]
        }
        self.fields = fields
        var headers: [String] = []
        var unit = AmountUnit.yuan
        for field in fields {
            var header = Self.spelling(field.spellings, language: shape.headers, variant: fileIndex)
            if header.contains("万元") {
                unit = .wan
                if fileIndex % 2 == 1 { header = header.replacingParentheses() }
            }
            headers.append(header)
        }
        self.headers = headers
        capitalUnit = unit
    }

    func has(_ field: RegistrationField) -> Bool { fields.contains(field) }

    /// The reasons a row of this file can be quarantined for (status ones need a status column).
    var applicableReasons: [QuarantineReason] {
        QuarantineReason.allCases.filter { reason in
            switch reason {
            case .statusUnknown, .deregDateMissing: has(.status)
            case .splitMismatch, .sourceUnknown, .countGarbage: false
            default: true
            }
        }
    }

    /// One of DATA.md's spellings in the header language, chosen by the file's index.
    static func spelling(_ spellings: [String], language: FileShape.HeaderLanguage, variant: Int) -> String {
        let chinese = spellings.filter { !$0.allSatisfy(\.isASCII) }
        let english = spellings.filter { $0.allSatisfy(\.isASCII) }
        let pool = language == .chinese && !chinese.isEmpty ? chinese : english.isEmpty ? chinese : english
        return pool[(variant / 2 + (language == .chinese ? 0 : variant)) % pool.count]
    }
}

extension String {
    /// ASCII parentheses as full-width ones, as some exports spell `注册资金（万元）`.
    func replacingParentheses() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "(" ? "（" : $0 == ")" ? "）" : $0 }))
    }
}

/// What the pipeline must make of one generated row.
enum RowOutcome: Equatable {
    case accepted
    case duplicate
    case quarantined(QuarantineReason)
}

/// Writes registration rows: clean ones in every spelling DATA.md allows, and defective ones
/// that fail exactly the planted check (everything before it in DATA.md §5's order is valid).
struct RegistrationRenderer {
    let plan: OrganizationPlan
    let catalog: RegionCatalog
    let asOf: CivilDate
    let seed: UInt64

    static let renderSalt: UInt64 = 0x2E9D

    /// Writes organization `j` (its stale earlier copy when `stale`) and says what the
    /// pipeline must make of the row.
    func render(_ j: Int, stale: Bool, layout: RegistrationLayout, fileIndex: Int, into rb: inout RowBuilder) -> RowOutcome {
        let org = plan.organizations[j]
        var rng = SplitMix64.stream(seed: seed, salt: Self.renderSalt, index: j &* 2 &+ (stale ? 0 : 1))
        let reason = stale ? nil : org.defectReason
        let shape = layout.shape
        let zh = shape.headers == .chinese
        let dateStyles = ValueFormatter.dateStyles
        let preferredDate = dateStyles[fileIndex % dateStyles.count]
        func dateStyle() -> ValueFormatter.DateStyle {
            rng.chance(0.7) ? preferredDate : rng.pick(dateStyles)
        }

        // Facts as this row states them.
        var registered = CivilDate(dayNumber: Int(org.registeredDay))!
        var deregistered: CivilDate? = org.isDeregistered ? CivilDate(dayNumber: Int(org.deregisteredDay)) : nil
        var deregKind = org.deregistration
        if stale && deregistered != nil {
            // The earlier export predates the deregistration.
            deregistered = nil
            deregKind = 0
        }
        var code = plan.uscc(j)
        let missingField: RegistrationField? = reason == .missingRequired
            ? rng.pick([.uscc, .name, .registeredOn] + (org.category == UInt8(ascii: "9") ? [] : [.type])) : nil
        switch reason {
        case .usccFormat: code = USCCBuilder.breakFormat(code, rng: &rng)
        case .usccCheck: code = USCCBuilder.breakCreditCheck(code, rng: &rng)
        case .orgcodeCheck: code = USCCBuilder.breakOrganizationCheck(code, rng: &rng)
        case .dateFuture where rng.chance(0.5):
            registered = CivilDate(dayNumber: asOf.dayNumber + 1 + rng.below(400))!
            deregistered = nil
            deregKind = 0
        case .dateOrder:
            deregistered = CivilDate(dayNumber: registered.dayNumber - 1 - rng.below(365))
            deregKind = 1
        case .deregDateMissing:
            deregKind = rng.chance(0.5) ? 1 : 2
        default:
            break
        }
        var impossibleField: RegistrationField?
        if reason == .dateFuture && registered <= asOf {
            deregKind = 1
            deregistered = CivilDate(dayNumber: asOf.dayNumber + 1 + rng.below(400))
        }
        if reason == .dateImpossible {
            impossibleField = deregistered != nil && rng.chance(0.5) ? .deregisteredOn : .registeredOn
        }
        let noLineBreaks = reason == .csvMalformed
        var extraFieldWritten = false

        for field in layout.fields {
            switch field {
            case .name:
                if missingField == .name {
                    rb.append(rng.chance(0.5) ? "" : "\u{3000}")
                } else if reason == .csvMalformed {
                    // A stray quote in an unquoted field, or text after a closing quote: the
                    // CSV parser rejects the record (which stays on one physical line).
                    if rng.chance(0.5) {
                        rb.append(plan.name(j, catalog: catalog))
                        rb.append(rng.chance(0.5) ? "\"筹\"" : "\"原名\"")
                    } else {
                        rb.append("\"" + plan.name(j, catalog: catalog) + "\"（筹）")
                    }
                    rb.endField(quoting: .never)
                    continue
                } else {
                    rb.append(plan.name(j, catalog: catalog))
                }
            case .uscc:
                if missingField == .uscc { break }
                appendCode(code, rng: &rng, into: &rb)
            case .type:
                if reason == .typeUnknown {
                    rb.append(rng.pick(Vocabulary.badTypes))
                } else if missingField != .type {
                    appendType(org.orgType, zh: zh, rng: &rng, into: &rb)
                }
            case .authority:
                rb.append(authority(Int(org.regionCode)))
            case .registeredOn:
                if missingField == .registeredOn { break }
                if impossibleField == .registeredOn {
                    appendImpossibleDate(rng: &rng, into: &rb)
                } else {
                    ValueFormatter.appendDate(registered, style: dateStyle(), rng: &rng, to: &rb.bytes)
                }
            case .status:
                if reason == .statusUnknown {
                    rb.append(rng.pick(Vocabulary.badStatuses))
                } else {
                    appendStatus(deregKind, hasDate: deregistered != nil, required: reason == .deregDateMissing,
                                 rng: &rng, into: &rb)
                }
            case .deregisteredOn:
                if impossibleField == .deregisteredOn {
                    appendImpossibleDate(rng: &rng, into: &rb)
                } else if let deregistered, reason != .deregDateMissing {
                    ValueFormatter.appendDate(deregistered, style: dateStyle(), rng: &rng, to: &rb.bytes)
                }
            case .capital:
                appendCapital(j, reason: reason, unit: layout.capitalUnit, rng: &rng, into: &rb)
            case .legalRep:
                rb.append(OrganizationPlan.personName(&rng))
            case .supervisor:
                let word = rng.pick(Vocabulary.supervisors)
                if !word.isEmpty && word != "无" {
                    rb.append(catalog.path(of: Int(org.regionCode)).last ?? "")
                }
                rb.append(word)
            case .scope:
                appendScope(noLineBreaks: noLineBreaks, rng: &rng, into: &rb)
                if reason == .encoding {
                    rb.append(byte: 0xFF)  // invalid in UTF-8 and in GB18030
                    rb.append("等")
                }
            case .address:
                appendAddress(Int(org.regionCode), rng: &rng, into: &rb)
                if reason == .fieldCount && rng.chance(0.5) {
                    // An unquoted delimiter inside the address: one field too many.
                    rb.append(byte: rb.delimiter)
                    rb.append("\(rng.int(in: 1...30))楼")
                    rb.endField(quoting: .never)
                    extraFieldWritten = true
                    continue
                }
            case .region:
                appendRegion(org, reason: reason, rng: &rng, into: &rb)
            case .community, .charity:
                if rng.chance(0.7) {
                    rb.append(rng.pick(Self.booleans[rng.below(Self.booleans.count)]))
                }
            }
            rb.endField()
        }
        if reason == .fieldCount && !extraFieldWritten {
            rb.addField(rng.chance(0.5) ? "备注：年检合格" : "已年检")
        }
        return stale ? .duplicate : reason.map(RowOutcome.quarantined) ?? .accepted
    }

    static let booleans: [[String]] = [["是", "否"], ["Y", "N"], ["1", "0"], ["true", "false"], ["是", "否"]]

    // MARK: - Values

    private func appendCode(_ code: [UInt8], rng: inout SplitMix64, into rb: inout RowBuilder) {
        switch rng.below(100) {
        case 0..<3:
            // Lower-case letters: upper-cased by the code normalization.
            for b in code { rb.append(byte: b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
        case 3..<5:
            // Blanks inside: removed by the code normalization.
            for (i, b) in code.enumerated() {
                if i > 0 && i % 6 == 0 { rb.append(byte: 0x20) }
                rb.append(byte: b)
            }
        default:
            rb.bytes.append(contentsOf: code)
        }
    }

    private func appendType(_ type: OrgType, zh: Bool, rng: inout SplitMix64, into rb: inout RowBuilder) {
        let chinese = rng.chance(0.9) == zh
        switch type {
        case .association: rb.append(chinese ? "社会团体" : rng.chance(0.2) ? "Association" : "association")
        case .socialService:
            rb.append(chinese ? (rng.chance(0.35) ? "民办非企业单位" : "社会服务机构") : "social_service")
        case .foundation: rb.append(chinese ? "基金会" : rng.chance(0.2) ? "FOUNDATION" : "foundation")
        case .other: break
        }
    }

    /// A status for the deregistration kind; `required`: a deregistered or revoked spelling
    /// for certain (the `dereg_date_missing` defect).
    private func appendStatus(_ kind: UInt8, hasDate: Bool, required: Bool, rng: inout SplitMix64,
                              into rb: inout RowBuilder) {
        var draw = rng.below(100)
        if required { draw = 10 + draw % 90 }
        if draw < 4 { return }  // no status: the dates decide
        switch kind {
        case 1:
            // Now and then the status was never updated: the date still makes it inactive.
            if hasDate && draw < 7 { rb.append("正常") } else { rb.append(draw % 2 == 0 ? "注销" : "已注销") }
        case 2: rb.append(draw % 2 == 0 ? "撤销" : "已撤销")
        default: rb.append(draw < 75 ? "正常" : "存续")
        }
    }

    private func appendImpossibleDate(rng: inout SplitMix64, into rb: inout RowBuilder) {
        if rng.chance(0.15) {
            rb.append(rng.pick(Vocabulary.garbageDates))
            return
        }
        let year = rng.int(in: 1995...min(2020, asOf.year - 1))
        let month = rng.int(in: 1...12)
        let day = CivilDate.daysInMonth(year: year, month: month) + 1 + rng.below(2)
        let styles: [ValueFormatter.DateStyle] = [.iso, .slash, .dot, .compact, .chinese, .isoWithTime]
        ValueFormatter.appendDateParts(year: year, month: month, day: day, style: rng.pick(styles), rng: &rng, to: &rb.bytes)
    }

    private func appendCapital(_ j: Int, reason: QuarantineReason?, unit: AmountUnit,
                               rng: inout SplitMix64, into rb: inout RowBuilder) {
        if reason == .amountGarbage {
            rb.append(rng.pick(Vocabulary.garbageAmounts))
            return
        }
        if reason == .amountNegative {
            rb.append(rng.pick(Vocabulary.negativeAmounts))
            return
        }
        guard let fen = plan.capital(j) else { return }
        let styles: [ValueFormatter.AmountStyle] = unit == .wan
            ? [.bare, .bare, .bare, .plain, .wanYuan, .fullWidth]
            : [.plain, .bare, .grouped, .wanYuan, .wan, .yenGrouped, .yuanSuffix, .fullWidth, .yiYuan]
        var style = rng.pick(styles)
        if style == .yiYuan && fen < 1_000_000_000 { style = .wanYuan }
        ValueFormatter.appendAmount(fen, style: style, bareUnit: unit, to: &rb.bytes)
    }

    private func appendScope(noLineBreaks: Bool, rng: inout SplitMix64, into rb: inout RowBuilder) {
        let count = rng.int(in: 3...10)
        let separators = ["，", "、", "；", ", ", "，"]
        let separator = rng.pick(separators)
        // Distinct activities: a partial Fisher–Yates shuffle of the list's indices.
        var order = Array(Vocabulary.scopeActivities.indices)
        for k in 0..<count {
            if k > 0 {
                if !noLineBreaks && rng.chance(0.04) { rb.append("\n") } else { rb.append(separator) }
            }
            order.swapAt(k, k + rng.below(order.count - k))
            let activity = Vocabulary.scopeActivities[order[k]]
            if rng.chance(0.03) {
                rb.append("\"")
                rb.append(activity)
                rb.append("\"")
            } else {
                rb.append(activity)
            }
        }
        rb.append("。")
    }

    private func appendAddress(_ region: Int, rng: inout SplitMix64, into rb: inout RowBuilder) {
        for name in catalog.path(of: region) { rb.append(name) }
        if region == RegionTable.nationalCode { rb.append("北京市西城区") }
        rb.append(rng.pick(Vocabulary.streets))
        rb.appendInt(rng.int(in: 1...999))
        rb.append("号")
        if rng.chance(0.3) {
            rb.appendInt(rng.int(in: 101...2020))
            rb.append("室")
        }
    }

    private func appendRegion(_ org: PlannedOrganization, reason: QuarantineReason?, rng: inout SplitMix64,
                              into rb: inout RowBuilder) {
        let code = Int(org.regionCode)
        if reason == .regionUnknown {
            if catalog.table.region(code: code) == nil { return }  // unknown through the USCC
            rb.append(rng.chance(0.5) ? rng.pick(Vocabulary.unknownRegionNames) : "999999")
            return
        }
        let draw = rng.below(100)
        if draw < 20 { return }  // from the USCC
        if draw < 40 {
            let path = catalog.path(of: code)
            let name = code == RegionTable.nationalCode ? RegionTable.nationalName
                : draw < 30 ? path.joined() : path.last ?? ""
            if !name.isEmpty, catalog.table.resolve(name).region?.code == code {
                rb.append(name)
                return
            }
        }
        rb.appendInt(code, width: 6)
    }

    /// The registering authority of an organization with USCC region `code`.
    func authority(_ code: Int) -> String {
        if code == RegionTable.nationalCode { return "民政部" }
        let name = catalog.name(of: code)
        if code % 10_000 == 0 {
            return name.hasSuffix("市") ? name + "民政局" : name + "民政厅"
        }
        return name + "民政局"
    }
}
