import Dispatch
import Synchronization

/// One input file of a source, with how to read it.
public struct InputFile: Sendable, Equatable {
    public var path: String
    public var read: CSVReadOptions
    /// Extra header spellings → canonical field name (`record_id`, `capital`, …).
    public var aliases: [String: String]

    public init(path: String, read: CSVReadOptions = CSVReadOptions(), aliases: [String: String] = [:]) {
        self.path = path
        self.read = read
        self.aliases = aliases
    }

    public static func == (a: InputFile, b: InputFile) -> Bool {
        a.path == b.path && a.aliases == b.aliases && a.read.encoding == b.read.encoding && a.read.delimiter == b.read.delimiter
    }
}

/// Row accounting for one input file or one whole source (DATA.md §4, §5):
/// rows read = accepted + quarantined + duplicates.
public struct RowAccounting: Sendable, Codable, Equatable {
    public var file: String
    public var path: String
    public var encoding: String
    public var rowsRead = 0
    public var accepted = 0
    public var quarantined = 0
    public var duplicates = 0
    public var quarantinedByReason: [String: Int] = [:]
    public var unknownColumns: [String] = []

    public init(file: String, path: String, encoding: String) {
        self.file = file
        self.path = path
        self.encoding = encoding
    }

    public var balances: Bool { rowsRead == accepted + quarantined + duplicates }

    mutating func add(_ other: RowAccounting) {
        rowsRead += other.rowsRead
        accepted += other.accepted
        quarantined += other.quarantined
        duplicates += other.duplicates
        for (k, v) in other.quarantinedByReason { quarantinedByReason[k, default: 0] += v }
    }
}

/// What one chunk of one file gave: accepted values with their warnings, in order, and
/// the quarantined rows.
struct ChunkOutcome<Value> {
    var accepted: [Value] = []
    var warnings: [WarningCounts] = []
    var quarantine: [QuarantineEntry] = []
    var rowsRead = 0

    mutating func add(_ outcome: NormalizeOutcome<Value>) {
        rowsRead += 1
        switch outcome {
        case .accepted(let v, let w):
            accepted.append(v)
            warnings.append(WarningCounts(w))
        case .quarantined(let q):
            quarantine.append(q)
        }
    }
}

/// A chunk of rows normalized and encoded as table rows (in parallel, straight from the
/// record's bytes), with each accepted row's key so that duplicates can be settled in file
/// order: row `i` is `bytes[rowStarts[i]..<rowStarts[i + 1]]`.
struct EncodedChunk<Key> {
    var outcome = ChunkOutcome<Never>()
    let writer: CSVWriter
    var keys: [Key] = []
    var rowStarts: [Int] = [0]
    /// Funding chunks of a run that feeds the aggregate stage: the facts of each accepted
    /// row (aligned with `keys`).
    var facts = FundingFactRows()
    /// The input bytes of the chunk's records (for estimating a file's rows).
    var inputBytes = 0

    /// `expectedBytes`: about how many bytes the chunk's rows will take (room reserved once);
    /// `factRows`: room for the facts of that many rows (when feeding the aggregate stage).
    init(expectedBytes: Int, factRows: Int = 0) {
        writer = CSVWriter(reservingCapacity: expectedBytes)
        if factRows > 0 { facts = FundingFactRows(reservingRows: factRows) }
    }

    /// Counts a row normalized into `writer`: accepted with its key, or quarantined.
    mutating func add<Checked>(_ o: CheckOutcome<Checked>, key: (Checked) -> Key,
                               warnings: (Checked) -> WarningCounts) {
        outcome.rowsRead += 1
        switch o {
        case .passed(let c):
            keys.append(key(c))
            outcome.warnings.append(warnings(c))
            rowStarts.append(writer.count)
        case .failed(let q):
            outcome.quarantine.append(q)
        }
    }
}

/// The organization index for ``AggregateFeed``, built on a thread of its own.
private final class IndexBuild: Sendable {
    private let group = DispatchGroup()
    private let built = Mutex<OrganizationIndex?>(nil)

