import Dispatch
import Foundation
import Synchronization

/// Reading the rows of partials, and settling duplicates across them (DATA.md §4, §5):
/// registrations — the last row of a USCC in input order wins; funding — the first row of a
/// record_id wins. Within one file the partial has settled them already.

/// The registry across registration partials: which rows are kept, in input order.
struct RegistryMerge {
    /// Per partial, per row: superseded by a row of a later file.
    private(set) var superseded: [[Bool]]
    /// Per partial: its rows superseded by later files.
    private(set) var duplicates: [Int]
    /// The kept rows' entries, in input order, until ``takeIndex(asOf:)`` takes them.
    private var entries: [OrganizationIndex.Entry] = []
    /// The kept rows' warnings.
    private(set) var warnings: [String: Int] = [:]
    /// USCC → index in `entries`, when the merge built one (several files): the
    /// organization index takes it instead of hashing every code again.
    private var table: USCCTable?

    /// The number of kept entries (they stay here until ``takeIndex(asOf:)``).
    private(set) var kept = 0

    /// The organization index of the kept entries, which it takes (not a copy of 900,000).
    mutating func takeIndex(asOf: CivilDate) -> OrganizationIndex {
        let list = entries
        entries = []
        if let table { return OrganizationIndex(consume list, asOf: asOf, table: table) }
        return OrganizationIndex(list, asOf: asOf)
    }

    init(_ partials: [Partial]) throws {
        let total = partials.reduce(0) { $0 + $1.meta.rows }
        superseded = partials.map { [Bool](repeating: false, count: $0.meta.rows) }
        duplicates = [Int](repeating: 0, count: partials.count)
        // Global row → (partial, row), by the partials' row counts.
        if partials.count == 1 {
            // One file: its own duplicates are settled, nothing supersedes a row.
            entries.reserveCapacity(total)
            HugePages.advise(&entries)
            let bytes = partials[0].bytes(PartialFormat.entriesFile)
            for row in 0..<partials[0].meta.rows {
                let (entry, warnings) = try Self.entry(bytes, row, of: partials[0])
                entries.append(entry)
                warnings.add(to: &self.warnings)
            }
            kept = entries.count
            return
        }
        var firstRow: [Int] = []
        var all: [(entry: OrganizationIndex.Entry, warnings: WarningCounts)] = []
        all.reserveCapacity(total)
        HugePages.advise(&all)
        for partial in partials {
            firstRow.append(all.count)
            let bytes = partial.bytes(PartialFormat.entriesFile)
            for row in 0..<partial.meta.rows { all.append(try Self.entry(bytes, row, of: partial)) }
        }
        // Each replace is a cache miss in a large table: the slot of a code some places
        // ahead is loaded meanwhile.
        var table = USCCTable(capacity: max(total, 16))
        let ahead = 8
        var p = 0
        for at in all.indices {
            if at + ahead < all.count { table.prefetch(high: all[at + ahead].entry.uscc.high, low: all[at + ahead].entry.uscc.low) }
            while p + 1 < firstRow.count, firstRow[p + 1] <= at { p += 1 }
            if let earlier = table.replace(all[at].entry.uscc, id: Int32(at)) {
                // The earlier row is in an earlier file (a file's own are settled).
                let e = Int(earlier)
                var q = p
                while firstRow[q] > e { q -= 1 }
                superseded[q][e - firstRow[q]] = true
                duplicates[q] += 1
            }
        }
        entries.reserveCapacity(total - duplicates.reduce(0, +))
        HugePages.advise(&entries)
        // Per row, its place among the kept entries: the table's ids become entry indexes.
        var kept = [Int32](repeating: -1, count: all.count)
        var g = 0
        for (p, partial) in partials.enumerated() {
            for row in 0..<partial.meta.rows {
                defer { g += 1 }
                if superseded[p][row] { continue }
                kept[g] = Int32(entries.count)
                entries.append(all[g].entry)
                all[g].warnings.add(to: &warnings)
            }
        }
        // Every id left in the table is a kept row's (a superseded row's id was replaced).
        table.renumber { kept[Int($0)] }
        self.table = table
        self.kept = entries.count
    }

