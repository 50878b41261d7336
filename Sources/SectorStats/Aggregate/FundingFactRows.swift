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
    /// its funder's slot among the facts file's names.
    @inline(__always)
    func prefetch(_ i: Int, index: OrganizationIndex, facts: FundingFactsWriter, text all: UnsafeBufferPointer<UInt8>) {
        let row = rows[i]
        if row.hasRecipientKey { index.prefetch(key: (row.recipientHigh, row.recipientLow)) }
        facts.prefetch(funder: UnsafeBufferPointer(rebasing: all[start(i)..<row.funderEnd]))
    }

    @inline(__always)
    private func start(_ i: Int) -> Int { i == 0 ? 0 : rows[i - 1].industryEnd }

    /// Appends row `i` to the facts file and adds it to `partial`, by the ids the file gives
    /// its funder and industry (`all`: this value's `text`).
    @inline(__always)
    func add(_ i: Int, to partial: inout FundingPartial, facts: FundingFactsWriter, index: OrganizationIndex,
             text all: UnsafeBufferPointer<UInt8>) throws {
        let row = rows[i]
        let funderEnd = row.funderEnd
        let f = FundingFacts(
            receivedOn: row.receivedOn, purpose: row.purpose, sourceType: row.sourceType, amountFen: row.amountFen,
            cashFen: row.cashFen == .min ? nil : row.cashFen, inKindFen: row.inKindFen == .min ? nil : row.inKindFen,
            beneficiaries: row.beneficiaries,
            recipient: row.hasRecipientKey ? index.id(key: (row.recipientHigh, row.recipientLow)) : nil,
            funder: UnsafeBufferPointer(rebasing: all[start(i)..<funderEnd]),
            funderIndustry: UnsafeBufferPointer(rebasing: all[funderEnd..<row.industryEnd]))
        let ids = try facts.append(f)
        try partial.add(f, funder: ids.funder, industry: ids.industry)
    }
}

/// The funding side of an ``AggregateFeed`` while it is being filled: the index the rows
/// are joined with, the partial they are added to, and the facts file they are written to
/// (``FundingFactsFile``), whose funder and industry ids the partial counts by.
struct FundingFeed {
    let index: OrganizationIndex
    var partial: FundingPartial
    let facts: FundingFactsWriter

    init(index: OrganizationIndex, settings: AggregateSettings, factsPath: String) throws {
        self.index = index
        partial = FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        facts = try FundingFactsWriter(path: factsPath, organizations: index.count)
    }

    /// Adds the rows of `rows` but those at the indexes in `skipping` (ascending: the
    /// duplicates), in order.
    mutating func add(_ rows: FundingFactRows, skipping: [Int]) throws {
        var next = 0  // the next index in `skipping`
        try rows.text.withUnsafeBufferPointer { text in
            // Each row's recipient and funder are a cache miss each: the slots of the rows
            // a few ahead are loaded while this one is added.
            let ahead = 8
            for i in 0..<min(ahead, rows.count) { rows.prefetch(i, index: index, facts: facts, text: text) }
            for i in 0..<rows.count {
                if i + ahead < rows.count { rows.prefetch(i + ahead, index: index, facts: facts, text: text) }
                if next < skipping.count, skipping[next] == i {
                    next += 1
                    continue
                }
                try rows.add(i, to: &partial, facts: facts, index: index, text: text)
            }
        }
    }

    /// Publishes the facts file (into the stage's folder) and gives the partial, with the
    /// names its funder and industry ids refer to, and the file's hash.
    consuming func finish() throws -> (partial: FundingPartial, facts: (sha256: String, bytes: Int64)) {
        let hash = try facts.commit()
        partial.funders.adopt(names: facts.funders, industries: facts.industries)
        return (partial, hash)
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
