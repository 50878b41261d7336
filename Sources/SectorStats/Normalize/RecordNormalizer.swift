#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What normalizing one record gave: a clean value with its warnings, or a quarantine
/// entry (the first failing check, DATA.md §5).
public enum NormalizeOutcome<Value> {
    case accepted(Value, warnings: [NormalizeWarning])
    case quarantined(QuarantineEntry)
}

extension CSVWriter {
    /// A kept text field, value-normalized (DATA.md §5 "Values"): without bytes to fold or
    /// to quote (one table-driven pass tells), the trimmed sub-range of the record goes
    /// straight into the row.
    @inline(__always)
    func field(normalizedValue raw: UnsafeBufferPointer<UInt8>) {
        if ValueText.classify(raw) == 0 {
            field(unquotedBytes: UnsafeBufferPointer(rebasing: raw[ValueText.trimmedRange(raw)]))
        } else {
            ValueText.withNormalized(raw) { field(bytes: $0) }
        }
    }
}

extension QuarantineEntry {
    /// The entry of a record refused by a field check.
    init(rejecting r: CSVRecord, source: String, field: String, _ e: FieldError) {
        self.init(source: source, line: r.line, field: field, reason: e.reason, detail: e.detail, raw: r.rawText)
    }
}

/// A normalizer's checks on one record: the checked values, or the quarantine entry of the
/// first failing check.
enum CheckOutcome<Checked> {
    case passed(Checked)
    case failed(QuarantineEntry)
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

/// The warnings of one row, counted per kind in a plain integer: a row's checked values
/// stay free of references, so passing them around costs no retain or release (an array of
/// warnings per row cost ~3% of a run in reference counting, most of it on empty arrays).
struct WarningCounts: Equatable, Sendable {
    /// 8 bits per kind, in `NormalizeWarning.allCases` order; a row has at most a few.
    private(set) var packed: UInt32 = 0

    init() {}

    init(_ warnings: [NormalizeWarning]) {
        for w in warnings { add(w) }
    }

    @inline(__always)
    private static func shift(_ w: NormalizeWarning) -> UInt32 {
        switch w {
        case .typeUSCCMismatch: 0
        case .purposeUnknown: 8
        case .booleanUnknown: 16
        }
    }

    /// The counts as stored in a partial.
    init(packed: UInt32) { self.packed = packed }

    var isEmpty: Bool { packed == 0 }

    @inline(__always)
    mutating func add(_ w: NormalizeWarning) {
        let s = Self.shift(w)
        // Saturates at 255 per kind (a row has at most two of a kind).
        if (packed >> s) & 0xFF != 0xFF { packed &+= 1 << s }
    }

    func count(of w: NormalizeWarning) -> Int { Int((packed >> Self.shift(w)) & 0xFF) }

    /// The warnings, each as often as it was counted, in `allCases` order.
    var list: [NormalizeWarning] {
        NormalizeWarning.allCases.flatMap { Array(repeating: $0, count: count(of: $0)) }
    }

    /// Adds the counts to a per-name tally (`NormalizeResult.warnings`).
    func add(to tally: inout [String: Int]) {
        guard !isEmpty else { return }
        for w in NormalizeWarning.allCases where count(of: w) > 0 { tally[w.rawValue, default: 0] += count(of: w) }
    }
}

/// Header problems that refuse a whole file.
enum HeaderCheck {
    static func refuse<Field: HeaderField>(_ file: String, headers: [String], missing: [Field]) -> SectorStatsError {
        SectorStatsError(
            .inputRefused, file: file, line: 1, field: "header",
            "missing required column(s) \(missing.map(\.rawValue).joined(separator: ", ")); the header has: "
                + listed(headers)
                + " (accepted spellings are listed in DATA.md; add aliases per source in the pipeline file)")
    }

    /// The header names for a message: the first few, each cut short, and how many in all.
    static func listed(_ headers: [String], first: Int = 20, width: Int = 40) -> String {
        let shown = headers.prefix(first).map { h in "\"\(h.count > width ? h.prefix(width) + "…" : Substring(h))\"" }.joined(separator: ", ")
        return headers.count > first ? "\(shown), … (\(headers.count) columns in all)" : shown
    }

