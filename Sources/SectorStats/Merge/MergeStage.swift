import Dispatch
import Foundation

/// What a merge gave: the row accounting per file and per source, and the tables written.
public struct MergeResult: Sendable, Codable, Equatable {
    public var normalize: NormalizeResult
    public var aggregate: AggregateSummary
}

/// The merge: from partials (in source order) to the five tables of DATA.md §4 and
/// `quarantine.csv.gz`. The one way into the accumulators for every run, rerun and shard.
///
/// Duplicates across files are settled here (``RegistryMerge``, ``FundingDedup``);
/// recipients are resolved against the merged registry once per distinct recipient of a
/// partial; each funding partial's rows are accumulated in blocks under
/// `DispatchQueue.concurrentPerform`, merged in a fixed order, so the tables are the same
/// for any thread count. The quarantine is written on another thread meanwhile.
///
/// As the pipeline's aggregate stage (``run(into:_:)``): the partials `partials.json`
/// lists in, the tables, `quarantine.csv.gz`, `normalize.json` (row accounting) and
/// `aggregate.json` out.
public struct MergeStage {
    public static let quarantineFile = "quarantine.csv.gz"
    public static let quarantineColumns = ["source", "line", "field", "reason", "detail", "raw"]

    /// Merges the partials and writes the tables and the quarantine into `folder`.
    public static func run(registrations: [Partial], funding: [Partial], regions: RegionTable, settings: AggregateSettings,
                           folder: String) throws -> MergeResult {
        try checkKinds(registrations: registrations, funding: funding)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The quarantine on a thread of its own, from start to end.
        let quarantine = Background {
            try writeQuarantine(registrations + funding, to: folder + "/" + quarantineFile, level: settings.gzipLevel)
        }
        defer { quarantine.wait() }
        // Funding duplicates need no registry: settled meanwhile.
        let dedup = Background { try FundingDedup(funding) }
        let registry = try RegistryMerge(registrations)
        let index = OrganizationIndex(registry.entries, asOf: settings.asOf)
        let dups = try dedup.value()
        let merged = try aggregate(funding, skip: dups.duplicate, duplicates: dups.duplicates, index: index, settings: settings)
        return try finish(registrations: registrations, funding: funding, registry: registry, index: index, merged: merged,
                          quarantine: quarantine, regions: regions, settings: settings, folder: folder)
    }

    static func checkKinds(registrations: [Partial], funding: [Partial]) throws {
        for p in registrations where p.meta.kind != .registrations {
            throw SectorStatsError(.invalidArgument, file: p.folder, "a \(p.meta.kind.rawValue) partial given as registrations")
        }
        for p in funding where p.meta.kind != .funding {
            throw SectorStatsError(.invalidArgument, file: p.folder, "a \(p.meta.kind.rawValue) partial given as funding")
        }
    }

    /// The funding partials' rows but those in `skip`, accumulated partial by partial in order.
    static func aggregate(_ funding: [Partial], skip: [[Bool]], duplicates: [Int], index: OrganizationIndex,
                          settings: AggregateSettings) throws -> FundingMerge {
        var total: FundingPartial?
        var fundingWarnings = WarningTally()
        for (p, partial) in funding.enumerated() {
            let (part, warnings) = try aggregate(partial, duplicate: skip[p], index: index, settings: settings)
            fundingWarnings.add(warnings)
            if total == nil { total = part } else { try total?.merge(part) }
        }
        let fundingPartial = total ?? FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        return FundingMerge(partial: fundingPartial, duplicates: duplicates, warnings: fundingWarnings)
    }

