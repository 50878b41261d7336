/// A registered organization after normalization: one accepted, de-duplicated row of a
/// registration export (DATA.md §1, §5), with codes instead of labels.
public struct Organization: Sendable, Hashable {
    public var uscc: USCC
    public var name: String
    public var type: OrgType
    public var authority: String
    public var registeredOn: CivilDate
    /// The status column's value; nil when the export has no status or it is empty.
    public var status: RegistrationStatus?
    /// When set, the organization is inactive from this date whatever its status says.
    public var deregisteredOn: CivilDate?
    public var capitalFen: Int64?
    public var legalRep: String
    public var supervisor: String
    public var scope: String
    public var address: String
    /// The region column when non-empty, else USCC characters 3–8 (a current or retired
    /// GB/T 2260 code, or 100000 for national-level organizations).
    public var regionCode: Int
    /// First two digits + 0000; 100000 for national-level organizations.
    public var provinceCode: Int
    /// The region when it is a county-level code of the current reference, else nil.
    public var countyCode: Int?
    public var isCommunity: Bool?
    public var isCharity: Bool?
    /// The input file's base name and the line the row started on.
    public var source: String
    public var line: Int

    public init(uscc: USCC, name: String, type: OrgType, authority: String, registeredOn: CivilDate,
                status: RegistrationStatus?, deregisteredOn: CivilDate?, capitalFen: Int64?, legalRep: String,
                supervisor: String, scope: String, address: String, regionCode: Int, provinceCode: Int,
                countyCode: Int?, isCommunity: Bool?, isCharity: Bool?, source: String, line: Int) {
        self.uscc = uscc
        self.name = name
        self.type = type
        self.authority = authority
        self.registeredOn = registeredOn
        self.status = status
        self.deregisteredOn = deregisteredOn
        self.capitalFen = capitalFen
        self.legalRep = legalRep
        self.supervisor = supervisor
        self.scope = scope
        self.address = address
        self.regionCode = regionCode
        self.provinceCode = provinceCode
        self.countyCode = countyCode
        self.isCommunity = isCommunity
        self.isCharity = isCharity
        self.source = source
        self.line = line
    }

    /// DATA.md §4: active at the end of `year` when registered on or before Y-12-31 and
    /// not deregistered on or before Y-12-31.
    public func isActive(atEndOf year: Int) -> Bool {
        guard registeredOn.year <= year else { return false }
        if let d = deregisteredOn, d.year <= year { return false }
        return true
    }
}

/// One receipt of money or goods by an organization after normalization (DATA.md §2, §5).
public struct FundingRecord: Sendable, Hashable {
    public var recordID: String
    /// Normalized (inner spaces removed, upper-cased) but not validated: a bad code is
    /// simply unmatched.
    public var recipientUSCC: String
    public var recipientName: String
    public var sourceType: SourceType
    /// The normalized funder name; '' = no funder.
    public var funder: String
    public var funderIndustry: String
    /// Total value in fen; equals cash + in-kind when the split is known (within the
    /// 1-yuan tolerance, where the export's own figures are kept as given).
    public var amountFen: Int64
    /// Cash and securities part; nil when the split is unknown (only a total was given).
    public var cashFen: Int64?
    public var inKindFen: Int64?
    public var receivedOn: CivilDate
    public var purpose: Purpose
    /// The beneficiary region when it resolves; kept, not aggregated yet.
    public var beneficiaryRegionCode: Int?
    public var beneficiaries: Int64
    public var source: String
    public var line: Int

    public init(recordID: String, recipientUSCC: String, recipientName: String, sourceType: SourceType, funder: String,
                funderIndustry: String, amountFen: Int64, cashFen: Int64?, inKindFen: Int64?, receivedOn: CivilDate,
                purpose: Purpose, beneficiaryRegionCode: Int?, beneficiaries: Int64, source: String, line: Int) {
        self.recordID = recordID
        self.recipientUSCC = recipientUSCC
        self.recipientName = recipientName
        self.sourceType = sourceType
        self.funder = funder
        self.funderIndustry = funderIndustry
        self.amountFen = amountFen
        self.cashFen = cashFen
        self.inKindFen = inKindFen
        self.receivedOn = receivedOn
        self.purpose = purpose
        self.beneficiaryRegionCode = beneficiaryRegionCode
        self.beneficiaries = beneficiaries
        self.source = source
        self.line = line
    }
}

/// A row the pipeline refused, with why (DATA.md §4 quarantine.csv.gz, §5 reasons).
public struct QuarantineEntry: Sendable, Hashable {
    /// The input file's base name.
    public var source: String
    /// The physical line the record starts on.
    public var line: Int
    /// The field that failed (`record` for structural problems).
    public var field: String
    public var reason: QuarantineReason
    /// A message a user can act on.
    public var detail: String
    /// The record's text as read (decoded, without its line terminator).
    public var raw: String

    public init(source: String, line: Int, field: String, reason: QuarantineReason, detail: String, raw: String) {
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
        self.detail = detail
        self.raw = raw
    }

    /// DATA.md §5: sorted by source, then line (text by UTF-8 bytes).
    public static func ordered(_ a: QuarantineEntry, _ b: QuarantineEntry) -> Bool {
        if a.source != b.source { return a.source.utf8.lexicographicallyPrecedes(b.source.utf8) }
        return a.line < b.line
    }
}
