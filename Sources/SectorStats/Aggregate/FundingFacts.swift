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

    /// The columns of the funding table whose text reaches the output (funder and
    /// funder_industry): the only ones the fast reader checks for UTF-8; every other column
    /// read here is parsed as digits, a date, a code or an exact label.
    static let textColumns = [4, 5]

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

    /// The facts of one row of the normalize stage's funding table, read straight from the
    /// fields the tables need. A value the normalize stage never writes is a `corruptData`
    /// error naming the table, line and column.
    static func decode<R: PersistedRow>(_ r: R, table: String, index: OrganizationIndex?) throws(SectorStatsError) -> FundingFacts {
        guard r.isWellFormed, r.count == NormalizedTables.fundingColumns.count else {
            throw NormalizedTables.corrupt(table, row: r, "record")
        }
        // The recipient's slot among the organizations is a cache miss: start loading it
        // now, parse the other fields meanwhile, look it up last.
        let recipientKey = index != nil ? OrganizationIndex.key(recipient: r[1]) : nil
        if let index, let recipientKey { index.prefetch(key: recipientKey) }
        guard let source = SourceType.matcher.match(r[3]).map({ SourceType.byOrdinal[$0] }) else {
            throw NormalizedTables.corrupt(table, row: r, "source_type")
        }
        guard let amount = NormalizedTables.integer(r[6]), amount >= 0 else { throw NormalizedTables.corrupt(table, row: r, "amount_fen") }
        let cash = try optionalAmount(r, 7, "cash_fen", table)
        let inKind = try optionalAmount(r, 8, "in_kind_fen", table)
        guard let received = NormalizedTables.isoDate(r[9]) else { throw NormalizedTables.corrupt(table, row: r, "received_on") }
        guard let purpose = Purpose.matcher.match(r[10]).map({ Purpose.byOrdinal[$0] }) else {
            throw NormalizedTables.corrupt(table, row: r, "purpose")
        }
        guard let beneficiaries = NormalizedTables.integer(r[12]), beneficiaries >= 0 else {
            throw NormalizedTables.corrupt(table, row: r, "beneficiaries")
        }
        return FundingFacts(
            receivedOn: received, purpose: purpose, sourceType: source, amountFen: amount, cashFen: cash,
            inKindFen: inKind, beneficiaries: beneficiaries, recipient: recipientKey.flatMap { index?.id(key: $0) },
            funder: r[4], funderIndustry: r[5])
    }

    @inline(__always)
    private static func optionalAmount<R: PersistedRow>(_ r: R, _ i: Int, _ column: String, _ table: String)
        throws(SectorStatsError) -> Int64? {
        if r[i].isEmpty { return nil }
        guard let value = NormalizedTables.integer(r[i]), value >= 0 else { throw NormalizedTables.corrupt(table, row: r, column) }
        return value
    }
}
