/// What normalizing one record gave: a clean value with its warnings, or a quarantine
/// entry (the first failing check, DATA.md §5).
public enum NormalizeOutcome<Value> {
    case accepted(Value, warnings: [NormalizeWarning])
    case quarantined(QuarantineEntry)
}

/// Counted, not quarantined (DATA.md §5).
public enum NormalizeWarning: String, Sendable, CaseIterable, Codable {
    /// The type column disagrees with USCC character 2 (1/2/3); the column wins.
    case typeUSCCMismatch = "type_uscc_mismatch"
    /// A purpose outside DATA.md §2's list, kept as 其他.
    case purposeUnknown = "purpose_unknown"
    /// A community/charity flag that is not 是/否, Y/N, 1/0, true/false: kept as unknown.
    case booleanUnknown = "boolean_unknown"
}

/// Header problems that refuse a whole file.
enum HeaderCheck {
    static func refuse<Field: HeaderField>(_ file: String, headers: [String], missing: [Field]) -> SectorStatsError {
        SectorStatsError(
            .inputRefused, file: file, line: 1, field: "header",
            "missing required column(s) \(missing.map(\.rawValue).joined(separator: ", ")); the header has: "
                + headers.map { "\"\($0)\"" }.joined(separator: ", ")
                + " (accepted spellings are listed in DATA.md; add aliases per source in the pipeline file)")
    }

    static func structural(_ record: CSVRecord, source: String) -> QuarantineEntry? {
        guard let issue = record.issue else { return nil }
        let reason: QuarantineReason
        switch issue.kind {
        case .csvMalformed: reason = .csvMalformed
        case .fieldCount: reason = .fieldCount
        case .encoding: reason = .encoding
        }
        return QuarantineEntry(source: source, line: record.line, field: "record", reason: reason,
                               detail: issue.detail, raw: record.rawText)
    }
}

/// Turns the records of one registration export into organizations (DATA.md §1, §5).
/// Built once per file from its header; `normalize` is a pure function of one record.
public struct RegistrationNormalizer: Sendable {
    public let source: String
    public let asOf: CivilDate
    /// Column index per field, by the field's declaration order (-1: absent). An array, not
    /// a dictionary: this is looked up for every field of every row.
    let columns: [Int]
    let capitalUnit: AmountUnit
    let regions: RegionTable
    /// Header columns this pipeline does not use (listed once in the run log).
    public let unknownColumns: [String]

    /// Throws `inputRefused` naming the file, the missing fields and the headers found.
    public init(header: [String], source: String, asOf: CivilDate, regions: RegionTable,
                aliases: [String: RegistrationField] = [:]) throws {
        let match = HeaderMatcher<RegistrationField>(aliases: aliases).match(header)
        guard match.missingRequired.isEmpty else {
            throw HeaderCheck.refuse(source, headers: header, missing: match.missingRequired)
        }
        self.source = source
        self.asOf = asOf
        self.columns = FieldOrdinal.table(match.columns)
        self.capitalUnit = match.bareUnit(of: .capital)
        self.regions = regions
        self.unknownColumns = (match.unknownColumns + match.duplicateColumns).sorted().map { header[$0] }
    }

    @inline(__always)
    private func raw(_ r: CSVRecord, _ f: RegistrationField) -> UnsafeBufferPointer<UInt8> {
        let i = columns[FieldOrdinal.of(f)]
        return i >= 0 ? r[i] : UnsafeBufferPointer(start: nil, count: 0)
    }

    /// A kept text field: the normalized bytes go straight into the String (no scratch
    /// array per field; a sub-range of the record when nothing needs folding).
    private func text(_ r: CSVRecord, _ f: RegistrationField) -> String {
        ValueText.withNormalized(raw(r, f)) { String(decoding: $0, as: UTF8.self) }
    }

