import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which source an input file belongs to.
public enum PartialKind: String, Codable, Sendable, CaseIterable {
    case registrations, funding
}

/// A partial: what normalizing one input file gave, self-contained, in a folder
/// `<key>.partial/` that is built under a temporary name and renamed into place whole.
///
/// - `meta.json` (``PartialMeta``): the input (path, size, SHA-256, encoding), the key, the
///   row accounting of the file on its own, and each section's size and CRC-32;
/// - registrations: `entries.bin` — per kept row, ``PartialFormat/entryBytes`` fixed bytes
///   (what the merge needs: USCC, type, dates, province, county, warnings);
///   `rows.bin` — per kept row, its organizations-table CSV row (varint length, bytes), for
///   `export organizations`;
/// - funding: the kept rows in *shard blocks*: rows of one record-id shard
///   (``RecordBucket/shard(_:)``), in input order, at most ``fundingBlockRows`` to a block;
///   the blocks follow one another as the builder filled them, and a partial's row numbers
///   are in that stored order (`blockStarts`: each block's first row, `blockShards`: its
///   shard). A merge of one bucket reads only its shards' blocks. `facts.bin` — per row,
///   varints (recipient id, funder id + 1, industry id + 1, amount, cash + 1, in_kind + 1,
///   beneficiaries, packed date, region + 1, line step, warnings) and one byte (purpose
///   ordinal | source type ordinal << 4); `ids.bin` — per row its record_id (varint length,
///   bytes), one zlib block per row block (tagged with the shard), for duplicate detection
///   across files; `names.bin` — the recipients (recipient_uscc and recipient_name), funders
///   and industries the ids refer to, each a varint length and bytes;
/// - `quarantine.bin`: per refused row its line (varint) and its quarantine CSV row
///   (varint length, bytes), in line order.
///
/// `rows.bin`, `ids.bin` and `quarantine.bin` are stored as independent zlib blocks (their
/// raw and stored sizes in the meta: ``SectionWriter``); the sections the merge decodes row
/// by row in parallel (`entries.bin`, `facts.bin`) and `names.bin` are stored as they are.
/// Within a block of `facts.bin` a row's line is a step from the row before it, the
/// block's first from 0 (registrations: a block is every ``blockRows`` rows).
///
/// Within one file the duplicates are already settled (registrations: the last row of a
/// USCC wins; funding: the first row of a record_id), since that holds whatever other files
/// a run has; the merge settles them across files.
public enum PartialFormat {
    /// Bumped whenever the layout changes: a partial of another format is rebuilt.
    public static let version = 2
    public static let suffix = ".partial"
    public static let metaFile = "meta.json"
    public static let entriesFile = "entries.bin"
    public static let rowsFile = "rows.bin"
    public static let factsFile = "facts.bin"
    public static let idsFile = "ids.bin"
    public static let namesFile = "names.bin"
    public static let quarantineFile = "quarantine.bin"
    /// Rows per block of a registration partial: where the merge can split a file's rows
    /// between workers.
    public static let blockRows = 1 << 16
    /// Rows per shard block of a funding partial, at most.
    public static let fundingBlockRows = 1 << 13
    /// One registration entry: USCC halves (2 × 8), registered and deregistered dates
    /// (2 × 4, packed; 0 = none), province and county (2 × 4), warnings (4), type (1), 3 spare.
    static let entryBytes = 40

    @inline(__always)
    static func packDate(_ d: CivilDate) -> UInt32 {
        UInt32(d.year) << 9 | UInt32(d.month) << 5 | UInt32(d.day)
    }

    @inline(__always)
    static func unpackDate(_ v: UInt64) -> CivilDate? {
        guard v > 0, v < 1 << 25 else { return nil }
        return CivilDate(year: Int(v >> 9), month: Int(v >> 5 & 0xF), day: Int(v & 0x1F))
    }
}

/// `meta.json` of a partial.
public struct PartialMeta: Codable, Sendable, Equatable {
    public struct Section: Codable, Sendable, Equatable {
        public var bytes: Int64
        public var crc32: UInt32
        /// For a section stored in zlib blocks: each block's raw and stored size, in order
        /// (for `ids.bin`, and its shard).
        public var blocks: [[Int]]?
    }

