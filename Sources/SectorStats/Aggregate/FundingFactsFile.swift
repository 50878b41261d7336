import Dispatch

/// `funding.facts`: what the aggregate stage reads of the funding table, written by the
/// normalize stage beside its tables, so that a rerun of the aggregate stage alone
/// (`--stage aggregate`, after changing the relief purposes or the as-of date) need not
/// split and parse the 1.7 GB CSV table again. Splitting it and parsing its numbers and dates
/// was about half of that rerun, and looking up each row's recipient and funder by their
/// text most of the other half: here the recipient is already an organization id and the
/// funder and industry are ids into string tables.
///
/// It holds the kept funding rows in table order, settings-free (every row, whatever its
/// date; the tables' settings apply when it is read), so it is a normalize output like the
/// tables, hashed with them in the stage record. Layout (integers little-endian; "varint"
/// is unsigned LEB128):
///
/// - rows, each: varints recipient id + 1 (0: matches no organization), funder id + 1 and
///   industry id + 1 (0: empty), amount_fen, cash_fen + 1 and in_kind_fen + 1 (0: empty),
///   beneficiaries, the date as (year + 32768) << 9 | month << 5 | day; then one byte,
///   purpose ordinal | source type ordinal << 4;
/// - the funders' names, then the industries', in id order, each a varint length and the
///   bytes;
/// - the byte offset of every block of ``blockRows`` rows (`UInt64` each), so that readers
///   can split the rows between threads;
/// - a trailer of nine `UInt64`: magic, version, rows, organizations (the size of the index
///   the recipient ids refer to: the organizations table's rows), funders, industries, where
///   the names start, where the block offsets start, rows per block.
///
/// Anything else — a short file, an id out of range, a block that does not end where the
/// next begins — is `corruptData` naming the file, like a damaged table.
enum FundingFactsFile {
    static let name = "funding.facts"
    /// "SSFACTS1" read as a little-endian `UInt64`.
    static let magic: UInt64 = 0x3153_5443_4146_5353
    static let version: UInt64 = 1
    static let blockRows = 1 << 16
    static let trailerBytes = 9 * 8

    static func corrupt(_ detail: String) -> SectorStatsError {
        SectorStatsError(.corruptData, file: name, "\(detail); rerun the normalize stage (`sectorstats run --from normalize`)")
    }

    @inline(__always)
    static func packDate(_ d: CivilDate) -> UInt64 {
        UInt64(d.year + 32768) << 9 | UInt64(d.month) << 5 | UInt64(d.day)
    }

    @inline(__always)
    static func unpackDate(_ v: UInt64) -> CivilDate? {
        guard v < 1 << 25 else { return nil }
        return CivilDate(year: Int(v >> 9) - 32768, month: Int(v >> 5 & 0xF), day: Int(v & 0x1F))
    }
}

/// Writes `funding.facts` on the normalize stage's consuming thread, row by row in table
/// order, interning funders and industries as it goes (their ids are the feed's too).
final class FundingFactsWriter {
    private let file: AtomicFile
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 20
    /// Bytes handed to the file so far.
    private var flushed: UInt64 = 0
    /// Where the next byte goes in the file.
    private var position: UInt64 { flushed + UInt64(buffer.count) }
    private var blockOffsets: [UInt64] = []
    private(set) var funders = ByteInterner()
    private(set) var industries = ByteInterner()
    private(set) var rows = 0
    let organizations: Int

    init(path: String, organizations: Int) throws {
        file = try AtomicFile(path: path, hashing: true, direct: true)
        self.organizations = organizations
        buffer.reserveCapacity(Self.flushAt + 256)
    }

    /// Starts loading the funder's slot among the names (see ``Prefetch``).
    @inline(__always)
    func prefetch(funder: UnsafeBufferPointer<UInt8>) {
        if !funder.isEmpty { funders.prefetch(funder) }
    }