    func start(_ entries: [OrganizationIndex.Entry], asOf: CivilDate) {
        DispatchQueue.global().async(group: group) { [self] in
            let index = OrganizationIndex(entries, asOf: asOf)
            built.withLock { $0 = index }
        }
    }

    func wait() { group.wait() }

    /// The index, once built (waits for it); nil when it was never started.
    func take() -> OrganizationIndex? {
        group.wait()
        return built.withLock { $0.take() }
    }
}

/// Where a kept organization row is: its chunk and its row in the chunk.
private struct RowRef {
    var chunk: Int32
    var row: Int32
}

extension RowAccounting {
    /// Counts a chunk's rows read and quarantined (accepted and duplicates are settled by
    /// the caller, in file order).
    mutating func take<V>(_ chunk: ChunkOutcome<V>, into quarantine: QuarantineSink) {
        rowsRead += chunk.rowsRead
        quarantined += chunk.quarantine.count
        for q in chunk.quarantine { quarantinedByReason[q.reason.rawValue, default: 0] += 1 }
        quarantine.add(chunk.quarantine, source: file)
    }
}

/// What the normalize stage did: per file and per source, warnings, tables written.
public struct NormalizeResult: Sendable, Codable, Equatable {
    public var registrationFiles: [RowAccounting] = []
    public var fundingFiles: [RowAccounting] = []
    public var registrations: RowAccounting
    public var funding: RowAccounting
    public var warnings: [String: Int] = [:]
    public var organizationsWritten = 0
    public var fundingWritten = 0
    public var quarantineRows = 0
}

/// The normalize stage: raw exports in, clean tables out (DATA.md §1–§5).
///
/// Writes into `folder`: `organizations.csv` and `funding.csv` (NormalizedTables) and
/// `quarantine.csv.gz` (every refused row, sorted by source then line); when it feeds the
/// aggregate stage, also `funding.facts` (``FundingFactsFile``). Registration rows
/// with the same USCC: the last in input order wins (a later export supersedes); funding
/// rows with the same record_id: the first wins; only rows that pass every check take part
/// in duplicate detection. The accounting identity is checked per file and per source; a
/// mismatch is a bug and throws.
public enum NormalizeStage {
    public static let quarantineFile = "quarantine.csv.gz"
    public static let quarantineColumns = ["source", "line", "field", "reason", "detail", "raw"]

    /// Chunks of this size (at least) are normalized in parallel, `threads` at a time.
    public static let defaultChunkBytes = 8 << 20

    public static func run(registrations: [InputFile], funding: [InputFile], regions: RegionTable, asOf: CivilDate,
                           folder: String, gzipLevel: Int = 6, threads: Int = 1,
                           chunkBytes: Int = NormalizeStage.defaultChunkBytes,
                           written: ((_ file: String, _ sha256: String, _ bytes: Int64) -> Void)? = nil) throws -> NormalizeResult {
        try run(registrations: registrations, funding: funding, regions: regions, asOf: asOf, folder: folder,
                gzipLevel: gzipLevel, threads: threads, chunkBytes: chunkBytes, written: written, feeding: nil).result
    }

