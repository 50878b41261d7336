import Foundation

/// The clean normalized tables for analysts — every kept organization and funding row, as
/// plain UTF-8 CSV with ISO dates, money as integer fen and codes instead of labels —
/// streamed from the partials on request (`sectorstats export organizations|funding`), with
/// duplicates across files settled as the merge settles them.
public enum CleanTables {
    public static let organizationsFile = "organizations.csv"
    public static let fundingFile = "funding.csv"

    /// The tables' columns, in order; the names are the CSV header.
    public enum OrganizationColumn: String, CaseIterable, Sendable {
        case uscc, name, orgType = "org_type", authority, registeredOn = "registered_on", status,
             deregisteredOn = "deregistered_on", capitalFen = "capital_fen", legalRep = "legal_rep", supervisor, scope,
             address, regionCode = "region_code", provinceCode = "province_code", countyCode = "county_code",
             isCommunity = "is_community", isCharity = "is_charity", source, line
    }

    public enum FundingColumn: String, CaseIterable, Sendable {
        case recordID = "record_id", recipientUSCC = "recipient_uscc", recipientName = "recipient_name",
             sourceType = "source_type", funder, funderIndustry = "funder_industry", amountFen = "amount_fen",
             cashFen = "cash_fen", inKindFen = "in_kind_fen", receivedOn = "received_on", purpose,
             beneficiaryRegionCode = "beneficiary_region_code", beneficiaries, source, line
    }

    public static let organizationColumns = OrganizationColumn.allCases.map(\.rawValue)

    public static let fundingColumns = FundingColumn.allCases.map(\.rawValue)

    /// Writes the kept organizations of the registration partials (in input order) to `w`;
    /// `drain` (when given) is called every few thousand rows, to pass on what `w` holds.
    public static func writeOrganizations(_ partials: [Partial], to w: CSVWriter,
                                          drain: ((CSVWriter) throws -> Void)? = nil) throws {
        try w.writeRow(organizationColumns)
        let registry = try RegistryMerge(partials)
        for (p, partial) in partials.enumerated() {
            var row = 0
            try partial.forEachBlock(PartialFormat.rowsFile) { block in
                var c = SectionCursor(block)
                while !c.atEnd {
                    guard let bytes = c.string(), row < partial.meta.rows else {
                        throw partial.corrupt(PartialFormat.rowsFile, "row \(row + 1) is cut short or beyond the rows")
                    }
                    if !registry.superseded[p][row] { try w.append(encoded: bytes, rows: 1) }
                    row += 1
                    if row % 4096 == 0 { try drain?(w) }
                }
            }
            guard row == partial.meta.rows else { throw partial.corrupt(PartialFormat.rowsFile, "\(row) rows, \(partial.meta.rows) were written") }
        }
    }

    /// Writes the kept funding rows of the funding partials (in input order) to `w`
    /// (`drain`: as for ``writeOrganizations(_:to:drain:)``).
    public static func writeFunding(_ partials: [Partial], to w: CSVWriter, drain: ((CSVWriter) throws -> Void)? = nil) throws {
        try w.writeRow(fundingColumns)
        let dedup = try FundingDedup(partials)
        for (p, partial) in partials.enumerated() {
            let names = try FundingNames(partial)
            // The ids are stored shard by shard: gathered by row first.
            var arena: [UInt8] = []
            var ends = [Int](repeating: -1, count: partial.meta.rows)
            var starts = [Int](repeating: 0, count: partial.meta.rows)
            let read = try partial.forEachRecordID(in: nil) { row, id, _ in
                guard ends[row] < 0 else { throw partial.corrupt(PartialFormat.idsFile, "row \(row + 1) has two record_ids") }
                starts[row] = arena.count
                arena.append(contentsOf: id)
                ends[row] = arena.count
            }
            guard read == partial.meta.rows else {
                throw partial.corrupt(PartialFormat.idsFile, "\(read) record_ids for \(partial.meta.rows) rows")
            }
            try arena.withUnsafeBufferPointer { arena in
                // Rows are stored in shard blocks, each in line order: the blocks merged by line.
                var merge = try LineOrder(partial)
                while let (r, row) = try merge.next() {
                    if dedup.duplicate[p][r] { continue }
                    w.field(bytes: UnsafeBufferPointer(rebasing: arena[starts[r]..<ends[r]]))
                    w.field(bytes: names.recipientCodes[row.recipient])
                    w.field(bytes: names.recipientNames[row.recipient])
                    w.field(row.sourceType.rawValue)
                    if row.funder >= 0 { names.funders.withBytes(row.funder) { w.field(bytes: $0) } } else { w.field("") }
                    if row.industry >= 0 { names.industries.withBytes(row.industry) { w.field(bytes: $0) } } else { w.field("") }
                    w.field(row.amount)
                    w.field(row.cash)
                    w.field(row.inKind)
                    w.field(date: row.received)
                    w.field(row.purpose.rawValue)
                    w.field(row.region.map(Int64.init))
                    w.field(row.beneficiaries)
                    w.field(partial.meta.file)
                    w.field(Int64(row.line))
                    try w.endRow()
                    if r % 4096 == 0 { try drain?(w) }
                }
                try drain?(w)
            }
        }
    }