    public var format: Int
    public var program: String
    public var key: String
    public var kind: PartialKind
    /// The input path as given, its base name (the quarantine's `source`), size and SHA-256.
    public var path: String
    public var file: String
    public var bytes: Int64
    public var sha256: String
    public var encoding: String
    /// The file on its own: rows read = kept rows + quarantined + duplicates within it.
    public var accounting: RowAccounting
    public var rows: Int
    /// Byte offset of every row block in the rows section (`entries.bin` / `facts.bin`).
    public var rowBlocks: [Int]
    /// Funding: each row block's first row and its record-id shard (``PartialFormat``).
    public var blockStarts: [Int] = []
    public var blockShards: [Int] = []
    public var recipients: Int
    public var funders: Int
    public var industries: Int
    public var quarantineEntries: Int
    public var sections: [String: Section]
    /// For the partial of a byte range of a file: the range, where its read began and
    /// stopped, and the key of the whole file's partial (the file's key in a manifest).
    /// Absent for a whole file.
    public var range: FileRange?

    public struct FileRange: Codable, Sendable, Equatable {
        public var range: String
        public var bounds: CSVRangeBounds
        public var fileKey: String

        init(range: CSVByteRange, bounds: CSVRangeBounds, fileKey: String) {
            self.range = range.description
            self.bounds = bounds
            self.fileKey = fileKey
        }

        enum CodingKeys: String, CodingKey {
            case range, bounds
            case fileKey = "file_key"
        }
    }
}

/// Writes one section file of a partial being built: buffered, with its CRC-32 computed as
/// it goes. The file is in the partial's temporary folder, so it needs no atomic rename of
/// its own.
///
/// With `deflate`, the section is stored as independent zlib blocks of about
/// ``blockBytes`` raw bytes, each ending on a record boundary (the caller flushes only
/// between records); blocks are compressed two at a time in parallel. For the sections
/// only export or one sequential pass reads (clean organization rows, record ids, the
/// quarantine): they are most of a partial's bytes and compress 3–4×.
final class SectionWriter {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var crc: UInt32 = 0
    /// Bytes in the file so far.
    private var stored: Int64 = 0
    /// Raw bytes handed on so far (equal to `stored` without deflate).
    private(set) var written: Int64 = 0
    private static let flushAt = 1 << 20
    static let blockBytes = 1 << 20
    private let deflate: Bool
    /// Raw blocks waiting to be compressed (with their tag: a shard), and the blocks
    /// written (raw, stored sizes, and the tag if any).
    private var pending: [(raw: [UInt8], tag: Int?)] = []
    private var blocks: [[Int]] = []

    init(path: String, deflate: Bool = false) throws {
        self.path = path
        self.deflate = deflate
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SectorStatsError(.fileNotWritable, file: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    deinit { close(fd) }

    /// Where the next byte goes.
    var position: Int { Int(written) + buffer.count }

    @inline(__always)
    func byte(_ b: UInt8) { buffer.append(b) }

    @inline(__always)
    func bytes(_ b: UnsafeBufferPointer<UInt8>) { buffer.append(contentsOf: b) }

    @inline(__always)
    func varint(_ value: UInt64) { Self.varint(value, into: &buffer) }

    /// Appends `value` as a LEB128 varint.
    @inline(__always)
    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    func word32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }

    @inline(__always)
    func word64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) } }

    /// A length-prefixed byte string.
    @inline(__always)
    func string(_ b: UnsafeBufferPointer<UInt8>) {
        varint(UInt64(b.count))
        buffer.append(contentsOf: b)
    }

    /// Writes the buffer out once it is large; call it only between records.
    @inline(__always)
    func flushIfFull() throws {
        if buffer.count >= Self.flushAt { try flush() }
    }

    func flush() throws {
        guard deflate else {
            try store(buffer)
            written += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
            return
        }
        guard !buffer.isEmpty else { return }
        written += Int64(buffer.count)
        pending.append((buffer, nil))
        buffer.removeAll(keepingCapacity: true)
        if pending.count == 2 { try compressPending() }
    }

    /// Adds `raw` as a block of its own, tagged `tag` (deflate only; the buffer must be
    /// empty: a section is written either through the buffer or block by block).
    func block(_ raw: [UInt8], tag: Int) throws {
        precondition(deflate && buffer.isEmpty, "tagged blocks are for a deflated section written block by block")
        guard !raw.isEmpty else { return }
        written += Int64(raw.count)
        pending.append((raw, tag))
        if pending.count == 2 { try compressPending() }
    }

    /// Compresses the pending blocks in parallel and writes them in order.
    private func compressPending() throws {
        let raw = pending
        pending = []
        let slots = ConcurrentSlots<Result<[UInt8], Error>>(count: raw.count)
        DispatchQueue.concurrentPerform(iterations: raw.count) { i in
            slots.set(i, Result { try raw[i].raw.withUnsafeBytes { try ZlibBlock.compress($0) } })
        }
        for i in raw.indices {
            guard let block = try slots.take(i)?.get() else { throw SectorStatsError(.internalError, file: path, "a block was not compressed") }
            try store(block)
            blocks.append([raw[i].raw.count, block.count] + (raw[i].tag.map { [$0] } ?? []))
        }
    }

    private func store(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            crc = CRC32.update(crc, raw)
            var at = 0
            while at < raw.count {
                guard let base = raw.baseAddress else { break }
                let n = write(fd, base + at, raw.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SectorStatsError(.fileNotWritable, file: path, "cannot write: \(String(cString: strerror(errno)))")
                }
                at += n
            }
        }
        stored += Int64(bytes.count)
    }

    /// Writes what is left; returns the section's size and CRC (and blocks).
    func finish() throws -> PartialMeta.Section {
        try flush()
        if deflate { try compressPending() }
        return PartialMeta.Section(bytes: stored, crc32: crc, blocks: deflate ? blocks : nil)
    }
}

