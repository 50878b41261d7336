/// The facts of a chunk's funding rows, taken by the normalize stage from the values it has
/// just checked, so that a run which writes the funding table can aggregate it without
/// reading it back (``AggregateFeed``).
///
/// Each row holds exactly what ``FundingFacts/decode(_:table:index:)`` would read from the
/// row of the table: the same values, the recipient as the key of its normalized
/// recipient_uscc, and funder and funder_industry as their normalized bytes (what reading
/// the table gives back for those fields, unescaped), in one byte buffer per chunk, so a
/// row costs no allocation.
struct FundingFactRows {
    struct Row {
        var amountFen: Int64
        /// `Int64.min`: empty (the split is not known).
        var cashFen: Int64
        var inKindFen: Int64
        var beneficiaries: Int64
        /// The recipient's ``OrganizationIndex/key(recipient:)``; `hasRecipientKey` false when
        /// the normalized recipient_uscc cannot be a USCC.
        var recipientHigh: UInt64
        var recipientLow: UInt64
        /// Where the row's funder and industry end in `text` (each starts where the one
        /// before it ends).
        var funderEnd: Int
        var industryEnd: Int
        var receivedOn: CivilDate
        var purpose: Purpose
        var sourceType: SourceType
        var hasRecipientKey: Bool
    }

    private(set) var rows: [Row] = []
    private(set) var text: [UInt8] = []

    init(reservingRows n: Int = 0) {
        rows.reserveCapacity(n)
        text.reserveCapacity(n * 24)
    }

    var count: Int { rows.count }

    /// Appends a row; `funder` and `industry` are the normalized values.
    mutating func append(receivedOn: CivilDate, purpose: Purpose, sourceType: SourceType, amountFen: Int64,
                         cashFen: Int64?, inKindFen: Int64?, beneficiaries: Int64,
                         recipient: (high: UInt64, low: UInt64)?, funder: UnsafeBufferPointer<UInt8>,
                         industry: UnsafeBufferPointer<UInt8>) {
        text.append(contentsOf: funder)
        let funderEnd = text.count
        text.append(contentsOf: industry)
        rows.append(Row(
            amountFen: amountFen, cashFen: cashFen ?? .min, inKindFen: inKindFen ?? .min, beneficiaries: beneficiaries,
            recipientHigh: recipient?.high ?? 0, recipientLow: recipient?.low ?? 0, funderEnd: funderEnd,
            industryEnd: text.count, receivedOn: receivedOn, purpose: purpose,
            sourceType: sourceType, hasRecipientKey: recipient != nil))
    }

    /// Starts loading what adding row `i` will touch: its recipient's slot in the index and
    /// its funder's slot in `partial`.
    @inline(__always)
    func prefetch(_ i: Int, index: OrganizationIndex, partial: FundingPartial, text all: UnsafeBufferPointer<UInt8>) {
        let row = rows[i]
        if row.hasRecipientKey { index.prefetch(key: (row.recipientHigh, row.recipientLow)) }
        partial.funders.prefetch(funder: UnsafeBufferPointer(rebasing: all[start(i)..<row.funderEnd]))
    }

    @inline(__always)
    private func start(_ i: Int) -> Int { i == 0 ? 0 : rows[i - 1].industryEnd }

    /// Adds row `i` to `partial` (`all`: this value's `text`).
    @inline(__always)
    func add(_ i: Int, to partial: inout FundingPartial, index: OrganizationIndex,
             text all: UnsafeBufferPointer<UInt8>) throws(SectorStatsError) {
        let row = rows[i]
        let funderEnd = row.funderEnd
        try partial.add(FundingFacts(
            receivedOn: row.receivedOn, purpose: row.purpose, sourceType: row.sourceType, amountFen: row.amountFen,
            cashFen: row.cashFen == .min ? nil : row.cashFen, inKindFen: row.inKindFen == .min ? nil : row.inKindFen,
            beneficiaries: row.beneficiaries,
            recipient: row.hasRecipientKey ? index.id(key: (row.recipientHigh, row.recipientLow)) : nil,
            funder: UnsafeBufferPointer(rebasing: all[start(i)..<funderEnd]),
            funderIndustry: UnsafeBufferPointer(rebasing: all[funderEnd..<row.industryEnd])))
    }
}

/// The funding side of an ``AggregateFeed`` while it is being filled: the index the rows
/// are joined with and the partial they are added to.
struct FundingFeed {
    let index: OrganizationIndex
    var partial: FundingPartial

    init(index: OrganizationIndex, settings: AggregateSettings) {
        self.index = index
        partial = FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
    }

    /// Adds the rows of `facts` but those at the indexes in `skipping` (ascending: the
    /// duplicates), in order.
    mutating func add(_ facts: FundingFactRows, skipping: [Int]) throws(SectorStatsError) {
        var next = 0  // the next index in `skipping`
        try facts.text.withUnsafeBufferPointer { text throws(SectorStatsError) in
            // Each row's recipient and funder are a cache miss each: the slots of the rows
            // a few ahead are loaded while this one is added.
            let ahead = 8
            for i in 0..<min(ahead, facts.count) { facts.prefetch(i, index: index, partial: partial, text: text) }
            for i in 0..<facts.count {
                if i + ahead < facts.count { facts.prefetch(i + ahead, index: index, partial: partial, text: text) }
                if next < skipping.count, skipping[next] == i {
                    next += 1
                    continue
                }
                try facts.add(i, to: &partial, index: index, text: text)
            }
        }
    }
}

/// The aggregate stage's inputs, taken while the normalize stage writes its tables: the
/// organization index of the kept organizations (in table order) and the funding rows'
/// partial over the kept rows (in table order). The aggregate stage of the same run uses
/// them instead of reading the two tables back; they are what reading the tables gives
/// (`AggregateFeedTests` compares the two ways, table by table and byte by byte).
struct AggregateFeed: Sendable {
    let settings: AggregateSettings
    let index: OrganizationIndex
    let funding: FundingPartial
}