    /// Appends a row; returns its funder's and industry's ids (-1: empty).
    @inline(__always)
    func append(_ f: FundingFacts) throws -> (funder: Int32, industry: Int32) {
        let funder = f.funder.isEmpty ? -1 : funders.intern(f.funder)
        let industry = f.funderIndustry.isEmpty ? -1 : industries.intern(f.funderIndustry)
        if rows % FundingFactsFile.blockRows == 0 { blockOffsets.append(position) }
        rows += 1
        // At most 8 varints of 10 bytes and one byte.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { scratch in
            var n = 0
            @inline(__always) func put(_ value: UInt64) {
                var v = value
                while v >= 0x80 {
                    scratch[n] = UInt8(truncatingIfNeeded: v) | 0x80
                    v >>= 7
                    n += 1
                }
                scratch[n] = UInt8(v)
                n += 1
            }
            put(f.recipient.map { UInt64($0) + 1 } ?? 0)
            put(UInt64(Int64(funder) + 1))
            put(UInt64(Int64(industry) + 1))
            put(UInt64(f.amountFen))
            put(f.cashFen.map { UInt64($0) + 1 } ?? 0)
            put(f.inKindFen.map { UInt64($0) + 1 } ?? 0)
            put(UInt64(f.beneficiaries))
            put(FundingFactsFile.packDate(f.receivedOn))
            scratch[n] = UInt8(f.purpose.ordinal | f.sourceType.ordinal << 4)
            n += 1
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<n]))
        }
        if buffer.count >= Self.flushAt { try flush() }
        return (funder, industry)
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try file.write($0) }
        flushed += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    private func putVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    private func putWord(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Writes the names, block offsets and trailer and publishes the file; returns its hash.
    func commit() throws -> (sha256: String, bytes: Int64) {
        let namesStart = position
        for interner in [funders, industries] {
            for id in 0..<interner.count {
                interner.withBytes(Int32(id)) { bytes in
                    putVarint(UInt64(bytes.count))
                    buffer.append(contentsOf: bytes)
                }
                if buffer.count >= Self.flushAt { try flush() }
            }
        }
        let blocksStart = position
        for o in blockOffsets { putWord(o) }
        for word in [FundingFactsFile.magic, FundingFactsFile.version, UInt64(rows), UInt64(organizations),
                     UInt64(funders.count), UInt64(industries.count), namesStart, blocksStart,
                     UInt64(FundingFactsFile.blockRows)] {
            putWord(word)
        }
        try flush()
        try file.commit()
        guard let hash = file.contentHash else { throw SectorStatsError(.internalError, file: file.path, "not hashed") }
        return hash
    }
}

/// Reads `funding.facts` into one funding partial per worker and merges them, as
/// ``AggregateStage`` does with the funding table.
enum FundingFactsReader {
    private struct Trailer: Sendable {
        var rows: Int
        var organizations: Int
        var funders: Int
        var industries: Int
        var namesStart: Int
        var blocksStart: Int
        var blockRows: Int
    }

