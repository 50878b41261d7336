import Dispatch
import Foundation

/// One input file to normalize into a partial, with everything its key is made of.
public struct PartialJob: Sendable {
    public var kind: PartialKind
    /// The resolved path, how to read it, header aliases.
    public var input: InputFile
    /// The path as given (for the manifest).
    public var path: String
    public var bytes: Int64
    public var sha256: String
    /// The encoding and delimiter the reader settles on (sniffed or declared).
    public var encoding: String
    public var delimiter: UInt8
    public var asOf: CivilDate
    /// The SHA-256 of the region reference tables normalize resolves regions with.
    public var referenceHash: String
    /// A byte range of a plain file (a shard of a large file), or nil for the whole file.
    public var range: CSVByteRange?
    /// The file's stamp when `sha256` was taken (``make``): the build checks that the file
    /// still has it once it has read the file, so that no partial holds other bytes than its
    /// key says. Not part of the key.
    public var stamp: FileStamp?

    public init(kind: PartialKind, input: InputFile, path: String, bytes: Int64, sha256: String, encoding: String,
                delimiter: UInt8, asOf: CivilDate, referenceHash: String) {
        self.kind = kind
        self.input = input
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.encoding = encoding
        self.delimiter = delimiter
        self.asOf = asOf
        self.referenceHash = referenceHash
    }

    /// Opens `path` to learn its encoding and delimiter, and hashes it — unless `planned`
    /// gives its hash with the stamp the file had when that hash was taken, and the file
    /// still has that stamp.
    public static func make(kind: PartialKind, path: String, given: String? = nil, read: CSVReadOptions = CSVReadOptions(),
                            aliases: [String: String] = [:], asOf: CivilDate, referenceHash: String,
                            planned: (sha256: String, stamp: FileStamp)? = nil) throws -> PartialJob {
        let reader = try CSVReader(path: path, options: read)
        let h: (sha256: String, bytes: Int64)
        let stamp: FileStamp?
        if let planned, FileStamp(path: path) == planned.stamp {
            h = (planned.sha256, planned.stamp.size)
            stamp = planned.stamp
        } else {
            stamp = FileStamp(path: path)
            h = try ContentHash.file(path)
            try FileStamp.check(path, still: stamp, "hashed")
        }
        var job = PartialJob(
            kind: kind, input: InputFile(path: path, read: read, aliases: aliases), path: given ?? path, bytes: h.bytes,
            sha256: h.sha256, encoding: reader.encoding.rawValue, delimiter: reader.delimiter, asOf: asOf,
            referenceHash: referenceHash)
        job.stamp = stamp
        return job
    }

    /// The parts of the key: the file's content, how it is read, the settings normalize uses
    /// and the program and format versions — never its path or modification time.
    public var keyParts: [String: String] {
        [
            "kind": kind.rawValue,
            "sha256": sha256,
            "encoding": encoding,
            "delimiter": String(delimiter),
            "aliases": input.aliases.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|"),
            "as_of": asOf.description,
            "reference": referenceHash,
            "program": SectorStatsVersion.string,
            "format": String(PartialFormat.version),
        ].merging(range.map { ["range": $0.description] } ?? [:]) { a, _ in a }
    }

    /// The SHA-256 over the region reference tables in `folder` (a partial's `reference`);
    /// the built-in tables hash as a folder holding the same bytes.
    public static func referenceHash(of folder: String) throws -> String {
        if ReferenceTables.isEmbedded(folder) { return try ReferenceTables.hash() }
        let files = ["regions.csv", "regions_history.csv"].map { folder + "/" + $0 }
        return ContentHash.text(try ContentHash.files(files).map(\.sha256).joined(separator: ","))
    }

    /// The same job over the whole file.
    public var wholeFile: PartialJob {
        var whole = self
        whole.range = nil
        return whole
    }

    public var key: String {
        ContentHash.text(keyParts.keys.sorted().map { "\($0)=\(keyParts[$0] ?? "")" }.joined(separator: "\n"))
    }
}