    /// The rows of a funding partial in line order (input order): its row blocks, each in
    /// line order, merged through a binary heap by the line of each block's next row.
    struct LineOrder {
        private struct Block {
            var cursor: SectionCursor
            var line = 0
            var row: Int
            let end: Int
            var current: FundingPartialRow
        }
        private let partial: Partial
        private var heap: [Block] = []

        init(_ partial: Partial) throws {
            self.partial = partial
            let facts = partial.bytes(PartialFormat.factsFile)
            for b in 0..<partial.meta.rowBlocks.count {
                let rows = partial.rows(ofBlock: b)
                let range = Partial.block(b, starts: partial.meta.rowBlocks, end: facts.count)
                var cursor = SectionCursor(facts, from: range.lowerBound, to: range.upperBound)
                var line = 0
                let first = try FundingPartialRow.read(&cursor, line: &line, partial: partial)
                push(Block(cursor: cursor, line: line, row: rows.lowerBound, end: rows.upperBound, current: first))
            }
        }

        /// The next row (its row number in the partial, and the row); nil after the last.
        mutating func next() throws -> (Int, FundingPartialRow)? {
            guard var top = heap.first else { return nil }
            let out = (top.row, top.current)
            top.row += 1
            if top.row < top.end {
                top.current = try FundingPartialRow.read(&top.cursor, line: &top.line, partial: partial)
                heap[0] = top
            } else {
                guard top.cursor.atEnd else { throw partial.corrupt(PartialFormat.factsFile, "a block has bytes after its rows") }
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            siftDown(0)
            return out
        }

        private mutating func push(_ b: Block) {
            heap.append(b)
            var i = heap.count - 1
            while i > 0, heap[(i - 1) / 2].current.line > heap[i].current.line {
                heap.swapAt(i, (i - 1) / 2)
                i = (i - 1) / 2
            }
        }

        private mutating func siftDown(_ start: Int) {
            var i = start
            while true {
                let (l, r) = (2 * i + 1, 2 * i + 2)
                var m = i
                if l < heap.count, heap[l].current.line < heap[m].current.line { m = l }
                if r < heap.count, heap[r].current.line < heap[m].current.line { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
    }

    /// Writes the clean table `name` (`organizations` or `funding`) of the run whose output
    /// folder is `outputDirectory`, from the partials its normalize stage lists.
    public static func export(_ name: String, outputDirectory: String, to w: CSVWriter,
                              drain: ((CSVWriter) throws -> Void)? = nil) throws {
        let stages = outputDirectory + "/stages"
        let listPath = stages + "/" + StageName.normalize.folderName + "/" + PartialList.file
        guard FileManager.default.fileExists(atPath: listPath) else {
            throw SectorStatsError(.missingStageInput, file: listPath, "no run in \(outputDirectory) has normalized its inputs yet: run `sectorstats run` first")
        }
        let (registrations, funding) = try JSON.read(PartialList.self, from: listPath).open(in: stages + "/partials")
        switch name {
        case "organizations": try writeOrganizations(registrations, to: w, drain: drain)
        case "funding": try writeFunding(funding, to: w, drain: drain)
        default: throw SectorStatsError(.invalidArgument, field: "table", "the clean tables are organizations and funding, not \(name)")
        }
    }
}

extension CleanTables.OrganizationColumn {
    /// The column's position in the table (its declaration order).
    public var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

extension CleanTables.FundingColumn {
    /// The column's position in the table (its declaration order).
    public var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