    public func normalize(_ r: CSVRecord) -> NormalizeOutcome<Organization> {
        if let bad = HeaderCheck.structural(r, source: source) { return .quarantined(bad) }
        func reject(_ field: RegistrationField, _ e: FieldError) -> NormalizeOutcome<Organization> {
            .quarantined(QuarantineEntry(source: source, line: r.line, field: field.rawValue, reason: e.reason,
                                         detail: e.detail, raw: r.rawText))
        }
        // missing_required in DATA.md's order: uscc, name, registered_on.
        for f in [RegistrationField.uscc, .name, .registeredOn] where ValueText.isEmpty(raw(r, f)) {
            return reject(f, FieldError(.missingRequired, "\(f.rawValue) is empty; it is required"))
        }
        let uscc: USCC
        do {
            guard let code = try USCC.parse(raw(r, .uscc)) else {
                return reject(.uscc, FieldError(.missingRequired, "uscc is empty; it is required"))
            }
            uscc = code
        } catch { return reject(.uscc, error) }

        var warnings: [NormalizeWarning] = []
        let type: OrgType
        do { type = try CategoryParser.orgType(raw(r, .type), usccCategory: uscc.category) } catch { return reject(.type, error) }
        if let category = uscc.category, category != .other, type != category { warnings.append(.typeUSCCMismatch) }

        let status: RegistrationStatus?
        do { status = try CategoryParser.status(raw(r, .status)) } catch { return reject(.status, error) }

        let registered: CivilDate
        do {
            guard let d = try DateParser.parse(raw(r, .registeredOn), asOf: asOf) else {
                return reject(.registeredOn, FieldError(.missingRequired, "registered_on is empty; it is required"))
            }
            registered = d
        } catch { return reject(.registeredOn, error) }

        let deregistered: CivilDate?
        do { deregistered = try DateParser.parse(raw(r, .deregisteredOn), asOf: asOf) } catch { return reject(.deregisteredOn, error) }

        if deregistered == nil, let status, status != .active {
            return reject(.deregisteredOn, FieldError(
                .deregDateMissing, "status is \(status.rawValue) but deregistered_on is empty: give the date of deregistration or revocation"))
        }
        if let d = deregistered, d < registered {
            return reject(.deregisteredOn, FieldError(
                .dateOrder, "deregistered_on \(d) is before registered_on \(registered)"))
        }

        // Region: the column when non-empty, else USCC characters 3–8.
        let regionCode: Int
        if !ValueText.isEmpty(raw(r, .region)) {
            switch regions.resolve(raw(r, .region)) {
            case .region(let region): regionCode = region.code
            case .ambiguous(let codes):
                return reject(.region, FieldError(.regionUnknown, "\"\(text(r, .region))\" names several divisions (\(codes.map(String.init).joined(separator: ", "))); give the code or the full name"))
            case .unknown:
                return reject(.region, FieldError(.regionUnknown, "\"\(text(r, .region))\" is not a GB/T 2260 code or a current division name"))
            }
        } else {
            guard let code = uscc.regionCode, regions.region(code: code) != nil else {
                return reject(.region, FieldError(.regionUnknown, "USCC characters 3–8 \"\(uscc.regionCodeText)\" are not a GB/T 2260 code (current or retired) nor 100000"))
            }
            regionCode = code
        }

        let capital: Int64?
        do { capital = try AmountParser.parse(raw(r, .capital), bareUnit: capitalUnit) } catch { return reject(.capital, error) }

        let community = flag(r, .community, &warnings)
        let charity = flag(r, .charity, &warnings)
        var nameScratch: [UInt8] = []
        ValueText.normalizeName(raw(r, .name), into: &nameScratch)
        let org = Organization(
            uscc: uscc, name: String(decoding: nameScratch, as: UTF8.self), type: type, authority: text(r, .authority),
            registeredOn: registered, status: status, deregisteredOn: deregistered, capitalFen: capital,
            legalRep: text(r, .legalRep), supervisor: text(r, .supervisor), scope: text(r, .scope), address: text(r, .address),
            regionCode: regionCode, provinceCode: regions.provinceCode(of: regionCode),
            countyCode: regions.isCountyLevel(regionCode) ? regionCode : nil,
            isCommunity: community, isCharity: charity, source: source, line: r.line)
        return .accepted(org, warnings: warnings)
    }

    private func flag(_ r: CSVRecord, _ f: RegistrationField, _ warnings: inout [NormalizeWarning]) -> Bool? {
        let b = raw(r, f)
        if ValueText.isEmpty(b) { return nil }
        if let v = CategoryParser.boolean(b) { return v }
        warnings.append(.booleanUnknown)
        return nil
    }
}

/// Turns the records of one funding export into funding records (DATA.md §2, §5).
public struct FundingNormalizer: Sendable {
    public let source: String
    public let asOf: CivilDate
    let columns: [Int]
    let units: [FundingField: AmountUnit]
    let regions: RegionTable
    public let unknownColumns: [String]

