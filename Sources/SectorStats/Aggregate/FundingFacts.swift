/// One funding row as the accumulators see it: numbers and codes, the recipient resolved to
/// an organization id, and the two text fields the tables need (funder, industry) as bytes
/// borrowed from the record being read — valid only during the `add` it is passed to, so
/// reading a row allocates nothing.
struct FundingFacts {
    var receivedOn: CivilDate
    var purpose: Purpose
    var sourceType: SourceType
    var amountFen: Int64
    /// Cash and in-kind parts; the split is known only when both are present.
    var cashFen: Int64?
    var inKindFen: Int64?
    var beneficiaries: Int64
    /// The recipient's id in the organization index; nil when recipient_uscc matches none.
    var recipient: Int32?
    /// The normalized funder name; empty = no funder.
    var funder: UnsafeBufferPointer<UInt8>
    var funderIndustry: UnsafeBufferPointer<UInt8>

    /// The cash and in-kind parts when the split is known (DATA.md §4: share and parts are
    /// over rows whose split is known; a row with only a total is "unsplit"). A row with just
    /// one part (never written by the normalize stage, which derives the third of three
    /// values) counts as unsplit.
    @inline(__always)
    var split: (cash: Int64, inKind: Int64)? {
        guard let cashFen, let inKindFen else { return nil }
        return (cashFen, inKindFen)
    }

    /// Calls `body` with the facts of an in-memory record.
    static func with<R>(_ record: FundingRecord, index: OrganizationIndex?,
                        _ body: (FundingFacts) throws -> R) rethrows -> R {
        var funder = record.funder
        var industry = record.funderIndustry
        let recipient = index?.id(recipient: record.recipientUSCC)
        return try funder.withUTF8 { funderBytes in
            try industry.withUTF8 { industryBytes in
                try body(FundingFacts(
                    receivedOn: record.receivedOn, purpose: record.purpose, sourceType: record.sourceType,
                    amountFen: record.amountFen, cashFen: record.cashFen, inKindFen: record.inKindFen,
                    beneficiaries: record.beneficiaries, recipient: recipient, funder: funderBytes,
                    funderIndustry: industryBytes))
            }
        }
    }
}