/// Normalizes one input file into a partial (``PartialFormat``): the only place raw
/// exports are turned into clean rows (DATA.md §1–§5). Chunks of the file are normalized in
/// parallel, `threads` at a time, and consumed in file order.
public enum PartialBuilder {
    /// Chunks of this size (at least) are normalized in parallel.
    public static let defaultChunkBytes = 8 << 20

    /// Builds the partial of `job` as `folder/<key>.partial` (in a temporary folder renamed
    /// into place whole) and returns its meta. An existing complete partial of the same key is
    /// replaced.
    @discardableResult
    public static func build(_ job: PartialJob, in folder: String, regions: RegionTable, threads: Int = 1,
                             chunkBytes: Int = PartialBuilder.defaultChunkBytes) throws -> PartialMeta {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let key = job.key
        let final = folder + "/" + key + PartialFormat.suffix
        let tmp = folder + "/.tmp-" + key + "-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        Cleanup.shared.register(tmp)
        defer {
            try? FileManager.default.removeItem(atPath: tmp)
            Cleanup.shared.unregister(tmp)
        }
        var meta: PartialMeta
        switch job.kind {
        case .registrations:
            meta = try RegistrationsPartialBuilder.build(job, into: tmp, regions: regions, threads: threads, chunkBytes: chunkBytes)
        case .funding:
            meta = try FundingPartialBuilder.build(job, into: tmp, regions: regions, threads: threads, chunkBytes: chunkBytes)
        }
        meta.key = key
        try FileStamp.check(job.input.path, still: job.stamp, "read")
        try JSON.write(meta, to: tmp + "/" + PartialFormat.metaFile)
        // Into place in one step that a stop by signal waits for (it removes `tmp` otherwise).
        try StopGate.shared.step {
            // A partial of this key may be there (a concurrent shard, a retry): same content.
            let old = folder + "/.old-" + key + "-\(ProcessInfo.processInfo.processIdentifier)"
            if FileManager.default.fileExists(atPath: final) {
                try? FileManager.default.moveItem(atPath: final, toPath: old)
            }
            guard rename(tmp, final) == 0 else {
                throw SectorStatsError(.fileNotWritable, file: final, "cannot move the partial into place: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(atPath: old)
            AtomicFile.syncDirectory(folder)
        }
        return meta
    }

    /// The number of chunks to read a file in.
    static func chunkCount(_ reader: CSVReader, _ chunkBytes: Int) -> Int {
        guard let size = reader.fileSize, !reader.isGzip else { return 1 }
        return Int(max(1, size / Int64(max(chunkBytes, 1))))
    }

    /// Reads the records of `job` (its range, or the whole file in parallel chunks) in
    /// file order; returns where a range's read began and stopped.
    static func read<State>(
        _ job: PartialJob, reader: CSVReader, threads: Int, chunkBytes: Int, makeState: @Sendable (Int) -> State,
        visit: @Sendable (inout State, CSVRecord) throws -> Void, consume: (State) throws -> Void
    ) throws -> PartialMeta.FileRange? {
        guard let range = job.range else {
            try CSVReader.readChunksInOrder(
                path: job.input.path, options: job.input.read, chunks: chunkCount(reader, chunkBytes), concurrency: threads,
                minChunkBytes: chunkBytes, makeState: makeState, visit: visit, consume: consume)
            return nil
        }
        let bounds = try CSVReader.readRange(path: job.input.path, options: job.input.read, range: range,
                                             makeState: makeState, visit: visit, consume: consume)
        return PartialMeta.FileRange(range: range, bounds: bounds, fileKey: job.wholeFile.key)
    }

    static func emptyMeta(_ job: PartialJob, reader: CSVReader) -> PartialMeta {
        PartialMeta(
            format: PartialFormat.version, program: SectorStatsVersion.string, key: "", kind: job.kind, path: job.path,
            file: reader.name, bytes: job.bytes, sha256: job.sha256, encoding: reader.encoding.rawValue,
            accounting: RowAccounting(file: reader.name, path: job.path, encoding: reader.encoding.rawValue), rows: 0,
            rowBlocks: [], recipients: 0, funders: 0, industries: 0, quarantineEntries: 0, sections: [:])
    }

    static func aliases<Field: HeaderField>(_ raw: [String: String], _: Field.Type, file: String) throws -> [String: Field] {
        var out: [String: Field] = [:]
        for (spelling, name) in raw {
            guard let field = Field(rawValue: name) else {
                throw SectorStatsError(.inputRefused, file: file, field: "aliases",
                                       "alias \"\(spelling)\" names an unknown field \"\(name)\"; fields are \(Field.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out[spelling] = field
        }
        return out
    }
}

/// Writes a file's quarantine entries (in line order) into `quarantine.bin`.
struct QuarantineSection {
    let writer: SectionWriter
    private let row = CSVWriter()
    private(set) var count = 0

    init(path: String) throws { writer = try SectionWriter(path: path, deflate: true) }

    mutating func add(_ entries: [QuarantineEntry]) throws {
        for q in entries {
            row.reset()
            try q.encode(to: row)
            writer.varint(UInt64(q.line))
            row.withBytes { writer.string($0) }
            try writer.flushIfFull()
        }
        count += entries.count
    }
}

extension QuarantineEntry {
    /// The entry's row of `quarantine.csv.gz` (DATA.md §4).
    func encode(to w: CSVWriter) throws {
        w.field(source)
        w.field(Int64(line))
        w.field(field)
        w.field(reason.rawValue)
        w.field(detail)
        w.field(raw)
        try w.endRow()
    }
}

extension RowAccounting {
    /// Counts a chunk's rows read and quarantined (kept rows and duplicates are settled by
    /// the caller, in file order).
    mutating func take(rowsRead: Int, quarantine: [QuarantineEntry]) {
        self.rowsRead += rowsRead
        quarantined += quarantine.count
        for q in quarantine { quarantinedByReason[q.reason.rawValue, default: 0] += 1 }
    }
}

// MARK: - Registrations

/// A chunk of registration rows normalized in parallel: each kept row encoded as its
/// organizations-table row (straight from the record's bytes) with its entry.
struct RegistrationChunk {
    let writer: CSVWriter
    var entries: [OrganizationIndex.Entry] = []
    var warnings: [WarningCounts] = []
    var rowStarts: [Int] = [0]
    var quarantine: [QuarantineEntry] = []
    var rowsRead = 0

    init(expectedBytes: Int) { writer = CSVWriter(reservingCapacity: expectedBytes) }
}

enum RegistrationsPartialBuilder {
    /// Where a row is: its chunk and its row in the chunk.
    private struct RowRef {
        var chunk: Int32
        var row: Int32
    }

    static func build(_ job: PartialJob, into dir: String, regions: RegionTable, threads: Int, chunkBytes: Int) throws -> PartialMeta {
        let reader = try CSVReader(path: job.input.path, options: job.input.read)
        var meta = PartialBuilder.emptyMeta(job, reader: reader)
        let normalizer = try RegistrationNormalizer(
            header: reader.header, source: reader.name, asOf: job.asOf, regions: regions,
            aliases: try PartialBuilder.aliases(job.input.aliases, RegistrationField.self, file: reader.name))
        meta.accounting.unknownColumns = normalizer.unknownColumns
        var quarantine = try QuarantineSection(path: dir + "/" + PartialFormat.quarantineFile)
        // Every row is kept until the end of the file: a later row may supersede it.
        var chunks: [RegistrationChunk] = []
        var refs: [RowRef] = []
        var superseded: [Bool] = []
        var lastRow = USCCTable(capacity: 1 << 12)
        meta.range = try PartialBuilder.read(
            job, reader: reader, threads: threads, chunkBytes: chunkBytes,
            makeState: { _ in RegistrationChunk(expectedBytes: chunkBytes + chunkBytes / 4) },
            visit: { state, record in
                state.rowsRead += 1
                switch try normalizer.normalize(record, encodingInto: state.writer) {
                case .passed(let c):
                    state.entries.append(normalizer.indexEntry(c))
                    state.warnings.append(c.warnings)
                    state.rowStarts.append(state.writer.count)
                case .failed(let q):
                    state.quarantine.append(q)
                }
            },
            consume: { chunk in
                meta.accounting.take(rowsRead: chunk.rowsRead, quarantine: chunk.quarantine)
                try quarantine.add(chunk.quarantine)
                Progress.shared.addRows(chunk.rowsRead)
                guard refs.count + chunk.entries.count < Int(Int32.max) else {
                    throw SectorStatsError(.inputRefused, file: reader.name, "more than \(Int32.max) organizations: split the registry")
                }
                let c = Int32(chunks.count)
                for (i, entry) in chunk.entries.enumerated() {
                    if let earlier = lastRow.replace(entry.uscc, id: Int32(refs.count)) {
                        superseded[Int(earlier)] = true
                        meta.accounting.duplicates += 1
                    }
                    refs.append(RowRef(chunk: c, row: Int32(i)))
                    superseded.append(false)
                }
                var kept = chunk
                kept.quarantine = []
                chunks.append(kept)
            })
        // The kept rows in file order: their entries and their table rows.
        let entries = try SectionWriter(path: dir + "/" + PartialFormat.entriesFile)
        let rows = try SectionWriter(path: dir + "/" + PartialFormat.rowsFile, deflate: true)
        var kept = 0
        for (i, ref) in refs.enumerated() where !superseded[i] {
            if kept % PartialFormat.blockRows == 0 { meta.rowBlocks.append(entries.position) }
            kept += 1
            let chunk = chunks[Int(ref.chunk)]
            let r = Int(ref.row)
            write(chunk.entries[r], warnings: chunk.warnings[r], to: entries)
            chunk.writer.withBytes { all in
                rows.string(UnsafeBufferPointer(rebasing: all[chunk.rowStarts[r]..<chunk.rowStarts[r + 1]]))
            }
            try entries.flushIfFull()
            try rows.flushIfFull()
        }
        meta.rows = kept
        meta.accounting.accepted = kept
        meta.quarantineEntries = quarantine.count
        meta.sections = [
            PartialFormat.entriesFile: try entries.finish(),
            PartialFormat.rowsFile: try rows.finish(),
            PartialFormat.quarantineFile: try quarantine.writer.finish(),
        ]
        return meta
    }

    static func write(_ e: OrganizationIndex.Entry, warnings: WarningCounts, to w: SectionWriter) {
        w.word64(e.uscc.high)
        w.word64(e.uscc.low)
        w.word32(PartialFormat.packDate(e.registeredOn))
        w.word32(e.deregisteredOn.map(PartialFormat.packDate) ?? 0)
        w.word32(UInt32(bitPattern: e.provinceCode))
        w.word32(UInt32(bitPattern: e.countyCode))
        w.word32(warnings.packed)
        w.byte(UInt8(e.type.ordinal))
        w.byte(0)
        w.byte(0)
        w.byte(0)
    }
}

// MARK: - Funding

/// A chunk of funding rows normalized in parallel: each kept row's values and its text
/// fields (normalized bytes, one buffer per chunk, so a row allocates nothing).
struct FundingChunk {
    struct Row {
        var amount: Int64
        var cash: Int64?
        var inKind: Int64?
        var beneficiaries: Int64
        var received: CivilDate
        var purpose: Purpose
        var sourceType: SourceType
        var region: Int?
        var line: Int
        var warnings: WarningCounts
        /// Where the row's record_id, recipient key (recipient_uscc's length as a varint,
        /// recipient_uscc), recipient_name, funder and funder_industry end in `text` (each
        /// starts where the one before ends): the recipient as interned is the key and the name.
        var ends: (Int, Int, Int, Int, Int)
        /// ``ByteInterner/hash(_:)`` of the recipient (key and name) and of the funder,
        /// computed by the worker so that the builder can load their slots ahead.
        var recipientHash: UInt64
        var funderHash: UInt64
    }

    var rows: [Row] = []
    var text: [UInt8] = []
    var quarantine: [QuarantineEntry] = []
    var rowsRead = 0
    var inputBytes = 0

    init(expectedRows: Int) {
        rows.reserveCapacity(expectedRows)
        text.reserveCapacity(expectedRows * 96)
    }

    @inline(__always)
    func start(_ i: Int) -> Int { i == 0 ? 0 : rows[i - 1].ends.4 }
}

extension FundingNormalizer {
    /// Normalizes `r` into `chunk`: a kept row's values and normalized text, or its
    /// quarantine entry.
    func normalize(_ r: CSVRecord, into chunk: inout FundingChunk) {
        chunk.rowsRead += 1
        chunk.inputBytes += r.raw.count
        switch check(r) {
        case .failed(let q):
            chunk.quarantine.append(q)
        case .passed(let c):
            func put(_ b: UnsafeBufferPointer<UInt8>) -> Int {
                chunk.text.append(contentsOf: b)
                return chunk.text.count
            }
            let id = ValueText.withNormalized(raw(r, .recordID)) { put($0) }
            let code = ValueText.withNormalizedCode(raw(r, .recipientUSCC)) { b in
                SectionWriter.varint(UInt64(b.count), into: &chunk.text)
                return put(b)
            }
            let name = ValueText.withNormalized(raw(r, .recipientName)) { put($0) }
            let funder = ValueText.withNormalized(raw(r, .funder)) { put($0) }
            let industry = ValueText.withNormalized(raw(r, .funderIndustry)) { put($0) }
            let (recipientHash, funderHash) = chunk.text.withUnsafeBufferPointer { t in
                (ByteInterner.hash(UnsafeBufferPointer(rebasing: t[id..<name])),
                 ByteInterner.hash(UnsafeBufferPointer(rebasing: t[name..<funder])))
            }
            chunk.rows.append(FundingChunk.Row(
                amount: c.split.amount, cash: c.split.cash, inKind: c.split.inKind, beneficiaries: c.beneficiaries,
                received: c.received, purpose: c.purpose, sourceType: c.sourceType, region: c.regionCode, line: r.line,
                warnings: c.warnings, ends: (id, code, name, funder, industry), recipientHash: recipientHash,
                funderHash: funderHash))
        }
    }
}

/// The serial pass of a funding partial's build: each chunk's rows in input order, record
/// ids checked for duplicates, names interned, rows handed to the shard writer. A value of
/// its own, its loop a method outside the reader's closures, so that the record-id set and
/// interners are used in place rather than copied (retained and released) at every call.
struct FundingRowsConsumer {
    var seen = ByteKeySet()
    var recipients = ByteInterner()
    var funders = ByteInterner()
    var industries = ByteInterner()
    var kept = 0
    var duplicates = 0
    let shards: ShardedRowsWriter

    init(shards: ShardedRowsWriter) { self.shards = shards }

    mutating func take(_ chunk: FundingChunk) throws {
        try chunk.text.withUnsafeBufferPointer { text in
            try chunk.rows.withUnsafeBufferPointer { rows in try take(rows, text: text) }
        }
    }

    private mutating func take(_ rows: UnsafeBufferPointer<FundingChunk.Row>, text: UnsafeBufferPointer<UInt8>) throws {
        @inline(__always) func field(_ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: text[from..<to])
        }
        @inline(__always) func start(_ i: Int) -> Int { i == 0 ? 0 : rows[i - 1].ends.4 }
        // Every insert is a cache miss in a large table: the slots of the next keys are
        // loaded while this one is inserted, and the recipients' and funders' slots (then,
        // half-way, the recipient's bytes) likewise.
        let ahead = 12
        for i in rows.indices.prefix(ahead) {
            seen.prefetch(field(start(i), rows[i].ends.0))
            recipients.prefetch(hash: rows[i].recipientHash)
        }
        for i in rows.indices {
            if i + ahead < rows.count {
                let next = rows[i + ahead]
                seen.prefetch(field(start(i + ahead), next.ends.0))
                recipients.prefetch(hash: next.recipientHash)
                if next.ends.3 > next.ends.2 { funders.prefetch(hash: next.funderHash) }
            }
            if i + ahead / 2 < rows.count { recipients.prefetchBytes(hash: rows[i + ahead / 2].recipientHash) }
            let row = rows[i]
            let id = field(start(i), row.ends.0)
            guard seen.insert(id) else {
                duplicates += 1
                continue
            }
            kept += 1
            // The recipient is its code and name together: the code's length (varint), the
            // code, the name.
            let recipient = recipients.intern(field(row.ends.0, row.ends.2), hash: row.recipientHash)
            let funder = field(row.ends.2, row.ends.3)
            let industry = field(row.ends.3, row.ends.4)
            try shards.add(
                id: id, recipient: UInt64(recipient),
                funder: funder.isEmpty ? 0 : UInt64(funders.intern(funder, hash: row.funderHash)) + 1,
                industry: industry.isEmpty ? 0 : UInt64(industries.intern(industry)) + 1,
                amount: UInt64(row.amount), cash: row.cash.map { UInt64($0) + 1 } ?? 0,
                inKind: row.inKind.map { UInt64($0) + 1 } ?? 0, beneficiaries: UInt64(row.beneficiaries),
                date: UInt64(PartialFormat.packDate(row.received)), region: row.region.map { UInt64($0) + 1 } ?? 0,
                line: row.line, warnings: UInt64(row.warnings.packed),
                kinds: UInt8(row.purpose.ordinal | row.sourceType.ordinal << 4))
        }
    }
}

enum FundingPartialBuilder {
    static func build(_ job: PartialJob, into dir: String, regions: RegionTable, threads: Int, chunkBytes: Int) throws -> PartialMeta {
        let reader = try CSVReader(path: job.input.path, options: job.input.read)
        var meta = PartialBuilder.emptyMeta(job, reader: reader)
        let normalizer = try FundingNormalizer(
            header: reader.header, source: reader.name, asOf: job.asOf, regions: regions,
            aliases: try PartialBuilder.aliases(job.input.aliases, FundingField.self, file: reader.name))
        meta.accounting.unknownColumns = normalizer.unknownColumns
        var quarantine = try QuarantineSection(path: dir + "/" + PartialFormat.quarantineFile)
        let shards = try ShardedRowsWriter(facts: dir + "/" + PartialFormat.factsFile, ids: dir + "/" + PartialFormat.idsFile)
        var rows = FundingRowsConsumer(shards: shards)
        var sized = false
        meta.range = try PartialBuilder.read(
            job, reader: reader, threads: threads, chunkBytes: chunkBytes,
            makeState: { _ in FundingChunk(expectedRows: chunkBytes / 160) },
            visit: { state, record in normalizer.normalize(record, into: &state) },
            consume: { chunk in
                meta.accounting.take(rowsRead: chunk.rowsRead, quarantine: chunk.quarantine)
                try quarantine.add(chunk.quarantine)
                Progress.shared.addRows(chunk.rowsRead)
                // Size the record_id set once, from the first chunk's rows per input byte,
                // so that it does not double (and briefly hold both tables) as it grows.
                if !sized, let size = job.range.map({ $0.end - $0.start }) ?? reader.fileSize, !reader.isGzip, chunk.inputBytes > 0 {
                    sized = true
                    rows.seen.reserve(Int(Double(size) * Double(chunk.rowsRead) / Double(chunk.inputBytes) * 1.05))
                }
                try rows.take(chunk)
            })
        meta.accounting.duplicates += rows.duplicates
        let (recipients, funders, industries, kept) = (rows.recipients, rows.funders, rows.industries, rows.kept)
        // The names the ids refer to, in id order: recipients (each its key: the code's
        // length as a varint, the code, the name), funders, industries.
        let names = try SectionWriter(path: dir + "/" + PartialFormat.namesFile)
        for interner in [recipients, funders, industries] {
            for id in 0..<interner.count {
                interner.withBytes(Int32(id)) { names.string($0) }
                try names.flushIfFull()
            }
        }
        let sections = try shards.finish()
        meta.rows = kept
        meta.rowBlocks = shards.rowBlocks
        meta.blockStarts = shards.blockStarts
        meta.blockShards = shards.blockShards
        meta.accounting.accepted = kept
        meta.quarantineEntries = quarantine.count
        meta.recipients = recipients.count
        meta.funders = funders.count
        meta.industries = industries.count
        meta.sections = [
            PartialFormat.factsFile: sections.facts,
            PartialFormat.idsFile: sections.ids,
            PartialFormat.namesFile: try names.finish(),
            PartialFormat.quarantineFile: try quarantine.writer.finish(),
        ]
        return meta
    }
}