/// Writes the kept rows of a funding partial in shard blocks (see ``PartialFormat``): per
/// shard a block of facts and one of record ids are filled, and written out (the ids
/// deflated, tagged with the shard) when the block holds ``PartialFormat/fundingBlockRows``
/// rows, and at the end in shard order. At most one block per shard is held.
final class ShardedRowsWriter {
    let facts: SectionWriter
    let ids: SectionWriter
    private var factsBuffers: [[UInt8]]
    private var idsBuffers: [[UInt8]]
    private var counts: [Int]
    /// Per shard: the line of its block's last row (0 at a block's start).
    private var lines: [Int]
    private(set) var rowBlocks: [Int] = []
    private(set) var blockStarts: [Int] = []
    private(set) var blockShards: [Int] = []
    /// Rows written out so far.
    private(set) var rows = 0

    init(facts: String, ids: String) throws {
        self.facts = try SectionWriter(path: facts)
        self.ids = try SectionWriter(path: ids, deflate: true)
        factsBuffers = [[UInt8]](repeating: [], count: RecordBucket.shards)
        idsBuffers = [[UInt8]](repeating: [], count: RecordBucket.shards)
        counts = [Int](repeating: 0, count: RecordBucket.shards)
        lines = [Int](repeating: 0, count: RecordBucket.shards)
    }

    @inline(__always)
    private static func varint(_ value: UInt64, _ out: inout [UInt8]) { SectionWriter.varint(value, into: &out) }

    /// Adds a row: its record id, then its facts (see ``PartialFormat``) but the line, which
    /// is given as is and stored as a step within the block.
    @inline(__always)
    func add(id: UnsafeBufferPointer<UInt8>, recipient: UInt64, funder: UInt64, industry: UInt64, amount: UInt64, cash: UInt64,
             inKind: UInt64, beneficiaries: UInt64, date: UInt64, region: UInt64, line: Int, warnings: UInt64, kinds: UInt8) throws {
        let s = RecordBucket.shard(id)
        Self.varint(UInt64(id.count), &idsBuffers[s])
        idsBuffers[s].append(contentsOf: id)
        Self.varint(recipient, &factsBuffers[s])
        Self.varint(funder, &factsBuffers[s])
        Self.varint(industry, &factsBuffers[s])
        Self.varint(amount, &factsBuffers[s])
        Self.varint(cash, &factsBuffers[s])
        Self.varint(inKind, &factsBuffers[s])
        Self.varint(beneficiaries, &factsBuffers[s])
        Self.varint(date, &factsBuffers[s])
        Self.varint(region, &factsBuffers[s])
        Self.varint(UInt64(line - lines[s]), &factsBuffers[s])
        Self.varint(warnings, &factsBuffers[s])
        factsBuffers[s].append(kinds)
        lines[s] = line
        counts[s] += 1
        if counts[s] == PartialFormat.fundingBlockRows { try flush(s) }
    }