    /// Row `row` of a registration partial's `entries.bin` (`all`: that section's bytes).
    @inline(__always)
    static func entry(_ all: UnsafeRawBufferPointer, _ row: Int, of partial: Partial) throws -> (OrganizationIndex.Entry, WarningCounts) {
        let at = row * PartialFormat.entryBytes
        @inline(__always) func word32(_ o: Int) -> UInt32 {
            UInt32(littleEndian: all.loadUnaligned(fromByteOffset: at + o, as: UInt32.self))
        }
        @inline(__always) func word64(_ o: Int) -> UInt64 {
            UInt64(littleEndian: all.loadUnaligned(fromByteOffset: at + o, as: UInt64.self))
        }
        let high = word64(0), low = word64(8)
        // 31^9: each half is nine base-31 digits.
        let limit: UInt64 = 26_439_622_160_671
        let type = Int(all[at + 36])
        guard high < limit, low < limit, type < OrgType.byOrdinal.count,
              let registered = PartialFormat.unpackDate(UInt64(word32(16))) else {
            throw partial.corrupt(PartialFormat.entriesFile, "entry \(row + 1) holds values the builder never writes")
        }
        let dereg = word32(20)
        var deregistered: CivilDate?
        if dereg != 0 {
            guard let d = PartialFormat.unpackDate(UInt64(dereg)) else {
                throw partial.corrupt(PartialFormat.entriesFile, "entry \(row + 1) holds values the builder never writes")
            }
            deregistered = d
        }
        let entry = OrganizationIndex.Entry(
            uscc: USCC(high: high, low: low), type: OrgType.byOrdinal[type], registeredOn: registered,
            deregisteredOn: deregistered, provinceCode: Int32(bitPattern: word32(24)), countyCode: Int32(bitPattern: word32(28)))
        return (entry, WarningCounts(packed: word32(32)))
    }
}

/// Funding duplicates across partials: one set of every record_id, filled in input order.
/// The one structure of the merge that grows with the funding history; with a
/// ``RecordBucket`` it holds only the ids of that bucket (a merge per bucket on a cluster).
struct FundingDedup {
    /// Per partial, per row: a record_id seen in an earlier file (or, with a bucket, a row
    /// of another bucket) — a row not to aggregate.
    private(set) var duplicate: [[Bool]] = []
    /// Per partial: its rows that are duplicates of earlier rows (of the bucket).
    private(set) var duplicates: [Int] = []

    init(_ partials: [Partial], bucket: RecordBucket? = nil) throws {
        var ids = FundingIDs(expectedRows: partials.dropLast().reduce(0) { $0 + $1.meta.rows }, bucket: bucket)
        for (p, partial) in partials.enumerated() {
            let (flags, count) = try ids.add(partial, record: p + 1 < partials.count)
            duplicate.append(flags)
            duplicates.append(count)
        }
    }
}

/// The record_ids seen so far (of one bucket, or all), taking the funding partials one at a
/// time in input order.
struct FundingIDs {
    private var seen = ByteKeySet()
    let bucket: RecordBucket?

    /// `rows`: the rows whose ids will be recorded.
    init(expectedRows rows: Int, bucket: RecordBucket?) {
        self.bucket = bucket
        seen.reserve(bucket.map { rows / $0.count + rows / ($0.count * 8) + 16 } ?? rows)
    }

    @inline(__always)
    func prefetch(_ id: UnsafeBufferPointer<UInt8>) { seen.prefetch(id) }

    @inline(__always)
    func contains(_ id: UnsafeBufferPointer<UInt8>) -> Bool { seen.contains(id) }

    /// Checks the ids of `partial`'s rows against those recorded, and records them unless
    /// `record` is false (the last partial); returns per row whether not to aggregate it (a
    /// duplicate, or of another bucket), and how many are duplicates.
    mutating func add(_ partial: Partial, record: Bool = true) throws -> (skip: [Bool], duplicates: Int) {
        var flags = [Bool](repeating: false, count: partial.meta.rows)
        let count = try flags.withUnsafeMutableBufferPointer { try add(partial, into: $0, record: record) }
        return (flags, count)
    }

    /// As ``add(_:record:)``, writing the flags into `flags` (one per row, all false on entry).
    mutating func add(_ partial: Partial, into flags: UnsafeMutableBufferPointer<Bool>, record: Bool) throws -> Int {
        precondition(flags.count >= partial.meta.rows, "a flag per row")
        let rows = partial.meta.rows
        // With a bucket, every row is another bucket's until its id is read.
        if bucket != nil, let base = flags.baseAddress { base.update(repeating: true, count: rows) }
        var count = 0
        // Every look-up is a cache miss in a large table: the slots of the ids some places
        // ahead are loaded meanwhile.
        let read = try partial.forEachRecordID(in: bucket) { row, id, ahead in
            if let ahead { seen.prefetch(ahead) }
            let duplicate = record ? !seen.insert(id) : seen.contains(id)
            if duplicate { count += 1 }
            flags[row] = duplicate
        }
        guard bucket != nil || read == rows else {
            throw partial.corrupt(PartialFormat.idsFile, "\(read) record_ids for \(rows) rows")
        }
        return count
    }
}