    static func read(path: String, index: OrganizationIndex, settings: AggregateSettings) throws -> FundingPartial {
        let file = try MappedFile(path: path)
        let all = file.bytes
        let t = try trailer(all)
        guard t.organizations == index.count else {
            throw FundingFactsFile.corrupt("written for \(t.organizations) organizations, but the organizations table has \(index.count)")
        }
        let (funders, industries) = try names(all, t)
        let blocks = (t.rows + t.blockRows - 1) / t.blockRows
        var offsets: [Int] = []
        offsets.reserveCapacity(blocks + 1)
        for b in 0..<blocks {
            let o = word(all, t.blocksStart + 8 * b)
            guard o <= UInt64(t.namesStart), offsets.last.map({ UInt64($0) <= o }) ?? (o == 0) else {
                throw FundingFactsFile.corrupt("block \(b) starts at byte \(o), out of order or beyond the rows")
            }
            offsets.append(Int(o))
        }
        offsets.append(t.namesStart)
        let starts = offsets
        guard blocks > 0 || t.namesStart == 0 else { throw FundingFactsFile.corrupt("no rows, but \(t.namesStart) bytes of them") }

        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        let parts = max(1, min(settings.workers, blocks))
        let slots = ConcurrentSlots<Result<FundingPartial, Error>>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            slots.set(k, Result {
                var partial = FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                partial.funders.adopt(names: funders, industries: industries)
                for b in blocks * k / parts..<blocks * (k + 1) / parts {
                    let expected = b == blocks - 1 ? t.rows - b * t.blockRows : t.blockRows
                    // (`file` is captured, so the mapping outlives the workers.)
                    try decode(file.bytes, from: starts[b], to: starts[b + 1], rows: expected, block: b, trailer: t,
                               into: &partial)
                }
                return partial
            })
        }
        guard var merged = try slots.take(0)?.get() else { throw SectorStatsError(.internalError, "no funding partial") }
        for k in 1..<parts {
            guard let p = try slots.take(k)?.get() else { throw SectorStatsError(.internalError, "no funding partial") }
            try merged.merge(p)
        }
        return merged
    }

    @inline(__always)
    private static func word(_ all: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: all.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    private static func trailer(_ all: UnsafeRawBufferPointer) throws -> Trailer {
        let n = all.count
        guard n >= FundingFactsFile.trailerBytes else { throw FundingFactsFile.corrupt("\(n) bytes: shorter than its trailer") }
        let w = (0..<9).map { word(all, n - FundingFactsFile.trailerBytes + 8 * $0) }
        guard w[0] == FundingFactsFile.magic else { throw FundingFactsFile.corrupt("not a funding facts file (no magic number at its end)") }
        guard w[1] == FundingFactsFile.version else { throw FundingFactsFile.corrupt("version \(w[1]), this program reads \(FundingFactsFile.version)") }
        let limit = UInt64(n)
        // (Ids are 32-bit: organizations, funders and industries below Int32.max.)
        let ids = UInt64(Int32.max)
        guard w[2] < 1 << 40, w[3] < ids, w[4] < ids, w[5] < ids, w[8] > 0, w[8] < 1 << 32,
              w[6] <= w[7], w[7] <= limit else {
            throw FundingFactsFile.corrupt("its trailer is out of range")
        }
        let t = Trailer(rows: Int(w[2]), organizations: Int(w[3]), funders: Int(w[4]), industries: Int(w[5]),
                        namesStart: Int(w[6]), blocksStart: Int(w[7]), blockRows: Int(w[8]))
        let blocks = (t.rows + t.blockRows - 1) / t.blockRows
        guard t.blocksStart + 8 * blocks + FundingFactsFile.trailerBytes == n else {
            throw FundingFactsFile.corrupt("\(n) bytes, but its trailer places \(blocks) block offsets at byte \(t.blocksStart)")
        }
        return t
    }

    /// The funders' and industries' interners, ids in file order.
    private static func names(_ all: UnsafeRawBufferPointer, _ t: Trailer) throws -> (ByteInterner, ByteInterner) {
        var at = t.namesStart
        let end = t.blocksStart
        func table(_ count: Int, _ what: String) throws -> ByteInterner {
            var interner = ByteInterner()
            for id in 0..<count {
                guard let length = varint(all, &at, end), length <= UInt64(end - at) else {
                    throw FundingFactsFile.corrupt("the \(what) names end early (at \(what) \(id) of \(count))")
                }
                let bytes = UnsafeRawBufferPointer(rebasing: all[at..<at + Int(length)]).assumingMemoryBound(to: UInt8.self)
                at += Int(length)
                guard interner.intern(bytes) == Int32(id) else { throw FundingFactsFile.corrupt("\(what) \(id) repeats an earlier name") }
            }
            return interner
        }
        let funders = try table(t.funders, "funder")
        let industries = try table(t.industries, "industry")
        guard at == end else { throw FundingFactsFile.corrupt("\(end - at) bytes after the names") }
        return (funders, industries)
    }

    @inline(__always)
    private static func varint(_ all: UnsafeRawBufferPointer, _ at: inout Int, _ end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < end {
            let b = all[at]
            at += 1
            if shift == 63 && b > 1 { return nil }  // beyond 64 bits
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    /// Adds the rows of one block, checking every value against what the writer can write.
    private static func decode(_ all: UnsafeRawBufferPointer, from start: Int, to end: Int, rows: Int, block: Int,
                               trailer t: Trailer, into partial: inout FundingPartial) throws(SectorStatsError) {
        var at = start
        let (organizations, funders, industries) = (UInt64(t.organizations), UInt64(t.funders), UInt64(t.industries))
        let purposes = Purpose.byOrdinal
        let sources = SourceType.byOrdinal
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        for row in 0..<rows {
            func bad(_ what: String) -> SectorStatsError {
                FundingFactsFile.corrupt("row \(block * t.blockRows + row + 1): \(what)")
            }
            guard let recipient = varint(all, &at, end), recipient <= organizations,
                  let funder = varint(all, &at, end), funder <= funders,
                  let industry = varint(all, &at, end), industry <= industries else { throw bad("an id out of range") }
            // (cash and in_kind are stored + 1: up to Int64.max + 1.)
            guard let amount = varint(all, &at, end), amount <= UInt64(Int64.max),
                  let cash = varint(all, &at, end), cash <= UInt64(Int64.max) + 1,
                  let inKind = varint(all, &at, end), inKind <= UInt64(Int64.max) + 1,
                  let beneficiaries = varint(all, &at, end), beneficiaries <= UInt64(Int64.max) else {
                throw bad("a number out of range")
            }
            guard let packed = varint(all, &at, end), let date = FundingFactsFile.unpackDate(packed) else { throw bad("not a date") }
            guard at < end else { throw bad("cut short") }
            let kinds = Int(all[at])
            at += 1
            guard kinds & 0xF < purposes.count, kinds >> 4 < sources.count else { throw bad("an unknown purpose or source type") }
            try partial.add(FundingFacts(
                receivedOn: date, purpose: purposes[kinds & 0xF], sourceType: sources[kinds >> 4], amountFen: Int64(amount),
                cashFen: cash == 0 ? nil : Int64(cash - 1), inKindFen: inKind == 0 ? nil : Int64(inKind - 1),
                beneficiaries: Int64(beneficiaries), recipient: recipient == 0 ? nil : Int32(recipient - 1),
                funder: empty, funderIndustry: empty),
                funder: Int32(truncatingIfNeeded: Int64(funder) - 1), industry: Int32(truncatingIfNeeded: Int64(industry) - 1))
        }
        guard at == end else {
            throw FundingFactsFile.corrupt("block \(block) has \(end - at) bytes after its \(rows) rows")
        }
    }
}