    private func flush(_ s: Int) throws {
        rowBlocks.append(facts.position)
        blockStarts.append(rows)
        blockShards.append(s)
        factsBuffers[s].withUnsafeBufferPointer { facts.bytes($0) }
        try facts.flushIfFull()
        try ids.block(idsBuffers[s], tag: s)
        rows += counts[s]
        factsBuffers[s].removeAll(keepingCapacity: true)
        idsBuffers[s].removeAll(keepingCapacity: true)
        counts[s] = 0
        lines[s] = 0
    }

    /// Writes the shards' last blocks (in shard order); returns the sections' meta.
    func finish() throws -> (facts: PartialMeta.Section, ids: PartialMeta.Section) {
        for s in counts.indices where counts[s] > 0 { try flush(s) }
        return (try facts.finish(), try ids.finish())
    }
}

extension Partial {
    /// Calls `body(row, id)` for every record id of a funding partial in a shard `bucket`
    /// holds (nil: all) and a block `blocks` accepts, block by block (within a block, in row
    /// order); returns the ids read. Each block must hold exactly its rows' ids.
    @discardableResult
    func forEachRecordID(in bucket: RecordBucket?, blocks wanted: (Int) -> Bool = { _ in true },
                         _ body: (_ row: Int, _ id: UnsafeBufferPointer<UInt8>, _ ahead: UnsafeBufferPointer<UInt8>?) throws -> Void)
        throws -> Int {
        var count = 0
        let shards = meta.blockShards
        try forEachBlock(PartialFormat.idsFile, wanted: { b in wanted(b) && (bucket.map { $0.contains(shard: shards[b]) } ?? true) }) {
            bytes, b in
            let rows = self.rows(ofBlock: b)
            var c = SectionCursor(bytes)
            // A second cursor some ids ahead: `body` gets that id, to load what it needs for it.
            var lead = SectionCursor(bytes)
            for _ in 0..<12 { _ = lead.string() }
            for row in rows {
                guard let id = c.string() else { throw corrupt(PartialFormat.idsFile, "block \(b + 1) ends before its rows' record ids") }
                try body(row, id, lead.string())
            }
            guard c.atEnd else { throw corrupt(PartialFormat.idsFile, "block \(b + 1) holds more record ids than rows") }
            count += rows.count
        }
        return count
    }
}

/// Reads LEB128 varints and length-prefixed strings from a mapped section, never past
/// `end`; nil on anything the writer cannot have written.
struct SectionCursor {
    let all: UnsafeRawBufferPointer
    var at: Int
    let end: Int

    init(_ all: UnsafeRawBufferPointer, from: Int = 0, to end: Int? = nil) {
        self.all = all
        at = from
        self.end = end ?? all.count
    }

    var atEnd: Bool { at >= end }

    @inline(__always)
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < end {
            let b = all[at]
            at += 1
            if shift == 63 && b > 1 { return nil }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    @inline(__always)
    mutating func byte() -> UInt8? {
        guard at < end else { return nil }
        defer { at += 1 }
        return all[at]
    }

    @inline(__always)
    mutating func string() -> UnsafeBufferPointer<UInt8>? {
        guard let n = varint(), n <= UInt64(end - at) else { return nil }
        let b = UnsafeRawBufferPointer(rebasing: all[at..<at + Int(n)]).assumingMemoryBound(to: UInt8.self)
        at += Int(n)
        return b
    }
}

/// An open partial: its meta and its sections mapped read-only.
///
/// `@unchecked Sendable` is not needed: every stored property is a `let` of a Sendable type.
public final class Partial: Sendable {
    public let folder: String
    public let meta: PartialMeta
    private let sections: [String: MappedFile]