    /// The tables from the merged registry and funding, written into `folder`; the row
    /// accounting per file (the range partials of one file counted as the file) and per source.
    static func finish(registrations: [Partial], funding: [Partial], registry: RegistryMerge, index: OrganizationIndex,
                       merged: FundingMerge, quarantine: Background<Int>, regions: RegionTable, settings: AggregateSettings,
                       folder: String) throws -> MergeResult {
        let fundingPartial = merged.partial
        let output = try AggregateStage.assemble(index: index, funding: fundingPartial, regions: regions, settings: settings)
        let written = try AggregateStage.write(output, to: folder, gzipLevel: settings.gzipLevel)
        let quarantineRows = try quarantine.value()

        var result = NormalizeResult(registrations: RowAccounting(file: "registrations", path: "", encoding: ""),
                                     funding: RowAccounting(file: "funding", path: "", encoding: ""))
        var registrationParts: [RowAccounting] = []
        for (p, partial) in registrations.enumerated() {
            var acc = partial.meta.accounting
            acc.accepted -= registry.duplicates[p]
            acc.duplicates += registry.duplicates[p]
            registrationParts.append(acc)
        }
        var fundingParts: [RowAccounting] = []
        for (p, partial) in funding.enumerated() {
            var acc = partial.meta.accounting
            acc.accepted -= merged.duplicates[p]
            acc.duplicates += merged.duplicates[p]
            fundingParts.append(acc)
        }
        result.registrationFiles = try FileGroups.accounting(registrationParts, of: registrations)
        result.fundingFiles = try FileGroups.accounting(fundingParts, of: funding)
        for acc in result.registrationFiles + result.fundingFiles where !acc.balances {
            throw SectorStatsError(.internalError, file: acc.file,
                                   "row accounting does not balance: read \(acc.rowsRead) ≠ accepted \(acc.accepted) + quarantined \(acc.quarantined) + duplicates \(acc.duplicates)")
        }
        for acc in result.registrationFiles { result.registrations.add(acc) }
        for acc in result.fundingFiles { result.funding.add(acc) }
        result.warnings = registry.warnings
        merged.warnings.add(to: &result.warnings)
        result.organizationsWritten = registry.entries.count
        result.fundingWritten = result.funding.accepted
        result.quarantineRows = quarantineRows
        guard result.organizationsWritten == result.registrations.accepted, fundingPartial.rows == result.funding.accepted else {
            throw SectorStatsError(.internalError, "row accounting does not balance: accepted rows differ from rows merged")
        }
        var tables: [String: Int] = [:]
        for t in written.tables { tables[t.file] = t.rows }
        return MergeResult(normalize: result, aggregate: AggregateSummary(tables: tables, unmatchedRecipients: written.unmatchedRecipients))
    }

