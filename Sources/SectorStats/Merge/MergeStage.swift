import Dispatch
import Foundation
import Synchronization

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
        // Funding duplicates need no registry: settled meanwhile, partial by partial.
        let dedup = FundingDedupThread(funding)
        defer { dedup.wait() }
        let registry = try RegistryMerge(registrations)
        let index = OrganizationIndex(registry.entries, asOf: settings.asOf)
        let merged = try aggregate(funding, flags: { try dedup.flags($0) }, index: index, settings: settings)
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

    /// The funding partials' rows but those in `skip` (duplicates, or another bucket's),
    /// accumulated; `duplicates`: per partial, its rows that are duplicates.
    static func aggregate(_ funding: [Partial], skip: [[Bool]], duplicates: [Int], index: OrganizationIndex,
                          settings: AggregateSettings) throws -> FundingMerge {
        try aggregate(funding, flags: { (skip[$0], duplicates[$0]) }, index: index, settings: settings)
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

    /// Every funding partial's rows but their duplicates, accumulated. With at least as many
    /// partials as workers, each worker takes whole partials as they come (their names are
    /// read and their recipients resolved in parallel too) and merges them into its own
    /// accumulator; with fewer, each partial's blocks are split between the workers. The
    /// accumulators are exact and merge in any order to the same tables.
    static func aggregate(_ funding: [Partial], flags: @escaping @Sendable (Int) throws -> (flags: [Bool], count: Int),
                          index: OrganizationIndex, settings: AggregateSettings) throws -> FundingMerge {
        var total: FundingPartial?
        var warnings = WarningTally()
        let workers = settings.workers
        if funding.count >= workers, workers > 1 {
            let next = Atomic<Int>(0)
            let slots = ConcurrentSlots<Result<(FundingPartial?, WarningTally), Error>>(count: workers)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                slots.set(w, Result {
                    var mine: FundingPartial?
                    var tally = WarningTally()
                    while true {
                        let p = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard p < funding.count else { break }
                        let (part, t) = try aggregate(funding[p], duplicate: try flags(p).flags, index: index,
                                                      settings: settings, workers: 1)
                        funding[p].evict(PartialFormat.factsFile)
                        funding[p].evict(PartialFormat.namesFile)
                        tally.add(t)
                        try add(part, to: &mine)
                    }
                    return (mine, tally)
                })
            }
            for w in 0..<workers {
                guard let (part, t) = try slots.take(w)?.get() else { throw SectorStatsError(.internalError, "no funding accumulator") }
                warnings.add(t)
                if let part { try add(part, to: &total) }
            }
        } else {
            for (p, partial) in funding.enumerated() {
                let (part, t) = try aggregate(partial, duplicate: try flags(p).flags, index: index, settings: settings,
                                              workers: workers)
                partial.evict(PartialFormat.factsFile)
                partial.evict(PartialFormat.namesFile)
                warnings.add(t)
                try add(part, to: &total)
            }
        }
        let duplicates = try funding.indices.map { try flags($0).count }
        let partial = total ?? FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        return FundingMerge(partial: partial, duplicates: duplicates, warnings: warnings)
    }

    /// Merges `part` into `total` (or starts it).
    private static func add(_ part: FundingPartial, to total: inout FundingPartial?) throws {
        if var acc = total {
            try acc.merge(part)
            total = acc
        } else {
            total = part
        }
    }

    /// The rows of one funding partial but its duplicates, accumulated in blocks split
    /// between `workers`.
    static func aggregate(_ partial: Partial, duplicate: [Bool], index: OrganizationIndex, settings: AggregateSettings,
                          workers: Int) throws -> (FundingPartial, WarningTally) {
        let names = try FundingNames(partial)
        // Recipients are resolved as rows need them, by each worker (a bucket's rows need a
        // share of them): where each code is in `names.bin`.
        let namesBase = partial.bytes(PartialFormat.namesFile).baseAddress
        let codeStarts = names.recipientCodes.map { code in
            code.baseAddress.map { UnsafeRawPointer($0) - (namesBase ?? UnsafeRawPointer($0)) } ?? 0
        }
        let codeLengths = names.recipientCodes.map(\.count)
        let (funders, industries) = (names.funders, names.industries)
        let blocks = partial.meta.rowBlocks.count
        let parts = max(1, min(workers, blocks))
        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        let slots = ConcurrentSlots<Result<(FundingPartial, WarningTally), Error>>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            slots.set(k, Result {
                var part = FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                part.funders.adopt(names: funders, industries: industries)
                var warnings = WarningTally()
                let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                // -2: not looked up yet; -1: matches no organization.
                var resolved = [Int32](repeating: -2, count: codeStarts.count)
                let namesBytes = partial.bytes(PartialFormat.namesFile)
                for b in blocks * k / parts..<blocks * (k + 1) / parts {
                    try FundingPartialRow.forEach(inBlock: b, of: partial, skipping: duplicate) { _, row in
                        warnings.add(row.warnings)
                        var recipient = resolved[row.recipient]
                        if recipient == -2 {
                            let start = codeStarts[row.recipient]
                            let code = UnsafeRawBufferPointer(rebasing: namesBytes[start..<start + codeLengths[row.recipient]])
                            recipient = index.id(recipient: code.assumingMemoryBound(to: UInt8.self)) ?? -1
                            resolved[row.recipient] = recipient
                        }
                        try part.add(FundingFacts(
                            receivedOn: row.received, purpose: row.purpose, sourceType: row.sourceType, amountFen: row.amount,
                            cashFen: row.cash, inKindFen: row.inKind, beneficiaries: row.beneficiaries,
                            recipient: recipient >= 0 ? recipient : nil, funder: empty, funderIndustry: empty),
                            funder: row.funder, industry: row.industry)
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
            // One file of a name (the usual case): its entries as they come. Files sharing a
            // name: their entries copied out and merged by line (a stable sort: entries of one
            // line keep the order of their files).
            var shared: [(line: Int, bytes: [UInt8])] = []
            for p in order[i..<j] {
                let partial = partials[p]
                var n = 0
                try partial.forEachBlock(PartialFormat.quarantineFile) { block in
                    var c = SectionCursor(block)
                    while !c.atEnd {
                        guard let line = c.varint(), let row = c.string() else {
                            throw partial.corrupt(PartialFormat.quarantineFile, "entry \(n + 1) is cut short")
                        }
                        if j - i == 1 { try writer.append(encoded: row, rows: 1) } else { shared.append((Int(line), Array(row))) }
                        n += 1
                    }
                }
                guard n == partial.meta.quarantineEntries else {
                    throw partial.corrupt(PartialFormat.quarantineFile, "\(n) entries, \(partial.meta.quarantineEntries) were written")
                }
                count += n
            }
            if j - i > 1 {
                let sorted = shared.enumerated().sorted {
                    $0.element.line != $1.element.line ? $0.element.line < $1.element.line : $0.offset < $1.offset
                }
                for e in sorted { try e.element.bytes.withUnsafeBufferPointer { try writer.append(encoded: $0, rows: 1) } }
            }
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
