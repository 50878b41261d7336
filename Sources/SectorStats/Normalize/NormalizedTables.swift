/// The clean tables (``CleanTables``) as records: `encode` writes the row
/// ``CleanTables`` writes for a record, `decode` reads one back (tests compare the partials'
/// export with records through these, and read tables back as records for the oracle).
public enum NormalizedTables {
    public static let organizationsFile = CleanTables.organizationsFile
    public static let fundingFile = CleanTables.fundingFile
    public static let organizationColumns = CleanTables.organizationColumns
    public static let fundingColumns = CleanTables.fundingColumns

    // MARK: - Encoding

    public static func encode(_ o: Organization, to w: CSVWriter) throws {
        o.uscc.withBytes { w.field(bytes: $0) }
        w.field(o.name)
        w.field(o.type.rawValue)
        w.field(o.authority)
        w.field(date: o.registeredOn)
        w.field(o.status?.rawValue ?? "")
        w.field(date: o.deregisteredOn)
        w.field(o.capitalFen)
        w.field(o.legalRep)
        w.field(o.supervisor)
        w.field(o.scope)
        w.field(o.address)
        w.field(Int64(o.regionCode))
        w.field(Int64(o.provinceCode))
        w.field(o.countyCode.map(Int64.init))
        w.field(unquoted: boolText(o.isCommunity))
        w.field(unquoted: boolText(o.isCharity))
        w.field(o.source)
        w.field(Int64(o.line))
        try w.endRow()
    }

    public static func encode(_ f: FundingRecord, to w: CSVWriter) throws {
        w.field(f.recordID)
        w.field(f.recipientUSCC)
        w.field(f.recipientName)
        w.field(f.sourceType.rawValue)
        w.field(f.funder)
        w.field(f.funderIndustry)
        w.field(f.amountFen)
        w.field(f.cashFen)
        w.field(f.inKindFen)
        w.field(date: f.receivedOn)
        w.field(f.purpose.rawValue)
        w.field(f.beneficiaryRegionCode.map(Int64.init))
        w.field(f.beneficiaries)
        w.field(f.source)
        w.field(Int64(f.line))
        try w.endRow()
    }

    static func boolText(_ b: Bool?) -> StaticString {
        switch b {
        case .some(true): "true"
        case .some(false): "false"
        case .none: ""
        }
    }

    // MARK: - Decoding

    /// Why a row could not be read back: the table was edited or corrupted.
    static func corrupt(_ table: String, _ record: CSVRecord, _ column: String) -> SectorStatsError {
        SectorStatsError(.corruptData, file: table, line: record.line, field: column,
                         "not a value this pipeline writes: \(record.rawText.prefix(200)); rerun the normalize stage")
    }

    public static func decodeOrganization(_ r: CSVRecord, table: String = organizationsFile) throws -> Organization {
        typealias C = CleanTables.OrganizationColumn
        guard r.issue == nil, r.count == organizationColumns.count else { throw corrupt(table, r, "record") }
        func field(_ c: C) -> UnsafeBufferPointer<UInt8> { r[c.index] }
        func text(_ c: C) -> String { r.string(at: c.index) }
        guard let uscc = try? USCC.parse(field(.uscc)) else { throw corrupt(table, r, C.uscc.rawValue) }
        guard let type = OrgType(rawValue: text(.orgType)) else { throw corrupt(table, r, C.orgType.rawValue) }
        guard let registered = isoDate(field(.registeredOn)) else { throw corrupt(table, r, C.registeredOn.rawValue) }
        let statusText = text(.status)
        let status = statusText.isEmpty ? nil : RegistrationStatus(rawValue: statusText)
        if !statusText.isEmpty && status == nil { throw corrupt(table, r, C.status.rawValue) }
        let deregField = field(.deregisteredOn)
        let dereg: CivilDate? = deregField.isEmpty ? nil : isoDate(deregField)
        if !deregField.isEmpty && dereg == nil { throw corrupt(table, r, C.deregisteredOn.rawValue) }
        guard let region = integer(field(.regionCode)), let province = integer(field(.provinceCode)), let line = integer(field(.line)) else {
            throw corrupt(table, r, C.regionCode.rawValue)
        }
        return Organization(
            uscc: uscc, name: text(.name), type: type, authority: text(.authority), registeredOn: registered, status: status,
            deregisteredOn: dereg, capitalFen: integer(field(.capitalFen)), legalRep: text(.legalRep), supervisor: text(.supervisor),
            scope: text(.scope), address: text(.address), regionCode: Int(region), provinceCode: Int(province),
            countyCode: integer(field(.countyCode)).map { Int($0) }, isCommunity: bool(field(.isCommunity)),
            isCharity: bool(field(.isCharity)), source: text(.source), line: Int(line))
    }

    public static func decodeFunding(_ r: CSVRecord, table: String = fundingFile) throws -> FundingRecord {
        typealias C = CleanTables.FundingColumn
        guard r.issue == nil, r.count == fundingColumns.count else { throw corrupt(table, r, "record") }
        func field(_ c: C) -> UnsafeBufferPointer<UInt8> { r[c.index] }
        func text(_ c: C) -> String { r.string(at: c.index) }
        guard let source = SourceType(rawValue: text(.sourceType)) else { throw corrupt(table, r, C.sourceType.rawValue) }
        guard let amount = integer(field(.amountFen)) else { throw corrupt(table, r, C.amountFen.rawValue) }
        guard let received = isoDate(field(.receivedOn)) else { throw corrupt(table, r, C.receivedOn.rawValue) }
        guard let purpose = Purpose(rawValue: text(.purpose)) else { throw corrupt(table, r, C.purpose.rawValue) }
        guard let beneficiaries = integer(field(.beneficiaries)), let line = integer(field(.line)) else {
            throw corrupt(table, r, C.beneficiaries.rawValue)
        }
        return FundingRecord(
            recordID: text(.recordID), recipientUSCC: text(.recipientUSCC), recipientName: text(.recipientName), sourceType: source,
            funder: text(.funder), funderIndustry: text(.funderIndustry), amountFen: amount, cashFen: integer(field(.cashFen)),
            inKindFen: integer(field(.inKindFen)), receivedOn: received, purpose: purpose,
            beneficiaryRegionCode: integer(field(.beneficiaryRegionCode)).map { Int($0) }, beneficiaries: beneficiaries,
            source: text(.source), line: Int(line))
    }

    /// A decimal integer (optional leading '-'); nil for empty or anything else.
    @inline(__always)
    static func integer(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !b.isEmpty else { return nil }
        var i = 0
        let negative = b[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < b.count, b.count - i <= 19 else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = s
            i += 1
        }
        return negative ? -v : v
    }

    /// `yyyy-mm-dd` exactly.
    @inline(__always)
    static func isoDate(_ b: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ from: Int, _ n: Int) -> Int? {
            var v = 0
            for k in from..<(from + n) {
                let d = b[k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2) else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    static func bool(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        if b.elementsEqual("true".utf8) { return true }
        if b.elementsEqual("false".utf8) { return false }
        return nil
    }
}