    /// The record's reader issue, else a NUL byte anywhere in it (`encoding`, DATA.md §5):
    /// a NUL must never reach a published table, not even as the quarantine's raw text.
    static func structural(_ record: CSVRecord, source: String, header: [String]) -> QuarantineEntry? {
        let nul = hasNUL(record.raw)
        if let issue = record.issue {
            let reason: QuarantineReason
            switch issue.kind {
            case .csvMalformed: reason = .csvMalformed
            case .fieldCount: reason = .fieldCount
            case .encoding: reason = .encoding
            }
            return QuarantineEntry(source: source, line: record.line, field: "record", reason: reason,
                                   detail: issue.detail, raw: nul ? rawWithoutNUL(record) : record.rawText)
        }
        guard nul else { return nil }
        // Only now look field by field, for the first column holding one.
        var column = 0
        for i in 0..<record.parsedCount where hasNUL(record[i]) {
            column = i
            break
        }
        let name = column < header.count ? " (\(header[column].filter { $0 != "\0" }))" : ""
        return QuarantineEntry(source: source, line: record.line, field: "record", reason: .encoding,
                               detail: "NUL byte in column \(column + 1)\(name): remove it from the export",
                               raw: rawWithoutNUL(record))
    }

    /// memchr: the check runs on every record.
    @inline(__always)
    static func hasNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        return memchr(base, 0, bytes.count) != nil
    }

    /// The raw text with each NUL shown as U+FFFD, as invalid bytes are.
    static func rawWithoutNUL(_ record: CSVRecord) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(record.raw.count + 8)
        for b in record.raw {
            if b == 0 { bytes += [0xEF, 0xBF, 0xBD] } else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
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
    /// The header as read, to name a column in a quarantine detail.
    let header: [String]

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
        self.header = header
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

    /// The values of a row that passed every check; text fields are read from the record
    /// when the row is built or encoded.
    struct Checked {
        var uscc: USCC
        var type: OrgType
        var status: RegistrationStatus?
        var registered: CivilDate
        var deregistered: CivilDate?
        var regionCode: Int
        var capital: Int64?
        var community: Bool?
        var charity: Bool?
        var warnings: WarningCounts
    }

    public func normalize(_ r: CSVRecord) -> NormalizeOutcome<Organization> {
        switch check(r) {
        case .failed(let q):
            return .quarantined(q)
        case .passed(let c):
            var nameScratch: [UInt8] = []
            ValueText.normalizeName(raw(r, .name), into: &nameScratch)
            let org = Organization(
                uscc: c.uscc, name: String(decoding: nameScratch, as: UTF8.self), type: c.type,
                authority: text(r, .authority), registeredOn: c.registered, status: c.status,
                deregisteredOn: c.deregistered, capitalFen: c.capital, legalRep: text(r, .legalRep),
                supervisor: text(r, .supervisor), scope: text(r, .scope), address: text(r, .address),
                regionCode: c.regionCode, provinceCode: regions.provinceCode(of: c.regionCode),
                countyCode: regions.isCountyLevel(c.regionCode) ? c.regionCode : nil,
                isCommunity: c.community, isCharity: c.charity, source: source, line: r.line)
            return .accepted(org, warnings: c.warnings.list)
        }
    }

    /// Normalizes `r` and, when it passes, appends its row of the organizations table to
    /// `w`: the bytes `NormalizedTables.encode(_:to:)` writes for ``normalize(_:)``'s
    /// organization, straight from the record's bytes (no `String` per field). Returns
    /// the checked values (USCC and warnings) or the quarantine entry.
    func normalize(_ r: CSVRecord, encodingInto w: CSVWriter) throws -> CheckOutcome<Checked> {
        let outcome = check(r)
        guard case .passed(let c) = outcome else { return outcome }
        c.uscc.withBytes { w.field(bytes: $0) }
        ValueText.withNormalizedName(raw(r, .name)) { w.field(bytes: $0) }
        w.field(c.type.rawValue)
        encodeText(r, .authority, w)
        w.field(date: c.registered)
        w.field(c.status?.rawValue ?? "")
        w.field(date: c.deregistered)
        w.field(c.capital)
        encodeText(r, .legalRep, w)
        encodeText(r, .supervisor, w)
        encodeText(r, .scope, w)
        encodeText(r, .address, w)
        w.field(Int64(c.regionCode))
        w.field(Int64(regions.provinceCode(of: c.regionCode)))
        w.field(regions.isCountyLevel(c.regionCode) ? Int64(c.regionCode) : nil)
        w.field(unquoted: NormalizedTables.boolText(c.community))
        w.field(unquoted: NormalizedTables.boolText(c.charity))
        w.field(source)
        w.field(Int64(r.line))
        try w.endRow()
        return outcome
    }

    @inline(__always)
    private func encodeText(_ r: CSVRecord, _ f: RegistrationField, _ w: CSVWriter) {
        w.field(normalizedValue: raw(r, f))
    }

    /// What the aggregate stage reads from the organization's row of the table
    /// (``OrganizationIndex/decode(_:table:)``), from the checked values.
    func indexEntry(_ c: Checked) -> OrganizationIndex.Entry {
        OrganizationIndex.Entry(
            uscc: c.uscc, type: c.type, registeredOn: c.registered, deregisteredOn: c.deregistered,
            provinceCode: Int32(truncatingIfNeeded: regions.provinceCode(of: c.regionCode)),
            countyCode: regions.isCountyLevel(c.regionCode) ? Int32(truncatingIfNeeded: c.regionCode) : -1)
    }

    /// Every check of DATA.md §5 in its order; the first failing one quarantines the row.
    func check(_ r: CSVRecord) -> CheckOutcome<Checked> {
        if let bad = HeaderCheck.structural(r, source: source, header: header) { return .failed(bad) }
        func reject(_ field: RegistrationField, _ e: FieldError) -> CheckOutcome<Checked> {
            .failed(QuarantineEntry(rejecting: r, source: source, field: field.rawValue, e))
        }
        // missing_required in DATA.md's order: uscc, name, registered_on.
        // (One test per field, not a loop over an array literal: that allocated per row.)
        func missing(_ f: RegistrationField) -> CheckOutcome<Checked> {
            reject(f, FieldError(.missingRequired, "\(f.rawValue) is empty; it is required"))
        }
        if ValueText.isEmpty(raw(r, .uscc)) { return missing(.uscc) }
        if ValueText.isEmpty(raw(r, .name)) { return missing(.name) }
        if ValueText.isEmpty(raw(r, .registeredOn)) { return missing(.registeredOn) }
        let uscc: USCC
        do {
            guard let code = try USCC.parse(raw(r, .uscc)) else {
                return reject(.uscc, FieldError(.missingRequired, "uscc is empty; it is required"))
            }
            uscc = code
        } catch { return reject(.uscc, error) }

        var warnings = WarningCounts()
        let type: OrgType
        do { type = try CategoryParser.orgType(raw(r, .type), usccCategory: uscc.category) } catch { return reject(.type, error) }
        if let category = uscc.category, category != .other, type != category { warnings.add(.typeUSCCMismatch) }

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
            if let code = regions.resolvedCode(raw(r, .region)) {
                regionCode = code
            } else {
                // Not resolved: ask again for the reason (ambiguous names list their codes).
                switch regions.resolve(raw(r, .region)) {
                case .region(let region):
                    regionCode = region.code  // resolvedCode agrees with resolve: not reached
                case .ambiguous(let codes):
                    return reject(.region, FieldError(.regionUnknown, "\"\(text(r, .region))\" names several divisions (\(codes.map(String.init).joined(separator: ", "))); give the code or the full name"))
                case .unknown:
                    return reject(.region, FieldError(.regionUnknown, "\"\(text(r, .region))\" is not a GB/T 2260 code or a current division name"))
                }
            }
        } else {
            guard let code = uscc.regionCode, regions.contains(code: code) else {
                return reject(.region, FieldError(.regionUnknown, "USCC characters 3–8 \"\(uscc.regionCodeText)\" are not a GB/T 2260 code (current or retired) nor 100000"))
            }
            regionCode = code
        }

        let capital: Int64?
        do { capital = try AmountParser.parse(raw(r, .capital), bareUnit: capitalUnit) } catch { return reject(.capital, error) }

        let community = flag(r, .community, &warnings)
        let charity = flag(r, .charity, &warnings)
        return .passed(Checked(
            uscc: uscc, type: type, status: status, registered: registered, deregistered: deregistered,
            regionCode: regionCode, capital: capital, community: community, charity: charity, warnings: warnings))
    }