    /// The rows of one funding partial but its duplicates, accumulated in blocks.
    static func aggregate(_ partial: Partial, duplicate: [Bool], index: OrganizationIndex, settings: AggregateSettings)
        throws -> (FundingPartial, WarningTally) {
        let names = try FundingNames(partial)
        var resolved = [Int32](repeating: -1, count: names.recipientCodes.count)
        for (i, code) in names.recipientCodes.enumerated() { resolved[i] = index.id(recipient: code) ?? -1 }
        let recipients = resolved
        let (funders, industries) = (names.funders, names.industries)
        let blocks = partial.meta.rowBlocks.count
        let parts = max(1, min(settings.workers, blocks))
        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        let slots = ConcurrentSlots<Result<(FundingPartial, WarningTally), Error>>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            slots.set(k, Result {
                var part = FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                part.funders.adopt(names: funders, industries: industries)
                var warnings = WarningTally()
                let facts = partial.bytes(PartialFormat.factsFile)
                let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                for b in blocks * k / parts..<blocks * (k + 1) / parts {
                    let range = Partial.block(b, starts: partial.meta.rowBlocks, end: facts.count)
                    var cursor = SectionCursor(facts, from: range.lowerBound, to: range.upperBound)
                    var line = 0
                    let first = b * PartialFormat.blockRows
                    for r in first..<min(first + PartialFormat.blockRows, partial.meta.rows) {
                        // A row not aggregated (a duplicate, another bucket's) is stepped over
                        // undecoded; rows' lines are not used here.
                        if duplicate[r] {
                            try FundingPartialRow.skip(&cursor, partial: partial)
                            continue
                        }
                        let row = try FundingPartialRow.read(&cursor, line: &line, partial: partial)
                        warnings.add(row.warnings)
                        let recipient = recipients[row.recipient]
                        try part.add(FundingFacts(
                            receivedOn: row.received, purpose: row.purpose, sourceType: row.sourceType, amountFen: row.amount,
                            cashFen: row.cash, inKindFen: row.inKind, beneficiaries: row.beneficiaries,
                            recipient: recipient >= 0 ? recipient : nil, funder: empty, funderIndustry: empty),
                            funder: row.funder, industry: row.industry)
                    }
                    guard cursor.atEnd else {
                        throw partial.corrupt(PartialFormat.factsFile, "block \(b + 1) has bytes after its rows")
                    }
                }
                return (part, warnings)
            })
        }
        guard var (merged, warnings) = try slots.take(0)?.get() else { throw SectorStatsError(.internalError, "no funding partial") }
        for k in 1..<parts {
            guard let (p, w) = try slots.take(k)?.get() else { throw SectorStatsError(.internalError, "no funding partial") }
            try merged.merge(p)
            warnings.add(w)
        }
        return (merged, warnings)
    }

    /// Writes every refused row of the partials, sorted by source (UTF-8 bytes), then line
    /// (DATA.md §5); returns the number of rows.
    static func writeQuarantine(_ partials: [Partial], to path: String, level: Int) throws -> Int {
        let writer = try CSVWriter(gzipPath: path, level: level)
        try writer.writeRow(quarantineColumns)
        // Files by name; files of the same name interleave by line.
        let order = partials.indices.sorted { a, b in
            let (x, y) = (partials[a].meta.file, partials[b].meta.file)
            return x != y ? x.utf8.lexicographicallyPrecedes(y.utf8) : a < b
        }
        var count = 0
        var i = 0
        while i < order.count {
            var j = i + 1
            while j < order.count, partials[order[j]].meta.file == partials[order[i]].meta.file { j += 1 }
            var entries: [(line: Int, bytes: UnsafeBufferPointer<UInt8>)] = []
            for p in order[i..<j] {
                let partial = partials[p]
                var c = SectionCursor(partial.bytes(PartialFormat.quarantineFile))
                var n = 0
                while !c.atEnd {
                    guard let line = c.varint(), let row = c.string() else {
                        throw partial.corrupt(PartialFormat.quarantineFile, "entry \(n + 1) is cut short")
                    }
                    entries.append((Int(line), row))
                    n += 1
                }
                guard n == partial.meta.quarantineEntries else {
                    throw partial.corrupt(PartialFormat.quarantineFile, "\(n) entries, \(partial.meta.quarantineEntries) were written")
                }
            }
            // (A stable sort: entries of one line keep the order of their files.)
            if j - i > 1 {
                entries = entries.enumerated().sorted { $0.element.line != $1.element.line ? $0.element.line < $1.element.line : $0.offset < $1.offset }
                    .map(\.element)
            }
            for e in entries { try writer.append(encoded: e.bytes, rows: 1) }
            count += entries.count
            i = j
        }
        try writer.commit()
        return count
    }
}

/// The funding side of a merge, or of one record-id bucket of it: the accumulated tables,
/// per partial its rows dropped as duplicates of earlier rows, and the kept rows' warnings.
struct FundingMerge: Sendable {
    var partial: FundingPartial
    var duplicates: [Int]
    var warnings: WarningTally
}

/// Warnings counted per kind.
struct WarningTally: Sendable {
    /// Per ``NormalizeWarning`` case, in declaration order.
    private(set) var counts = [Int](repeating: 0, count: NormalizeWarning.allCases.count)

    init() {}

    /// A tally read back from its counts (a bucket state); nil when the count of kinds differs.
    init?(counts: [Int]) {
        guard counts.count == NormalizeWarning.allCases.count else { return nil }
        self.counts = counts
    }

    @inline(__always)
    mutating func add(_ w: WarningCounts) {
        guard !w.isEmpty else { return }
        for (i, kind) in NormalizeWarning.allCases.enumerated() { counts[i] += w.count(of: kind) }
    }

    mutating func add(_ other: WarningTally) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    func add(to tally: inout [String: Int]) {
        for (i, kind) in NormalizeWarning.allCases.enumerated() where counts[i] > 0 { tally[kind.rawValue, default: 0] += counts[i] }
    }
}

/// A value computed on another thread; `value()` waits for it.
final class Background<T: Sendable>: Sendable {
    private let group = DispatchGroup()
    private let slot = ConcurrentSlots<Result<T, Error>>(count: 1)

    init(_ body: @escaping @Sendable () throws -> T) {
        let slot = slot
        DispatchQueue.global().async(group: group) { slot.set(0, Result { try body() }) }
    }

    func wait() { group.wait() }

    /// The value, or the error the work threw (once).
    func value() throws -> T {
        group.wait()
        guard let r = slot.take(0) else { throw SectorStatsError(.internalError, "a background result was taken twice") }
        return try r.get()
    }
}