    /// Opens the partial in `folder`. Throws `corruptData` when it is not a complete partial
    /// of this program version (missing or short sections; with `verify`, a CRC that does not
    /// match): such a partial is rebuilt, never trusted.
    public init(folder: String, verify: Bool = false) throws {
        self.folder = folder
        func bad(_ why: String) -> SectorStatsError {
            SectorStatsError(.corruptData, file: folder, "not a usable partial: \(why); it is rebuilt from its input")
        }
        guard let data = FileManager.default.contents(atPath: folder + "/" + PartialFormat.metaFile) else {
            throw bad("no \(PartialFormat.metaFile)")
        }
        // The format and program first: a meta of another format may not decode as this one.
        struct Written: Decodable { var format: Int, program: String }
        guard let written = try? JSONDecoder().decode(Written.self, from: data) else { throw bad("\(PartialFormat.metaFile) is unreadable") }
        guard written.format == PartialFormat.version, written.program == SectorStatsVersion.string else {
            throw bad("written by sectorstats \(written.program) (format \(written.format)); this is \(SectorStatsVersion.string) (format \(PartialFormat.version))")
        }
        let meta: PartialMeta
        do { meta = try JSONDecoder().decode(PartialMeta.self, from: data) } catch { throw bad("\(PartialFormat.metaFile) is unreadable") }
        let expected: [String] = meta.kind == .registrations
            ? [PartialFormat.entriesFile, PartialFormat.rowsFile, PartialFormat.quarantineFile]
            : [PartialFormat.factsFile, PartialFormat.idsFile, PartialFormat.namesFile, PartialFormat.quarantineFile]
        guard Set(meta.sections.keys) == Set(expected) else { throw bad("its sections are not those of a \(meta.kind.rawValue) partial") }
        var mapped: [String: MappedFile] = [:]
        for name in expected {
            guard let s = meta.sections[name] else { throw bad("no \(name)") }
            let file = try MappedFile(path: folder + "/" + name)
            guard Int64(file.count) == s.bytes else { throw bad("\(name) has \(file.count) bytes, \(s.bytes) were written") }
            if verify {
                guard CRC32.update(0, file.bytes) == s.crc32 else { throw bad("\(name) does not hold the bytes that were written (CRC-32)") }
                file.evict()  // read again only when used, not held from here on
            }
            mapped[name] = file
        }
        let blocksHeld: Bool
        if meta.kind == .registrations {
            blocksHeld = meta.rowBlocks.count == (meta.rows + PartialFormat.blockRows - 1) / PartialFormat.blockRows
        } else {
            let starts = meta.blockStarts
            blocksHeld = starts.count == meta.rowBlocks.count && meta.blockShards.count == starts.count
                && (starts.first ?? 0) == 0 && zip(starts, starts.dropFirst() + [meta.rows]).allSatisfy { $0 < $1 }
                && meta.blockShards.allSatisfy { (0..<RecordBucket.shards).contains($0) }
                && meta.sections[PartialFormat.idsFile]?.blocks?.count == starts.count
        }
        guard blocksHeld,
              meta.accounting.rowsRead == meta.rows + meta.accounting.quarantined + meta.accounting.duplicates else {
            throw bad("its meta is inconsistent")
        }
        if meta.kind == .registrations, Int64(meta.rows * PartialFormat.entryBytes) != meta.sections[PartialFormat.entriesFile]?.bytes {
            throw bad("\(PartialFormat.entriesFile) does not hold \(meta.rows) entries")
        }
        self.meta = meta
        sections = mapped
    }

    /// Opens the partials in `folders`, their bytes checked in parallel with `verify`.
    public static func open(_ folders: [String], verify: Bool) throws -> [Partial] {
        let slots = ConcurrentSlots<Result<Partial, Error>>(count: folders.count)
        DispatchQueue.concurrentPerform(iterations: folders.count) { i in
            slots.set(i, Result { try Partial(folder: folders[i], verify: verify) })
        }
        return try folders.indices.map { i in
            guard let r = slots.take(i) else { throw SectorStatsError(.internalError, file: folders[i], "the partial was not opened") }
            return try r.get()
        }
    }

    /// The rows of row block `b`.
    func rows(ofBlock b: Int) -> Range<Int> {
        if meta.kind == .registrations {
            return b * PartialFormat.blockRows..<min((b + 1) * PartialFormat.blockRows, meta.rows)
        }
        return meta.blockStarts[b]..<(b + 1 < meta.blockStarts.count ? meta.blockStarts[b + 1] : meta.rows)
    }