    private func flag(_ r: CSVRecord, _ f: RegistrationField, _ warnings: inout WarningCounts) -> Bool? {
        let b = raw(r, f)
        if ValueText.isEmpty(b) { return nil }
        if let v = CategoryParser.boolean(b) { return v }
        warnings.add(.booleanUnknown)
        return nil
    }
}

/// Turns the records of one funding export into funding records (DATA.md §2, §5).
public struct FundingNormalizer: Sendable {
    public let source: String
    public let asOf: CivilDate
    let columns: [Int]
    /// The bare-number unit of amount, cash and in_kind, in that order.
    let units: [AmountUnit]
    let regions: RegionTable
    public let unknownColumns: [String]
    /// The header as read, to name a column in a quarantine detail.
    let header: [String]

    public init(header: [String], source: String, asOf: CivilDate, regions: RegionTable,
                aliases: [String: FundingField] = [:]) throws {
        let match = HeaderMatcher<FundingField>(aliases: aliases).match(header)
        guard match.missingRequired.isEmpty else {
            throw HeaderCheck.refuse(source, headers: header, missing: match.missingRequired)
        }
        self.source = source
        self.asOf = asOf
        self.columns = FieldOrdinal.table(match.columns)
        self.units = [FundingField.amount, .cash, .inKind].map { match.bareUnit(of: $0) }
        self.regions = regions
        self.unknownColumns = (match.unknownColumns + match.duplicateColumns).sorted().map { header[$0] }
        self.header = header
    }