/// Which rows of one funding partial the merge steps over (duplicates of earlier rows, or
/// rows of another bucket), with a semaphore per row block that the accumulation of a
/// block waits on.
///
/// `@unchecked Sendable`: `rows` is written only by the one settling thread, and only the
/// rows of blocks it has not yet marked settled; a reader reads a block's rows only after
/// ``rows(ofBlock:)`` has waited on that block's semaphore, whose signal follows the writes
/// (so they happen before the reads). Settled rows are never written again, and the buffer
/// lives as long as the object.
final class SkipFlags: @unchecked Sendable {
    private let rows: UnsafeMutableBufferPointer<Bool>
    private let blocks: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Int, SectorStatsError>?>(nil)

    /// Flags for `count` rows in `blocks` row blocks, none settled yet.
    init(rows count: Int, blocks: Int) {
        rows = .allocate(capacity: max(count, 1))
        rows.initialize(repeating: false)
        self.blocks = (0..<blocks).map { _ in DispatchSemaphore(value: 0) }
    }

    /// Flags for the rows and row blocks of `partial`, none settled yet.
    convenience init(_ partial: Partial) {
        self.init(rows: partial.meta.rows, blocks: partial.meta.rowBlocks.count)
    }

    /// Flags already known (a bucket's), all settled.
    convenience init(settled flags: [Bool], duplicates: Int, blocks: Int) {
        self.init(rows: flags.count, blocks: blocks)
        for (i, f) in flags.enumerated() { rows[i] = f }
        finish(.success(duplicates), settledBlocks: 0)
    }

    deinit { rows.deallocate() }

    var blockCount: Int { blocks.count }

    /// For the settling thread: where the flags go (before their block is settled).
    var writable: UnsafeMutableBufferPointer<Bool> { rows }

    /// For the settling thread: the flags of every block are final already (all false:
    /// nothing to skip); the outcome still follows with ``finish(_:settledBlocks:)``.
    func settleAll() { for b in blocks { b.signal() } }

    /// For the settling thread: the partial is done (its duplicate count) or failed; the
    /// blocks from `settledBlocks` on are released (a failure is thrown to their readers).
    func finish(_ result: Result<Int, SectorStatsError>, settledBlocks: Int) {
        outcome.withLock { $0 = result }
        for b in settledBlocks..<blocks.count { blocks[b].signal() }
        done.signal()
    }

    /// The flags, once those of block `b` are settled (waits); valid while this object lives.
    func rows(ofBlock b: Int) throws -> UnsafeBufferPointer<Bool> {
        blocks[b].wait()
        blocks[b].signal()
        if case .failure(let e)? = outcome.withLock({ $0 }) { throw e }
        return UnsafeBufferPointer(rows)
    }

    /// The partial's rows that are duplicates, once all are settled (waits).
    func duplicates() throws -> Int {
        done.wait()
        done.signal()
        guard let r = outcome.withLock({ $0 }) else { throw SectorStatsError(.internalError, "duplicates not settled") }
        return try r.get()
    }
}

/// ``FundingIDs`` on a thread of its own, partial by partial, so that the merge can
/// accumulate a partial as soon as its duplicates are settled. The first partial's rows are
/// settled from the start (nothing comes before them: its ids are only recorded), the last
/// partial's ids are only checked, and one partial alone needs no ids at all. A dedicated
/// thread, not a Dispatch work item: the merge's workers wait for it, and they may hold
/// every thread of Dispatch's pool.
final class FundingDedupThread: Sendable {
    let flags: [SkipFlags]