    /// As ``run(registrations:funding:regions:asOf:folder:gzipLevel:threads:chunkBytes:written:)``;
    /// with `feeding` settings, also takes the aggregate stage's inputs from the rows as they
    /// are written (``AggregateFeed``), so that the same run's aggregate stage need not read
    /// the tables back.
    static func run(registrations: [InputFile], funding: [InputFile], regions: RegionTable, asOf: CivilDate,
                    folder: String, gzipLevel: Int = 6, threads: Int = 1,
                    chunkBytes: Int = NormalizeStage.defaultChunkBytes,
                    written: ((_ file: String, _ sha256: String, _ bytes: Int64) -> Void)? = nil,
                    feeding: AggregateSettings?,
                    feedLost: ((_ why: String) -> Void)? = nil) throws -> (result: NormalizeResult, feed: AggregateFeed?) {
        var result = NormalizeResult(registrations: RowAccounting(file: "registrations", path: "", encoding: ""),
                                     funding: RowAccounting(file: "funding", path: "", encoding: ""))
        let quarantine = QuarantineSink(path: folder + "/" + quarantineFile, level: gzipLevel,
                                        sources: (registrations + funding).map { CSVReader.name(ofPath: $0.path) })
        // (A Bool for the per-row tests: testing the optional settings copied them.)
        let isFeeding = feeding != nil
        // On failure, no background write outlives the stage and the unfinished file goes.
        var quarantineClosed = false
        defer { if !quarantineClosed { quarantine.abandon() } }

        // Registrations: all kept (as encoded rows) until the end, since a later row may
        // supersede an earlier one.
        var orgChunks: [CSVWriter] = []
        var orgChunkStarts: [[Int]] = []
        var orgRows: [RowRef] = []
        var orgFile: [Int] = []
        var superseded: [Bool] = []
        var orgWarnings: [WarningCounts] = []
        // What the aggregate stage reads of each row in `orgRows` (when feeding it).
        var orgEntries: [OrganizationIndex.Entry] = []
        var index = USCCRowMap()
        for (fileIndex, input) in registrations.enumerated() {
            let reader = try CSVReader(path: input.path, options: input.read)
            var acc = RowAccounting(file: reader.name, path: input.path, encoding: reader.encoding.rawValue)
            let normalizer = try RegistrationNormalizer(
                header: reader.header, source: reader.name, asOf: asOf, regions: regions,
                aliases: try aliases(input.aliases, RegistrationField.self, file: reader.name))
            acc.unknownColumns = normalizer.unknownColumns
            try CSVReader.readChunksInOrder(
                path: input.path, options: input.read, chunks: chunkCount(reader, chunkBytes), concurrency: threads,
                minChunkBytes: chunkBytes,
                makeState: { _ in EncodedChunk<OrganizationIndex.Entry>(expectedBytes: chunkBytes + chunkBytes / 4) },
                visit: { state, record in
                    // (A closure, not `normalizer.indexEntry`: that partial application copied
                    // the normalizer on every row. Only the USCC is used when not feeding.)
                    state.add(try normalizer.normalize(record, encodingInto: state.writer),
                              key: { isFeeding ? normalizer.indexEntry($0) : .init(uscc: $0.uscc) }, warnings: \.warnings)
                },
                consume: { chunk in
                    acc.take(chunk.outcome, into: quarantine)
                    Progress.shared.addRows(chunk.outcome.rowsRead)
                    let chunkNumber = Int32(orgChunks.count)
                    orgChunks.append(chunk.writer)
                    orgChunkStarts.append(chunk.rowStarts)
                    guard orgRows.count + chunk.keys.count < Int(Int32.max) else {
                        throw SectorStatsError(.inputRefused, file: reader.name,
                                               "more than \(Int32.max) organizations: split the registry")
                    }
                    if isFeeding { orgEntries.append(contentsOf: chunk.keys) }
                    for (i, entry) in chunk.keys.enumerated() {
                        if let previous = index.update(entry.uscc, row: Int32(orgRows.count)) {
                            let earlier = Int(previous)
                            superseded[earlier] = true
                            let earlierFile = orgFile[earlier]
                            if earlierFile == fileIndex {
                                acc.accepted -= 1
                                acc.duplicates += 1
                            } else {
                                result.registrationFiles[earlierFile].accepted -= 1
                                result.registrationFiles[earlierFile].duplicates += 1
                            }
                        }
                        orgRows.append(RowRef(chunk: chunkNumber, row: Int32(i)))
                        orgFile.append(fileIndex)
                        superseded.append(false)
                        orgWarnings.append(chunk.outcome.warnings[i])
                        acc.accepted += 1
                    }
                })
            quarantine.finish(source: reader.name)
            result.registrationFiles.append(acc)
        }
        index = USCCRowMap()
        for (i, warnings) in orgWarnings.enumerated() where !superseded[i] {
            // Warnings count accepted organizations: superseded rows are duplicates.
            warnings.add(to: &result.warnings)
            result.organizationsWritten += 1
        }
        // The organizations table is written on another thread while the funding rows are
        // normalized (it took ~0.8 s of 343 MB on one thread, with the workers idle).
        // The file is created here, so that an error opening it comes before the funding
        // phase as it did; a write error stops the funding phase at its next chunk.
        let orgTable = try CSVWriter(path: folder + "/" + NormalizedTables.organizationsFile, hashing: written != nil, direct: true)
        try orgTable.writeRow(NormalizedTables.organizationColumns)
        let orgWrite = OrganizationsWrite(
            writer: orgTable, chunks: orgChunks, chunkStarts: orgChunkStarts, rows: orgRows, superseded: superseded)
        orgChunks = []
        orgChunkStarts = []
        orgRows = []
        let orgWriting = DispatchGroup()
        DispatchQueue.global().async(group: orgWriting) { orgWrite.run() }
        // Waited for on every path out of this function, so the write never outlives it.
        defer { orgWriting.wait() }

        // Feeding the aggregate stage: the organization index of the kept rows, in table
        // order, is built on another thread too; the funding phase waits for it at its first
        // chunk, and then adds each kept row's facts to one partial, in table order.
        let indexBuild = IndexBuild()
        if let feeding {
            // The kept rows, compacted in place (in table order).
            var kept = 0
            for i in orgEntries.indices where !superseded[i] {
                orgEntries[kept] = orgEntries[i]
                kept += 1
            }
            orgEntries.removeLast(orgEntries.count - kept)
            indexBuild.start(orgEntries, asOf: feeding.asOf)
            orgEntries = []
        }
        defer { indexBuild.wait() }
        // nil when not feeding. It becomes nil for good, and the aggregate stage reads the
        // tables, when the index was not built or adding a row failed: an error there (a sum
        // beyond Int64) belongs to the aggregate stage, which meets it again reading the
        // tables, after this stage has published them and its quarantine.
        var fed: FundingFeed?
        var fedStarted = false
        func takeFeed() -> FundingFeed? {
            if !fedStarted, let feeding, let index = indexBuild.take() {
                // (Failing to create the facts file only means no feed: the aggregate stage
                // reads the tables.)
                do {
                    fed = try FundingFeed(index: index, settings: feeding, factsPath: folder + "/" + FundingFactsFile.name)
                } catch {
                    feedLost?("cannot create the funding facts file: \(error)")
                }
            }
            fedStarted = true
            defer { fed = nil }
            return fed
        }

        // Funding: chunks are normalized and encoded in parallel; duplicates are settled in
        // file order as the chunks are consumed (the first record_id wins, compared on the
        // encoded bytes of the field, which encoding maps one to one).
        let fundingWriter = try CSVWriter(path: folder + "/" + NormalizedTables.fundingFile, hashing: written != nil, direct: true)
        try fundingWriter.writeRow(NormalizedTables.fundingColumns)
        var seen = ByteKeySet()
        for input in funding {
            let reader = try CSVReader(path: input.path, options: input.read)
            var acc = RowAccounting(file: reader.name, path: input.path, encoding: reader.encoding.rawValue)
            let normalizer = try FundingNormalizer(
                header: reader.header, source: reader.name, asOf: asOf, regions: regions,
                aliases: try aliases(input.aliases, FundingField.self, file: reader.name))
            acc.unknownColumns = normalizer.unknownColumns
            var sized = false
            try CSVReader.readChunksInOrder(
                path: input.path, options: input.read, chunks: chunkCount(reader, chunkBytes), concurrency: threads,
                minChunkBytes: chunkBytes,
                makeState: { _ in
                    EncodedChunk<Int>(expectedBytes: chunkBytes + chunkBytes / 4, factRows: isFeeding ? chunkBytes / 128 : 0)
                },
                visit: { state, record in
                    var idEnd = 0
                    state.inputBytes += record.raw.count
                    let outcome = try normalizer.normalize(record, encodingInto: state.writer, idEnd: &idEnd)
                    if isFeeding, case .passed(let c) = outcome { normalizer.appendFacts(record, c, to: &state.facts) }
                    state.add(outcome, key: { _ in idEnd }, warnings: \.warnings)
                },
                consume: { chunk in
                    try orgWrite.checkNotFailed()
                    acc.take(chunk.outcome, into: quarantine)
                    Progress.shared.addRows(chunk.outcome.rowsRead)
                    // Size the record_id set once, from the first chunk's rows per input
                    // byte, so that it does not double (and briefly hold both tables) as it grows.
                    if !sized, let size = reader.fileSize, !reader.isGzip, chunk.inputBytes > 0 {
                        sized = true
                        let rows = Double(size) * Double(chunk.outcome.rowsRead) / Double(chunk.inputBytes)
                        seen.reserve(seen.count + Int(rows * 1.05))
                    }
                    // Kept rows are written in runs (usually the whole chunk in one write).
                    var run = 0..<0
                    var duplicates: [Int] = []
                    try chunk.writer.withBytes { all in
                        func key(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                            UnsafeBufferPointer(rebasing: all[chunk.rowStarts[i]..<chunk.keys[i]])
                        }
                        // Every insert is a cache miss in a table of hundreds of MiB: the
                        // slots of the next keys are loaded while this one is inserted.
                        let ahead = 12
                        for i in chunk.keys.indices.prefix(ahead) { seen.prefetch(key(i)) }
                        for i in chunk.keys.indices {
                            if i + ahead < chunk.keys.count { seen.prefetch(key(i + ahead)) }
                            guard seen.insert(key(i)) else {
                                acc.duplicates += 1
                                duplicates.append(i)
                                try fundingWriter.append(encoded: UnsafeBufferPointer(rebasing: all[chunk.rowStarts[run.lowerBound]..<chunk.rowStarts[run.upperBound]]),
                                                         rows: run.count)
                                run = (i + 1)..<(i + 1)
                                continue
                            }
                            chunk.outcome.warnings[i].add(to: &result.warnings)
                            run = run.lowerBound..<(i + 1)
                            acc.accepted += 1
                            result.fundingWritten += 1
                        }
                        try fundingWriter.append(encoded: UnsafeBufferPointer(rebasing: all[chunk.rowStarts[run.lowerBound]..<chunk.rowStarts[run.upperBound]]),
                                                 rows: run.count)
                    }
                    // The kept rows, for the aggregate stage (moved out of `fed` meanwhile, so
                    // that the partial's tables stay uniquely referenced and are not copied).
                    if var feed = takeFeed() {
                        guard chunk.facts.count == chunk.keys.count else {
                            throw SectorStatsError(.internalError, file: reader.name,
                                                   "\(chunk.facts.count) rows of facts for \(chunk.keys.count) accepted rows")
                        }
                        do {
                            try feed.add(chunk.facts, skipping: duplicates)
                            fed = feed
                        } catch {
                            // (`fed` stays nil: see above.)
                            feedLost?("adding a funding row failed: \(error)")
                        }
                    }
                })
            quarantine.finish(source: reader.name)
            result.fundingFiles.append(acc)
        }

        // The accounting identity, per file and per source.
        for acc in result.registrationFiles + result.fundingFiles where !acc.balances {
            throw SectorStatsError(.internalError, file: acc.file,
                                   "row accounting does not balance: read \(acc.rowsRead) ≠ accepted \(acc.accepted) + quarantined \(acc.quarantined) + duplicates \(acc.duplicates)")
        }
        for acc in result.registrationFiles { result.registrations.add(acc) }
        for acc in result.fundingFiles { result.funding.add(acc) }
        guard result.registrations.accepted == result.organizationsWritten, result.funding.accepted == result.fundingWritten else {
            throw SectorStatsError(.internalError, "row accounting does not balance: accepted rows differ from rows written")
        }

        var aggregateFeed: AggregateFeed?
        var factsHash: (sha256: String, bytes: Int64)?
        if let feeding, let f = takeFeed() {
            let index = f.index
            let finished = try f.finish()
            factsHash = finished.facts
            aggregateFeed = AggregateFeed(settings: feeding, index: index, funding: finished.partial)
        }

        orgWriting.wait()
        let orgWriter = try orgWrite.writer()
        let qWriter = try quarantine.close()
        quarantineClosed = true
        result.quarantineRows = quarantine.count
        // Publish the tables last, together.
        try orgWriter.commit()
        try fundingWriter.commit()
        try qWriter.commit()
        // The two large tables were hashed as they were written (`written`: for the stage record).
        for (file, writer) in [(NormalizedTables.organizationsFile, orgWriter), (NormalizedTables.fundingFile, fundingWriter)] {
            if let h = writer.contentHash { written?(file, h.sha256, h.bytes) }
        }
        if let h = factsHash { written?(FundingFactsFile.name, h.sha256, h.bytes) }
        return (result, aggregateFeed)
    }