    public init(header: [String], source: String, asOf: CivilDate, regions: RegionTable,
                aliases: [String: FundingField] = [:]) throws {
        let match = HeaderMatcher<FundingField>(aliases: aliases).match(header)
        guard match.missingRequired.isEmpty else {
            throw HeaderCheck.refuse(source, headers: header, missing: match.missingRequired)
        }
        self.source = source
        self.asOf = asOf
        self.columns = FieldOrdinal.table(match.columns)
        var units: [FundingField: AmountUnit] = [:]
        for f in [FundingField.amount, .cash, .inKind] { units[f] = match.bareUnit(of: f) }
        self.units = units
        self.regions = regions
        self.unknownColumns = (match.unknownColumns + match.duplicateColumns).sorted().map { header[$0] }
    }

    @inline(__always)
    private func raw(_ r: CSVRecord, _ f: FundingField) -> UnsafeBufferPointer<UInt8> {
        let i = columns[FieldOrdinal.of(f)]
        return i >= 0 ? r[i] : UnsafeBufferPointer(start: nil, count: 0)
    }

    private func text(_ r: CSVRecord, _ f: FundingField) -> String {
        ValueText.withNormalized(raw(r, f)) { String(decoding: $0, as: UTF8.self) }
    }

    public func normalize(_ r: CSVRecord) -> NormalizeOutcome<FundingRecord> {
        if let bad = HeaderCheck.structural(r, source: source) { return .quarantined(bad) }
        func reject(_ field: FundingField, _ e: FieldError) -> NormalizeOutcome<FundingRecord> {
            .quarantined(QuarantineEntry(source: source, line: r.line, field: field.rawValue, reason: e.reason,
                                         detail: e.detail, raw: r.rawText))
        }
        for f in [FundingField.recordID, .recipientUSCC, .receivedOn, .purpose] where ValueText.isEmpty(raw(r, f)) {
            return reject(f, FieldError(.missingRequired, "\(f.rawValue) is empty; it is required"))
        }
        let sourceType: SourceType
        do { sourceType = try CategoryParser.sourceType(raw(r, .sourceType)) } catch { return reject(.sourceType, error) }

        var parts: [Int64?] = [nil, nil, nil]
        for (k, f) in [FundingField.amount, .cash, .inKind].enumerated() {
            do { parts[k] = try AmountParser.parse(raw(r, f), bareUnit: units[f] ?? .yuan) } catch { return reject(f, error) }
        }
        let split: FundingSplit
        do { split = try FundingSplit.resolve(amount: parts[0], cash: parts[1], inKind: parts[2]) } catch {
            return reject(.amount, error)
        }
        let received: CivilDate
        do {
            guard let d = try DateParser.parse(raw(r, .receivedOn), asOf: asOf) else {
                return reject(.receivedOn, FieldError(.missingRequired, "received_on is empty; it is required"))
            }
            received = d
        } catch { return reject(.receivedOn, error) }
        let beneficiaries: Int64
        do { beneficiaries = try CountParser.parse(raw(r, .beneficiaries)) } catch { return reject(.beneficiaries, error) }

        var warnings: [NormalizeWarning] = []
        var purpose = Purpose.other
        if let p = CategoryParser.purpose(raw(r, .purpose)) {
            purpose = p.purpose
            if !p.isKnown { warnings.append(.purposeUnknown) }
        }
        var code: [UInt8] = []
        ValueText.normalizeCode(raw(r, .recipientUSCC), into: &code)
        let regionCode = ValueText.isEmpty(raw(r, .region)) ? nil : regions.resolve(raw(r, .region)).region?.code
        let record = FundingRecord(
            recordID: text(r, .recordID), recipientUSCC: String(decoding: code, as: UTF8.self),
            recipientName: text(r, .recipientName), sourceType: sourceType, funder: text(r, .funder),
            funderIndustry: text(r, .funderIndustry), amountFen: split.amount, cashFen: split.cash, inKindFen: split.inKind,
            receivedOn: received, purpose: purpose, beneficiaryRegionCode: regionCode, beneficiaries: beneficiaries,
            source: source, line: r.line)
        return .accepted(record, warnings: warnings)
    }
}

/// Fields as array indexes: their declaration order (`allCases` order).
enum FieldOrdinal {
    /// The ordinal of a field. Field enums have String raw values and no payloads, so a
    /// value is stored as its one-byte case number, which is the declaration order.
    @inline(__always)
    static func of<Field: HeaderField>(_ f: Field) -> Int {
        Int(unsafeBitCast(f, to: UInt8.self))
    }

    static func table<Field: HeaderField>(_ columns: [Field: Int]) -> [Int] {
        precondition(MemoryLayout<Field>.size == 1, "field enums are one-byte case numbers")
        var table = [Int](repeating: -1, count: Field.allCases.count)
        for (i, f) in Field.allCases.enumerated() {
            assert(of(f) == i)
            table[i] = columns[f] ?? -1
        }
        return table
    }
}