    /// A section's bytes (valid while this partial is alive).
    func bytes(_ name: String) -> UnsafeRawBufferPointer {
        sections[name]?.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// Drops a section's pages from this process once it has been read (see
    /// ``MappedFile/evict()``); reading it again still works.
    func evict(_ name: String) { sections[name]?.evict() }

    /// ``evict(_:)`` for the whole pages inside `range` of a section only (a block read
    /// while other blocks of the section are still in use).
    func evict(_ name: String, range: Range<Int>) { sections[name]?.evict(range) }

    /// Calls `body` with each block of a section's raw bytes, in order (a section stored as
    /// is: one block, its mapping). Records never straddle blocks. A block that does not
    /// inflate to its recorded size is `corruptData`.
    func forEachBlock(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachBlock(name, wanted: { _ in true }) { block, _ in try body(block) }
    }

    /// ``forEachBlock(_:_:)`` for the blocks whose index `wanted` accepts, with the index;
    /// the others are stepped over without being inflated.
    func forEachBlock(_ name: String, wanted: (Int) -> Bool, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let all = bytes(name)
        guard let blocks = meta.sections[name]?.blocks else { return try body(all, 0) }
        var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: SectionWriter.blockBytes * 2, alignment: 16)
        defer { scratch.deallocate() }
        var at = 0
        for (i, b) in blocks.enumerated() {
            guard b.count == 2 || b.count == 3, b[0] > 0, b[1] >= 0, b[1] <= all.count - at else {
                throw corrupt(name, "block \(i + 1) lies outside the file")
            }
            guard wanted(i) else {
                at += b[1]
                continue
            }
            if b[0] > scratch.count {
                scratch.deallocate()
                scratch = .allocate(byteCount: b[0], alignment: 16)
            }
            let raw = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<b[0]])
            guard ZlibBlock.uncompress(UnsafeRawBufferPointer(rebasing: all[at..<at + b[1]]), into: raw) else {
                throw corrupt(name, "block \(i + 1) does not inflate to its \(b[0]) bytes")
            }
            try body(UnsafeRawBufferPointer(raw), i)
            at += b[1]
        }
        guard at == all.count else { throw corrupt(name, "\(all.count - at) bytes after its blocks") }
    }

    /// The byte range of block `b` of a section whose block starts are `starts`.
    static func block(_ b: Int, starts: [Int], end: Int) -> Range<Int> {
        starts[b]..<(b + 1 < starts.count ? starts[b + 1] : end)
    }

    func corrupt(_ section: String, _ why: String) -> SectorStatsError {
        SectorStatsError(.corruptData, file: folder + "/" + section,
                         "\(why); delete the partial (or run with --force) to rebuild it")
    }
}

/// Reads a section's records in order across its blocks (``Partial/forEachBlock(_:_:)``
/// pulled one record at a time). A string it returns is valid until the next call.
final class SectionStream {
    private let partial: Partial
    private let name: String
    private let all: UnsafeRawBufferPointer
    private let blocks: [[Int]]?
    private var next = 0
    private var stored = 0
    private var scratch: UnsafeMutableRawBufferPointer
    private var cursor: SectionCursor

    init(_ partial: Partial, _ name: String) {
        self.partial = partial
        self.name = name
        all = partial.bytes(name)
        blocks = partial.meta.sections[name]?.blocks
        scratch = .allocate(byteCount: blocks == nil ? 0 : SectionWriter.blockBytes * 2, alignment: 16)
        cursor = SectionCursor(blocks == nil ? all : UnsafeRawBufferPointer(start: nil, count: 0))
    }

    deinit { scratch.deallocate() }

    /// Moves to the next block when the current one is used up; false at the end.
    private func ready() throws -> Bool {
        while cursor.atEnd {
            guard let blocks, next < blocks.count else { return false }
            let b = blocks[next]
            guard b.count == 2, b[0] > 0, b[1] >= 0, b[1] <= all.count - stored else {
                throw partial.corrupt(name, "block \(next + 1) lies outside the file")
            }
            if b[0] > scratch.count {
                scratch.deallocate()
                scratch = .allocate(byteCount: b[0], alignment: 16)
            }
            let raw = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<b[0]])
            guard ZlibBlock.uncompress(UnsafeRawBufferPointer(rebasing: all[stored..<stored + b[1]]), into: raw) else {
                throw partial.corrupt(name, "block \(next + 1) does not inflate to its \(b[0]) bytes")
            }
            cursor = SectionCursor(UnsafeRawBufferPointer(raw))
            stored += b[1]
            next += 1
        }
        return true
    }

    /// The next length-prefixed string; nil at the end of the section.
    func string() throws -> UnsafeBufferPointer<UInt8>? {
        guard try ready() else { return nil }
        guard let s = cursor.string() else { throw partial.corrupt(name, "a record is cut short") }
        return s
    }

    /// The next varint; nil at the end of the section.
    func varint() throws -> UInt64? {
        guard try ready() else { return nil }
        guard let v = cursor.varint() else { throw partial.corrupt(name, "a record is cut short") }
        return v
    }

    /// Whether every record was read (and nothing follows).
    func atEnd() throws -> Bool { try !ready() }
}