    private static func chunkCount(_ reader: CSVReader, _ chunkBytes: Int) -> Int {
        guard let size = reader.fileSize, !reader.isGzip else { return 1 }
        return Int(max(1, size / Int64(max(chunkBytes, 1))))
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

/// The organizations table, written from the encoded rows kept during the registration
/// phase (the rows not superseded, in input order) on a thread of its own; the rows are
/// released as soon as they are written, so they do not stay in memory through the funding
/// phase.
///
/// `@unchecked Sendable` is safe because: `rows`, `file` and `outcome` are touched only by
/// `run()` (which runs once, on one thread) until the `DispatchGroup` that ran it has been
/// waited for — `file` is handed in by `init`, which happens-before the dispatch — and
/// `writer()` reads `outcome` only after that wait, which happens-after `run()` returned.
/// `checkNotFailed()` reads `outcome` before the wait only once `failed` is set, which
/// `run()` stores (releasing) after `outcome`, and it loads acquiring. The chunks' in-memory
/// writers in `rows` are referenced by nothing else once handed in (the caller empties its
/// array right after), so only `run()` reads them.
private final class OrganizationsWrite: @unchecked Sendable {
    private struct Rows {
        var chunks: [CSVWriter]
        var chunkStarts: [[Int]]
        var refs: [RowRef]
        var superseded: [Bool]
    }

    private var file: CSVWriter?
    private var rows: Rows?
    private var outcome: Result<CSVWriter, Error>?
    private let failed = Atomic<Bool>(false)

    init(writer: CSVWriter, chunks: [CSVWriter], chunkStarts: [[Int]], rows: [RowRef], superseded: [Bool]) {
        file = writer
        self.rows = Rows(chunks: chunks, chunkStarts: chunkStarts, refs: rows, superseded: superseded)
    }

    func run() {
        guard let rows, let writer = file else { return }
        self.rows = nil
        file = nil
        outcome = Result {
            for (i, ref) in rows.refs.enumerated() where !rows.superseded[i] {
                let (c, r) = (Int(ref.chunk), Int(ref.row))
                try rows.chunks[c].withBytes { chunk in
                    try writer.append(encoded: UnsafeBufferPointer(rebasing: chunk[rows.chunkStarts[c][r]..<rows.chunkStarts[c][r + 1]]), rows: 1)
                }
            }
            return writer
        }
        if case .failure = outcome { failed.store(true, ordering: .releasing) }
    }

    /// Throws the write's error as soon as it has failed (from any thread).
    func checkNotFailed() throws {
        guard failed.load(ordering: .acquiring), case .failure(let error)? = outcome else { return }
        throw error
    }

    /// The finished writer (not yet committed); only after `run()` has returned.
    func writer() throws -> CSVWriter {
        guard let outcome else { throw SectorStatsError(.internalError, "the organizations table was not written") }
        return try outcome.get()
    }
}
