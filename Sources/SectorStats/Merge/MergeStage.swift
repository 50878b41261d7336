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
    /// `reusingQuarantine`: a `quarantine.csv.gz` these partials already gave at this gzip level
    /// (``quarantineKey(_:gzipLevel:)``), copied instead of written again.
    public static func run(registrations: [Partial], funding: [Partial], regions: RegionTable, settings: AggregateSettings,
                           folder: String, reusingQuarantine reused: String? = nil) throws -> MergeResult {
        try run(registrations: registrations, funding: funding, regions: regions, settings: settings, folder: folder,
                reusingQuarantine: reused, resumingFrom: nil, savingState: nil).result
    }

    /// ``run(registrations:funding:regions:settings:folder:reusingQuarantine:)``, and:
    ///
    /// `resumingFrom`: the funding state the last merge saved (`savingState`). When it was
    /// merged from the same registry partials, settings and program, and from the first of
    /// these funding partials (a file added at the end), those partials are not accumulated
    /// again: their accumulators are taken from it (their record ids are still read, for the
    /// duplicates of the new ones). Anything else, or a damaged state, is a full merge.
    /// `savingState`: where to save this merge's funding state for the next one.
    public static func run(registrations: [Partial], funding: [Partial], regions: RegionTable, settings: AggregateSettings,
                           folder: String, reusingQuarantine reused: String?, resumingFrom previous: String?,
                           savingState stateFile: String?) throws -> (result: MergeResult, resumed: Int) {
        try checkKinds(registrations: registrations, funding: funding)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The quarantine on a thread of its own, from start to end.
        let quarantine = Background {
            if let reused {
                try FileManager.default.copyItem(atPath: reused, toPath: folder + "/" + quarantineFile)
                return (registrations + funding).reduce(0) { $0 + $1.meta.quarantineEntries }
            }
            return try writeQuarantine(registrations + funding, to: folder + "/" + quarantineFile, level: settings.gzipLevel)
        }
        defer { quarantine.wait() }
        // Whether the last merge's state covers the first funding partials (a file added at
        // the end): its header says, before the registry is built; its bytes and settings are
        // checked when it is read, below.
        let (registrationKeys, fundingKeys) = (registrations.map(\.meta.key), funding.map(\.meta.key))
        func extended(_ buckets: Int, _ registrationsThen: [String], _ fundingThen: [String]) -> Bool {
            buckets == 1 && registrationsThen == registrationKeys && !fundingThen.isEmpty
                && fundingThen.count < fundingKeys.count && Array(fundingKeys.prefix(fundingThen.count)) == fundingThen
        }
        let planned = previous.flatMap(BucketState.header).flatMap {
            extended($0.bucket.count, $0.registrationKeys, $0.fundingKeys) && $0.asOf == settings.asOf.description
                && $0.reliefPurposes == BucketState.purposes(settings.reliefPurposes) ? $0 : nil
        }
        // Funding duplicates need no registry: settled meanwhile, partial by partial (when
        // resuming, the new partials' only).
        var dedup = planned.map { FundingDedupThread(funding, after: $0.fundingKeys.count) } ?? FundingDedupThread(funding)
        defer { dedup.wait() }
        var registry = try RegistryMerge(registrations)
        let index = registry.takeIndex(asOf: settings.asOf)
        let resumed = planned == nil ? nil : previous.flatMap { try? BucketState.read($0, settings: settings, index: index) }.flatMap {
            extended($0.bucket.count, $0.registrationKeys, $0.fundingKeys) && $0.fundingKeys == planned?.fundingKeys ? $0 : nil
        }
        if planned != nil, resumed == nil {
            // A state whose bytes or settings did not hold up: a full merge after all.
            dedup.wait()
            dedup = FundingDedupThread(funding)
        }
        let done = resumed?.fundingKeys.count ?? 0
        var merged = try aggregate(Array(funding[done...]), flags: Array(dedup.flags.suffix(funding.count - done)), index: index,
                                   settings: settings)
        if let resumed {
            // Exact accumulators: merged in any order, the same tables.
            try merged.partial.merge(resumed.merged.partial)
            merged.warnings.add(resumed.merged.warnings)
            merged.duplicates = resumed.merged.duplicates + merged.duplicates
        }
        if let stateFile {
            try BucketState(bucket: .all, asOf: settings.asOf.description, reliefPurposes: BucketState.purposes(settings.reliefPurposes),
                            registrationKeys: registrationKeys, fundingKeys: fundingKeys, merged: merged).write(to: stateFile)
        }
        return (try finish(registrations: registrations, funding: funding, registry: registry, index: index, merged: merged,
                           quarantine: quarantine, regions: regions, settings: settings, folder: folder), done)
    }

    static func checkKinds(registrations: [Partial], funding: [Partial]) throws {
        for p in registrations where p.meta.kind != .registrations {
            throw SectorStatsError(.invalidArgument, file: p.folder, "a \(p.meta.kind.rawValue) partial given as registrations")
        }
        for p in funding where p.meta.kind != .funding {
            throw SectorStatsError(.invalidArgument, file: p.folder, "a \(p.meta.kind.rawValue) partial given as funding")
        }
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
        result.organizationsWritten = registry.kept
        result.fundingWritten = result.funding.accepted
        result.quarantineRows = quarantineRows
        guard result.organizationsWritten == result.registrations.accepted, fundingPartial.rows == result.funding.accepted else {
            throw SectorStatsError(.internalError, "row accounting does not balance: accepted rows differ from rows merged")
        }
        var tables: [String: Int] = [:]
        for t in written.tables { tables[t.file] = t.rows }
        return MergeResult(normalize: result, aggregate: AggregateSummary(tables: tables, unmatchedRecipients: written.unmatchedRecipients))
    }

    /// Every funding partial's rows but those `flags` skip, accumulated. The work is every
    /// row block of every partial in input order, taken by the workers as they come (a block
    /// as soon as its flags are settled); a worker accumulates the blocks of each partial it
    /// touches into an accumulator of its own (with the partial's names adopted) and adds it
    /// to its total when it moves on. The accumulators are exact and merge in any order to
    /// the same tables.
    ///
    /// `bucket`: only the row blocks of its shards are read (the flags skip every other
    /// row); recipients are then resolved as rows use them, by each worker, not all of a
    /// partial's at once; one accumulator per worker takes every partial it touches, and
    /// `onto` (the bucket's accumulator so far) is the first worker's, so that no names are
    /// merged twice.
    static func aggregate(_ funding: [Partial], flags: [SkipFlags], index: OrganizationIndex,
                          settings: AggregateSettings, bucket: RecordBucket? = nil,
                          onto start: consuming FundingPartial? = nil) throws -> FundingMerge {
        let blocks = funding.map { partial in
            (0..<partial.meta.rowBlocks.count).filter { b in bucket.map { $0.contains(shard: partial.meta.blockShards[b]) } ?? true }
        }
        let units = blocks.enumerated().flatMap { p, bs in bs.map { (partial: p, block: $0) } }
        let sparse = bucket.map { $0.count > 1 } ?? false
        let contexts = funding.map { _ in Once<FundingContext>() }
        let left = blocks.map { BlocksLeft($0.count) }
        let workers = max(1, min(settings.workers, units.count))
        let next = Atomic<Int>(0)
        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        let slots = ConcurrentSlots<Result<(FundingPartial?, WarningTally), Error>>(count: workers)
        // Handed over, not shared: the worker that takes it holds the only reference, so it
        // grows in place.
        let seed = Mutex<FundingPartial?>(consume start)
        let takeSeed: @Sendable () -> FundingPartial? = {
            seed.withLock { s in
                let taken = s
                s = nil
                return taken
            }
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            slots.set(w, Result {
                var total: FundingPartial? = sparse ? nil : (w == 0 ? takeSeed() : nil)
                var current: (partial: Int, part: FundingPartial)?
                var tally = WarningTally()
                var batch: [FundingPartialRow] = []
                batch.reserveCapacity(batchRows)
                // Sparse: the current partial's recipients resolved so far (-2: not yet).
                var lazy: [Int32] = []
                var funderIDs: [Int32] = [], industryIDs: [Int32] = []
                var lookups: [(recipient: Int, key: (high: UInt64, low: UInt64))] = []
                var pending: [Int] = []
                while true {
                    let u = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard u < units.count else { break }
                    let (p, b) = units[u]
                    let partial = funding[p]
                    let context = try contexts[p].get {
                        let context = try FundingContext(partial, index: index, resolve: !sparse)
                        if !sparse { partial.evict(PartialFormat.namesFile) }  // copied or resolved: not read again
                        return context
                    }
                    if current?.partial != p {
                        if sparse {
                            // One accumulator for every partial: names are interned into it as rows use them.
                            lazy = [Int32](repeating: -2, count: context.codes.count)
                            funderIDs = [Int32](repeating: -2, count: context.funderNames.count)
                            industryIDs = [Int32](repeating: -2, count: context.industryNames.count)
                            let part = current?.part ?? takeSeed() ?? FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                            current = (p, part)
                        } else {
                            if let done = current { try add(done.part, to: &total) }
                            var part = FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                            part.funders.adopt(names: context.funders, industries: context.industries)
                            current = (p, part)
                        }
                    }
                    guard var part = current?.part else { throw SectorStatsError(.internalError, "no funding accumulator") }
                    current = nil  // keeps `part` uniquely referenced while it grows
                    let skip = try flags[p].rows(ofBlock: b)
                    // Rows are decoded a batch at a time, then accumulated with the rows'
                    // recipients, organizations and funders loaded some rows ahead: each is a
                    // cache miss in a table of hundreds of thousands.
                    let facts = partial.bytes(PartialFormat.factsFile)
                    let range = Partial.block(b, starts: partial.meta.rowBlocks, end: facts.count)
                    var cursor = SectionCursor(facts, from: range.lowerBound, to: range.upperBound)
                    var line = 0
                    let rows = partial.rows(ofBlock: b)
                    var r = rows.lowerBound
                    let end = rows.upperBound
                    while r < end {
                        batch.removeAll(keepingCapacity: true)
                        while r < end, batch.count < batchRows {
                            if skip[r] {
                                try FundingPartialRow.skip(&cursor, partial: partial)
                            } else {
                                batch.append(try FundingPartialRow.read(&cursor, line: &line, partial: partial))
                            }
                            r += 1
                        }
                        if sparse {
                            context.resolve(batch, of: partial, into: &lazy, pending: &pending, lookups: &lookups, index: index)
                            context.adopt(&batch, of: partial, funders: &funderIDs, industries: &industryIDs, into: &part.funders)
                        }
                        try accumulate(batch, resolved: sparse ? lazy : context.resolved, index: index, into: &part, tally: &tally)
                    }
                    guard cursor.atEnd else { throw partial.corrupt(PartialFormat.factsFile, "block \(b + 1) has bytes after its rows") }
                    // Read once: its pages leave the process now, not with the partial's last
                    // block (the record-id set is being filled meanwhile).
                    partial.evict(PartialFormat.factsFile, range: range)
                    current = (p, part)
                    if left[p].finishOne() {
                        partial.evict(PartialFormat.factsFile)
                        partial.evict(PartialFormat.namesFile)
                    }
                }
                if let done = current { try add(done.part, to: &total) }
                return (total, tally)
            })
        }
        var parts: [FundingPartial] = takeSeed().map { [$0] } ?? []  // no worker took it (no unit to work on)
        var warnings = WarningTally()
        for w in 0..<workers {
            guard let (part, t) = try slots.take(w)?.get() else { throw SectorStatsError(.internalError, "no funding accumulator") }
            warnings.add(t)
            if let part { parts.append(part) }
        }
        // The others into the one with the most funders (the seed's, whichever worker took
        // it): fewer names interned again.
        var total: FundingPartial?
        if let largest = parts.indices.max(by: { parts[$0].funders.names.count < parts[$1].funders.names.count }) {
            total = parts.remove(at: largest)
            for part in parts { try add(part, to: &total) }
        }
        let duplicates = try flags.map { try $0.duplicates() }
        let partial = total ?? FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        return FundingMerge(partial: partial, duplicates: duplicates, warnings: warnings)
    }

    /// Rows decoded at a time by the merge (small enough to stay in the core's cache).
    static let batchRows = 512

    /// Adds decoded rows to `part`; `resolved`: per recipient id of their partial, the
    /// organization (-1: none). The recipient, organization and funder of a row some places
    /// ahead are loaded meanwhile.
    @inline(__always)
    private static func accumulate(_ batch: [FundingPartialRow], resolved: [Int32], index: OrganizationIndex,
                                   into part: inout FundingPartial, tally: inout WarningTally) throws {
        try batch.withUnsafeBufferPointer { rows in
            try resolved.withUnsafeBufferPointer { resolved in
                let (far, near) = (16, 8)
                for i in rows.indices {
                    if i + far < rows.count, let base = resolved.baseAddress { Prefetch.forRead(base + rows[i + far].recipient) }
                    if i + near < rows.count {
                        let ahead = rows[i + near]
                        index.prefetch(entry: resolved[ahead.recipient])
                        part.funders.prefetch(funder: ahead.funder)
                    }
                    let row = rows[i]
                    tally.add(row.warnings)
                    let recipient = resolved[row.recipient]
                    let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                    try part.add(FundingFacts(
                        receivedOn: row.received, purpose: row.purpose, sourceType: row.sourceType, amountFen: row.amount,
                        cashFen: row.cash, inKindFen: row.inKind, beneficiaries: row.beneficiaries,
                        recipient: recipient >= 0 ? recipient : nil, funder: empty, funderIndustry: empty),
                        funder: row.funder, industry: row.industry)
                }
            }
        }
    }

    /// Merges `part` into `total` (or starts it).
    private static func add(_ part: FundingPartial, to total: inout FundingPartial?) throws {
        if var acc = total {
            total = nil
            try acc.merge(part)
            total = acc
        } else {
            total = part
        }
    }

    /// What the bytes of `quarantine.csv.gz` depend on: the partials in order (by key: their
    /// content), the gzip level and the program — not the relief purposes or the as-of date.
    static func quarantineKey(_ partials: [Partial], gzipLevel: Int) -> String {
        // gzip=chunked: compressed in 1 MiB pieces (a quarantine cached before that is not reused).
        let parts = ["program=" + SectorStatsVersion.string, "gzip_level=\(gzipLevel)", "gzip=chunked"]
            + partials.map { "\($0.meta.kind.rawValue)=\($0.meta.key)" }
        return ContentHash.text(parts.joined(separator: "\n"))
    }

    /// Writes every refused row of the partials, sorted by source (UTF-8 bytes), then line
    /// (DATA.md §5); returns the number of rows.
    static func writeQuarantine(_ partials: [Partial], to path: String, level: Int) throws -> Int {
        let writer = try CSVWriter(gzipPath: path, level: level, parallel: true)
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

/// What every worker needs of one funding partial, built once by the first: its funders and
/// industries (the ids its rows use) and each recipient resolved against the registry (-1:
/// none) — or, for a merge that uses few of the rows, the recipients' codes, resolved as
/// rows use them (``resolve(_:of:into:pending:lookups:index:)``).
struct FundingContext: Sendable {
    var funders = ByteInterner()
    var industries = ByteInterner()
    var resolved: [Int32] = []
    /// Sparse (a bucket's rows): per recipient, funder and industry id, where its code or
    /// name (length-prefixed) is in the partial's `names.bin`, checked to fit. Rows take
    /// them as they need them, instead of every bucket interning every name of every partial.
    var codes: [Int] = []
    var funderNames: [Int] = []
    var industryNames: [Int] = []

    init(_ partial: Partial, index: OrganizationIndex, resolve: Bool = true) throws {
        guard resolve else {
            self = try Self.sparse(partial)
            return
        }
        let names = try FundingNames(partial)
        funders = names.funders
        industries = names.industries
        // Each look-up is a cache miss in the registry's table: the slots of the codes a
        // few places ahead are loaded meanwhile.
        let keys = names.recipientCodes.map { OrganizationIndex.key(recipient: $0) }
        let ahead = 16
        for k in keys.prefix(ahead) { if let k { index.prefetch(key: k) } }
        var resolved = [Int32](repeating: -1, count: keys.count)
        for i in keys.indices {
            if i + ahead < keys.count, let k = keys[i + ahead] { index.prefetch(key: k) }
            if let k = keys[i], let id = index.id(key: k) { resolved[i] = id }
        }
        self.resolved = resolved
    }

    private init() {}

    private static func sparse(_ partial: Partial) throws -> FundingContext {
        var context = FundingContext()
        try context.locate(partial)
        return context
    }

    /// Where each recipient code, funder and industry is in `names.bin`, without decoding them.
    private mutating func locate(_ partial: Partial) throws {
        let bytes = partial.bytes(PartialFormat.namesFile)
        var c = SectionCursor(bytes)
        let bad = { partial.corrupt(PartialFormat.namesFile, "the names end early or hold more than the meta says") }
        let meta = partial.meta
        codes.reserveCapacity(meta.recipients)
        for _ in 0..<meta.recipients {
            guard let n = c.varint(), n <= UInt64(c.end - c.at) else { throw bad() }
            // The key is the code (length-prefixed), then the name.
            var k = SectionCursor(bytes, from: c.at, to: c.at + Int(n))
            guard let code = k.varint(), code <= UInt64(k.end - k.at) else { throw bad() }
            codes.append(c.at)
            c.at += Int(n)
        }
        for (count, what) in [(meta.funders, 0), (meta.industries, 1)] {
            var ranges: [Int] = []
            ranges.reserveCapacity(count)
            for _ in 0..<count {
                ranges.append(c.at)
                guard let n = c.varint(), n <= UInt64(c.end - c.at) else { throw bad() }
                c.at += Int(n)
            }
            if what == 0 { funderNames = ranges } else { industryNames = ranges }
        }
        guard c.atEnd else { throw bad() }
    }

    /// Sparse: gives the funders and industries of `batch` the ids of `top`, interning the
    /// names first met (`funders`, `industries`: per id of the partial, its id in `top`;
    /// -2: not yet).
    func adopt(_ batch: inout [FundingPartialRow], of partial: Partial, funders: inout [Int32], industries: inout [Int32],
               into top: inout TopFundersAccumulator) {
        let names = partial.bytes(PartialFormat.namesFile)
        for i in batch.indices {
            let f = Int(batch[i].funder)
            if f >= 0 {
                if funders[f] == -2 { funders[f] = top.names.intern(Self.string(at: funderNames[f], in: names)) }
                batch[i].funder = funders[f]
            }
            let d = Int(batch[i].industry)
            if d >= 0 {
                if industries[d] == -2 { industries[d] = top.industries.intern(Self.string(at: industryNames[d], in: names)) }
                batch[i].industry = industries[d]
            }
        }
    }

    /// The length-prefixed string at `offset` (one ``locate(_:)`` checked).
    @inline(__always)
    private static func string(at offset: Int, in names: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        var c = SectionCursor(names, from: offset)
        return c.string() ?? UnsafeBufferPointer(start: nil, count: 0)
    }

    /// Resolves the recipients of `batch` not yet in `resolved` (-2: not yet), their
    /// registry slots loaded first; `lookups` is scratch space.
    func resolve(_ batch: [FundingPartialRow], of partial: Partial, into resolved: inout [Int32], pending: inout [Int],
                 lookups: inout [(recipient: Int, key: (high: UInt64, low: UInt64))], index: OrganizationIndex) {
        pending.removeAll(keepingCapacity: true)
        lookups.removeAll(keepingCapacity: true)
        let names = partial.bytes(PartialFormat.namesFile)
        // Three passes, each loading what the next reads: the codes' bytes (scattered over
        // the names), then the registry slots of their keys.
        for row in batch where resolved[row.recipient] == -2 {
            resolved[row.recipient] = -1
            pending.append(row.recipient)
            if let base = names.baseAddress { Prefetch.forRead(base + codes[row.recipient]) }
        }
        for r in pending {
            if let k = OrganizationIndex.key(recipient: Self.string(at: codes[r], in: names)) {
                index.prefetch(key: k)
                lookups.append((r, k))
            }
        }
        for l in lookups { if let id = index.id(key: l.key) { resolved[l.recipient] = id } }
    }
}

/// A value built once, by the first caller, while the others wait for it.
final class Once<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, SectorStatsError>?>(nil)

    func get(_ make: () throws -> T) throws -> T {
        let r: Result<T, SectorStatsError> = value.withLock { v in
            if let v { return v }
            let made: Result<T, SectorStatsError>
            do { made = .success(try make()) } catch {
                made = .failure(error as? SectorStatsError ?? SectorStatsError(.internalError, "\(error)"))
            }
            v = made
            return made
        }
        return try r.get()
    }
}

/// The row blocks of one partial not yet accumulated.
final class BlocksLeft: Sendable {
    private let left: Atomic<Int>

    init(_ n: Int) { left = Atomic(n) }

    /// Counts one block done; true for the last.
    func finishOne() -> Bool { left.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 }
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