    @inline(__always)
    func raw(_ r: CSVRecord, _ f: FundingField) -> UnsafeBufferPointer<UInt8> {
        let i = columns[FieldOrdinal.of(f)]
        return i >= 0 ? r[i] : UnsafeBufferPointer(start: nil, count: 0)
    }

    private func text(_ r: CSVRecord, _ f: FundingField) -> String {
        ValueText.withNormalized(raw(r, f)) { String(decoding: $0, as: UTF8.self) }
    }

    /// The values of a row that passed every check; text fields are read from the record
    /// when the row is built or encoded.
    struct Checked {
        var sourceType: SourceType
        var split: FundingSplit
        var received: CivilDate
        var beneficiaries: Int64
        var purpose: Purpose
        var regionCode: Int?
        var warnings: WarningCounts
    }

    public func normalize(_ r: CSVRecord) -> NormalizeOutcome<FundingRecord> {
        switch check(r) {
        case .failed(let q):
            return .quarantined(q)
        case .passed(let c):
            var code: [UInt8] = []
            ValueText.normalizeCode(raw(r, .recipientUSCC), into: &code)
            let record = FundingRecord(
                recordID: text(r, .recordID), recipientUSCC: String(decoding: code, as: UTF8.self),
                recipientName: text(r, .recipientName), sourceType: c.sourceType, funder: text(r, .funder),
                funderIndustry: text(r, .funderIndustry), amountFen: c.split.amount, cashFen: c.split.cash,
                inKindFen: c.split.inKind, receivedOn: c.received, purpose: c.purpose,
                beneficiaryRegionCode: c.regionCode, beneficiaries: c.beneficiaries, source: source, line: r.line)
            return .accepted(record, warnings: c.warnings.list)
        }
    }

    /// Every check of DATA.md §5 in its order; the first failing one quarantines the row.
    func check(_ r: CSVRecord) -> CheckOutcome<Checked> {
        if let bad = HeaderCheck.structural(r, source: source, header: header) { return .failed(bad) }
        func reject(_ field: FundingField, _ e: FieldError) -> CheckOutcome<Checked> {
            .failed(QuarantineEntry(rejecting: r, source: source, field: field.rawValue, e))
        }
        // (One test per field, not a loop over an array literal: that allocated per row.)
        func missing(_ f: FundingField) -> CheckOutcome<Checked> {
            reject(f, FieldError(.missingRequired, "\(f.rawValue) is empty; it is required"))
        }
        if ValueText.isEmpty(raw(r, .recordID)) { return missing(.recordID) }
        if ValueText.isEmpty(raw(r, .recipientUSCC)) { return missing(.recipientUSCC) }
        if ValueText.isEmpty(raw(r, .receivedOn)) { return missing(.receivedOn) }
        if ValueText.isEmpty(raw(r, .purpose)) { return missing(.purpose) }
        let sourceType: SourceType
        do { sourceType = try CategoryParser.sourceType(raw(r, .sourceType)) } catch { return reject(.sourceType, error) }

        let amount, cash, inKind: Int64?
        do { amount = try AmountParser.parse(raw(r, .amount), bareUnit: units[0]) } catch { return reject(.amount, error) }
        do { cash = try AmountParser.parse(raw(r, .cash), bareUnit: units[1]) } catch { return reject(.cash, error) }
        do { inKind = try AmountParser.parse(raw(r, .inKind), bareUnit: units[2]) } catch { return reject(.inKind, error) }
        let split: FundingSplit
        do { split = try FundingSplit.resolve(amount: amount, cash: cash, inKind: inKind) } catch {
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

        var warnings = WarningCounts()
        var purpose = Purpose.other
        if let p = CategoryParser.purpose(raw(r, .purpose)) {
            purpose = p.purpose
            if !p.isKnown { warnings.add(.purposeUnknown) }
        }
        let regionCode = ValueText.isEmpty(raw(r, .region)) ? nil : regions.resolvedCode(raw(r, .region))
        return .passed(Checked(sourceType: sourceType, split: split, received: received, beneficiaries: beneficiaries,
                               purpose: purpose, regionCode: regionCode, warnings: warnings))
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