    init(_ partials: [Partial]) {
        flags = partials.map { SkipFlags($0) }
        if let first = flags.first { first.settleAll() }
        guard partials.count > 1 else {
            flags.first?.finish(.success(0), settledBlocks: flags.first?.blockCount ?? 0)
            return
        }
        let flags = flags
        let thread = Thread {
            var ids = FundingIDs(expectedRows: partials.dropLast().reduce(0) { $0 + $1.meta.rows }, bucket: nil)
            var failure: SectorStatsError?
            for (p, partial) in partials.enumerated() {
                let f = flags[p]
                // The first partial's flags were released at the start.
                let released = p == 0 ? f.blockCount : 0
                if let failure {
                    f.finish(.failure(failure), settledBlocks: released)
                    continue
                }
                do {
                    // The first partial's flags stay false (read already): its ids go to a
                    // scratch buffer, where a repeat would mean a damaged partial.
                    let count: Int
                    if p == 0 {
                        var scratch = [Bool](repeating: false, count: partial.meta.rows)
                        count = try scratch.withUnsafeMutableBufferPointer { try ids.add(partial, into: $0, record: true) }
                        guard count == 0 else {
                            throw partial.corrupt(PartialFormat.idsFile, "a record_id is there twice")
                        }
                    } else {
                        count = try ids.add(partial, into: f.writable, record: p + 1 < partials.count)
                    }
                    partial.evict(PartialFormat.idsFile)
                    f.finish(.success(count), settledBlocks: released)
                } catch {
                    let e = error as? SectorStatsError ?? SectorStatsError(.internalError, file: partial.folder, "\(error)")
                    failure = e
                    f.finish(.failure(e), settledBlocks: released)
                }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The flags of `partials[done...]` only (a merge that resumes from the accumulators of
    /// `partials[..<done]`): their duplicates among themselves and of the earlier partials'
    /// ids. The set holds the new partials' ids only; the earlier ids are streamed past it
    /// (a look-up in a small table each, not an insert into one of every id), and those it
    /// holds are looked for again in the new partials.
    init(_ partials: [Partial], after done: Int) {
        let new = Array(partials[done...])
        let old = Array(partials[..<done])
        flags = new.map { SkipFlags($0) }
        let flags = flags
        let thread = Thread {
            do {
                var seen = FundingIDs(expectedRows: new.reduce(0) { $0 + $1.meta.rows }, bucket: nil)
                var counts = try new.indices.map { try seen.add(new[$0], into: flags[$0].writable, record: true) }
                // The earlier ids on two threads (the merge's workers wait for these flags
                // meanwhile), alternate blocks each; `seen` is only read from here on.
                let found = Self.streamPast(old, seen: seen)
                let again = try found.map { try $0.get() }
                if again.contains(where: { !$0.isEmpty }) {
                    for (i, partial) in new.enumerated() {
                        let rows = flags[i].writable
                        try partial.forEachRecordID(in: nil) { row, id, _ in
                            if !rows[row], again.contains(where: { $0.contains(id) }) {
                                rows[row] = true
                                counts[i] += 1
                            }
                        }
                    }
                }
                for (i, f) in flags.enumerated() { f.finish(.success(counts[i]), settledBlocks: 0) }
            } catch {
                let e = error as? SectorStatsError ?? SectorStatsError(.internalError, "\(error)")
                for f in flags { f.finish(.failure(e), settledBlocks: 0) }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The ids of `partials` that `seen` holds, found by two threads of their own (a set
    /// each), each taking every other block.
    private static func streamPast(_ partials: [Partial], seen ids: FundingIDs) -> [Result<ByteKeySet, SectorStatsError>] {
        let seen = Frozen(ids)
        let results = ConcurrentSlots<Result<ByteKeySet, SectorStatsError>>(count: 2)
        let done = DispatchSemaphore(value: 0)
        for t in 0..<2 {
            let thread = Thread {
                let result: Result<ByteKeySet, SectorStatsError>
                do {
                    var again = ByteKeySet()
                    for partial in partials {
                        try partial.forEachRecordID(in: nil, blocks: { $0 % 2 == t }) { _, id, ahead in
                            if let ahead { seen.ids.prefetch(ahead) }
                            if seen.ids.contains(id) { _ = again.insert(id) }
                        }
                    }
                    result = .success(again)
                } catch {
                    result = .failure(error as? SectorStatsError ?? SectorStatsError(.internalError, "\(error)"))
                }
                results.set(t, result)
                done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        done.wait()
        done.wait()
        for p in partials { p.evict(PartialFormat.idsFile) }
        return (0..<2).map { results.take($0) ?? .failure(SectorStatsError(.internalError, "a thread gave no result")) }
    }

    /// Waits until every partial is settled.
    func wait() { for f in flags { _ = try? f.duplicates() } }
}

/// A record-id set that is only read from here on, shared by threads.
///
/// `@unchecked Sendable`: `ids` is a `let`, and ``FundingIDs/contains(_:)`` and
/// ``FundingIDs/prefetch(_:)`` only read its table and key bytes (no lazy state; the
/// reference counts of its storage are atomic); the thread that made it waits for every
/// reader to finish before it lets the set go.
private final class Frozen: @unchecked Sendable {
    let ids: FundingIDs
    init(_ ids: FundingIDs) { self.ids = ids }
}

/// The names of a funding partial: recipients (code and name), funders, industries.
struct FundingNames {
    /// Per recipient id: its normalized recipient_uscc and recipient_name.
    var recipientCodes: [UnsafeBufferPointer<UInt8>] = []
    var recipientNames: [UnsafeBufferPointer<UInt8>] = []
    var funders = ByteInterner()
    var industries = ByteInterner()

    /// The bytes point into the partial's mapping: valid while `partial` is alive.
    init(_ partial: Partial) throws {
        var c = SectionCursor(partial.bytes(PartialFormat.namesFile))
        let bad = { partial.corrupt(PartialFormat.namesFile, "the names end early or hold more than the meta says") }
        recipientCodes.reserveCapacity(partial.meta.recipients)
        recipientNames.reserveCapacity(partial.meta.recipients)
        for _ in 0..<partial.meta.recipients {
            guard let key = c.string() else { throw bad() }
            var k = SectionCursor(UnsafeRawBufferPointer(key))
            guard let code = k.string() else { throw bad() }
            recipientCodes.append(code)
            recipientNames.append(UnsafeBufferPointer(rebasing: key[k.at...]))
        }
        for (count, what) in [(partial.meta.funders, 0), (partial.meta.industries, 1)] {
            var interner = ByteInterner(capacity: count)
            for id in 0..<count {
                guard let name = c.string(), interner.intern(name) == Int32(id) else { throw bad() }
            }
            if what == 0 { funders = interner } else { industries = interner }
        }
        guard c.atEnd else { throw bad() }
    }
}

/// One decoded row of a funding partial's `facts.bin`.
struct FundingPartialRow {
    var recipient: Int
    /// -1: empty.
    var funder: Int32
    var industry: Int32
    var amount: Int64
    var cash: Int64?
    var inKind: Int64?
    var beneficiaries: Int64
    var received: CivilDate
    var region: Int?
    var line: Int
    var warnings: WarningCounts
    var purpose: Purpose
    var sourceType: SourceType

    /// Steps over the next row without decoding it: its eleven varints and its kinds byte.
    @inline(__always)
    static func skip(_ c: inout SectionCursor, partial: Partial) throws {
        var left = 11
        while left > 0, c.at < c.end {
            if c.all[c.at] < 0x80 { left -= 1 }
            c.at += 1
        }
        guard left == 0, c.at < c.end else {
            throw partial.corrupt(PartialFormat.factsFile, "a row near byte \(c.at) is cut short")
        }
        c.at += 1
    }

    /// Reads the next row; `line` carries the previous row's line in and this row's out.
    @inline(__always)
    static func read(_ c: inout SectionCursor, line: inout Int, partial: Partial) throws -> FundingPartialRow {
        let meta = partial.meta
        func bad() -> SectorStatsError {
            partial.corrupt(PartialFormat.factsFile, "a row near byte \(c.at) holds values the builder never writes")
        }
        guard let recipient = c.varint(), recipient < UInt64(meta.recipients),
              let funder = c.varint(), funder <= UInt64(meta.funders),
              let industry = c.varint(), industry <= UInt64(meta.industries),
              let amount = c.varint(), amount <= UInt64(Int64.max),
              let cash = c.varint(), cash <= UInt64(Int64.max) + 1,
              let inKind = c.varint(), inKind <= UInt64(Int64.max) + 1,
              let beneficiaries = c.varint(), beneficiaries <= UInt64(Int64.max),
              let date = c.varint(), let received = PartialFormat.unpackDate(date),
              let region = c.varint(), region <= UInt64(Int32.max),
              let step = c.varint(), step <= UInt64(Int32.max),
              let warnings = c.varint(), warnings <= UInt64(UInt32.max),
              let kinds = c.byte(), Int(kinds & 0xF) < Purpose.byOrdinal.count, Int(kinds >> 4) < SourceType.byOrdinal.count
        else { throw bad() }
        line += Int(step)
        return FundingPartialRow(
            recipient: Int(recipient), funder: Int32(funder) - 1, industry: Int32(industry) - 1, amount: Int64(amount),
            cash: cash == 0 ? nil : Int64(cash - 1), inKind: inKind == 0 ? nil : Int64(inKind - 1),
            beneficiaries: Int64(beneficiaries), received: received, region: region == 0 ? nil : Int(region - 1),
            line: line, warnings: WarningCounts(packed: UInt32(warnings)), purpose: Purpose.byOrdinal[Int(kinds & 0xF)],
            sourceType: SourceType.byOrdinal[Int(kinds >> 4)])
    }
}
