import Foundation

/// What the merge of one record-id bucket leaves for the combine: the funding accumulators
/// of the bucket's rows, per funding partial its rows dropped as duplicates within the
/// bucket, the kept rows' warnings, and what the state was merged from (partial keys,
/// settings, program version), so that the combine refuses states that do not belong
/// together.
///
/// The file: `sectorstats-bucket-state` and a format version, then ``StateWriter`` values,
/// then the CRC-32 of all bytes before it (4 bytes, little-endian). Written atomically.
struct BucketState {
    static let magic = Array("sectorstats-bucket-state\n".utf8)
    static let format: UInt64 = 1

    var bucket: RecordBucket
    var asOf: String
    var reliefPurposes: String
    var registrationKeys: [String]
    var fundingKeys: [String]
    var merged: FundingMerge

    static func purposes(_ p: Set<Purpose>) -> String { p.map(\.rawValue).sorted().joined(separator: ",") }

    func write(to path: String) throws {
        var w = StateWriter()
        w.varint(Self.format)
        w.string(SectorStatsVersion.string)
        w.varint(UInt64(bucket.index))
        w.varint(UInt64(bucket.count))
        w.string(asOf)
        w.string(reliefPurposes)
        for keys in [registrationKeys, fundingKeys] {
            w.varint(UInt64(keys.count))
            for k in keys { w.string(k) }
        }
        for d in merged.duplicates { w.int(d) }
        w.varint(UInt64(merged.warnings.counts.count))
        for c in merged.warnings.counts { w.int(c) }
        merged.partial.encode(to: &w)
        var bytes = Self.magic + w.bytes
        let crc = bytes.withUnsafeBytes { CRC32.update(0, $0) }
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        let f = try AtomicFile(path: path)
        try bytes.withUnsafeBytes { try f.write($0) }
        try f.commit()
    }

    /// What a state was merged from: its bucket, settings and partial keys.
    struct Header {
        var bucket: RecordBucket
        var asOf: String
        var reliefPurposes: String
        var registrationKeys: [String]
        var fundingKeys: [String]
    }

    /// Reads the header after the magic: format, program, bucket, settings, partial keys.
    private static func header(from r: inout StateReader) throws -> Header {
        guard try r.varint() == format else { throw r.bad("another state format") }
        let program = try r.string()
        guard program == SectorStatsVersion.string else {
            throw r.bad("written by sectorstats \(program); this is \(SectorStatsVersion.string)")
        }
        let index0 = try r.varint(), count = try r.varint()
        guard count <= 1 << 20, let bucket = RecordBucket(index: Int(index0), count: Int(count)) else { throw r.bad("a bad bucket") }
        let asOf = try r.string()
        let relief = try r.string()
        var keys: [[String]] = []
        for _ in 0..<2 {
            var k: [String] = []
            for _ in 0..<(try r.count()) { k.append(try r.string()) }
            keys.append(k)
        }
        return Header(bucket: bucket, asOf: asOf, reliefPurposes: relief, registrationKeys: keys[0], fundingKeys: keys[1])
    }

    /// The header of the state in `path`, read without checking its bytes or decoding its
    /// accumulators (``read(_:settings:index:)`` does both); nil when it cannot be read.
    static func header(_ path: String) -> Header? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= magic.count + 4,
              Array(data.prefix(magic.count)) == magic else { return nil }
        var r = StateReader(Array(data[magic.count..<data.count - 4]), file: path)
        return try? header(from: &r)
    }

    /// What a state holds besides its accumulators.
    struct Summary {
        var header: Header
        var duplicates: [Int]
        var warnings: WarningTally
    }

    /// The state in `path` checked (bytes, format, program, settings) and read up to its
    /// accumulators.
    private static func open(_ path: String, settings: AggregateSettings) throws -> (StateReader, Summary) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SectorStatsError(.fileNotReadable, file: path, "cannot read the bucket state")
        }
        let all = [UInt8](data)
        let body = all.count >= magic.count + 4 ? Array(all[magic.count..<all.count - 4]) : []
        var r = StateReader(body, file: path)
        guard all.count >= magic.count + 4, Array(all[0..<magic.count]) == magic else { throw r.bad("no bucket state header") }
        let crc = all[all.count - 4..<all.count].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard all[0..<all.count - 4].withUnsafeBytes({ CRC32.update(0, $0) }) == crc else {
            throw r.bad("its bytes are not those written (CRC-32); run the bucket's merge again")
        }
        let h = try header(from: &r)
        guard h.asOf == settings.asOf.description, h.reliefPurposes == purposes(settings.reliefPurposes) else {
            throw r.bad("merged with as-of \(h.asOf) and relief purposes \(h.reliefPurposes), not \(settings.asOf) and \(purposes(settings.reliefPurposes))")
        }
        var duplicates: [Int] = []
        for _ in h.fundingKeys { duplicates.append(try r.int()) }
        var counts: [Int] = []
        for _ in 0..<(try r.count()) { counts.append(try r.int()) }
        guard let warnings = WarningTally(counts: counts) else { throw r.bad("warnings of another program") }
        return (r, Summary(header: h, duplicates: duplicates, warnings: warnings))
    }

    /// Reads the state in `path`; its funding accumulators are read back against `index`.
    static func read(_ path: String, settings: AggregateSettings, index: OrganizationIndex) throws -> BucketState {
        var (r, s) = try open(path, settings: settings)
        let partial = try FundingPartial.decode(from: &r, asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        guard r.atEnd else { throw r.bad("bytes after the state") }
        let h = s.header
        return BucketState(bucket: h.bucket, asOf: h.asOf, reliefPurposes: h.reliefPurposes, registrationKeys: h.registrationKeys,
                           fundingKeys: h.fundingKeys,
                           merged: FundingMerge(partial: partial, duplicates: s.duplicates, warnings: s.warnings))
    }

    /// Reads the state in `path` and adds its funding accumulators to `partial` (as merging
    /// ``read(_:settings:index:)``'s would, without building them first); returns the rest.
    static func read(_ path: String, settings: AggregateSettings, index: OrganizationIndex,
                     mergingInto partial: inout FundingPartial) throws -> Summary {
        var (r, s) = try open(path, settings: settings)
        try partial.mergeEncoded(from: &r, index: index, reliefPurposes: settings.reliefPurposes)
        guard r.atEnd else { throw r.bad("bytes after the state") }
        return s
    }
}

extension MergeStage {
    /// What the merge of one bucket found: its funding rows kept and dropped as duplicates.
    public struct BucketSummary: Sendable {
        public var rows: Int
        public var duplicates: Int
    }

    /// Merges the funding rows of one record-id bucket (the whole registry, since every
    /// bucket resolves recipients against it) and writes the bucket's state to `stateFile`.
    /// Only the bucket's record ids are held.
    @discardableResult
    public static func mergeBucket(registrations: [Partial], funding: [Partial], bucket: RecordBucket,
                                   settings: AggregateSettings, stateFile: String) throws -> BucketSummary {
        try checkKinds(registrations: registrations, funding: funding)
        var registry = try RegistryMerge(registrations)
        let index = registry.takeIndex(asOf: settings.asOf)
        // One partial at a time: only the bucket's ids and one partial's row flags are held.
        var ids = FundingIDs(expectedRows: funding.dropLast().reduce(0) { $0 + $1.meta.rows }, bucket: bucket)
        var accumulated: FundingPartial? = FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes)
        var (duplicates, warnings) = ([Int](), WarningTally())
        for (p, partial) in funding.enumerated() {
            let (skip, dropped) = try ids.add(partial, record: p + 1 < funding.count)
            let flags = SkipFlags(settled: skip, duplicates: dropped, blocks: partial.meta.rowBlocks.count)
            // The accumulator so far goes in (its only reference) and comes back with this
            // partial's rows added.
            let part = try aggregate([partial], flags: [flags], index: index, settings: settings, bucket: bucket,
                                     onto: accumulated.take())
            accumulated = part.partial
            duplicates.append(dropped)
            warnings.add(part.warnings)
        }
        guard let accumulated else { throw SectorStatsError(.internalError, "no funding accumulator") }
        let merged = FundingMerge(partial: accumulated, duplicates: duplicates, warnings: warnings)
        try BucketState(bucket: bucket, asOf: settings.asOf.description, reliefPurposes: BucketState.purposes(settings.reliefPurposes),
                        registrationKeys: registrations.map(\.meta.key), fundingKeys: funding.map(\.meta.key), merged: merged)
            .write(to: stateFile)
        return BucketSummary(rows: merged.partial.rows, duplicates: merged.duplicates.reduce(0, +))
    }

    /// The merge from the states of all K buckets (``mergeBucket(registrations:funding:bucket:settings:stateFile:)``)
    /// of these partials: the same tables, quarantine and accounting as ``run(registrations:funding:regions:settings:folder:)``,
    /// written into `folder`, without holding any record id.
    public static func combine(registrations: [Partial], funding: [Partial], states: [String], regions: RegionTable,
                               settings: AggregateSettings, folder: String) throws -> MergeResult {
        try checkKinds(registrations: registrations, funding: funding)
        guard !states.isEmpty else { throw SectorStatsError(.invalidArgument, "no bucket state given") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let quarantine = Background {
            try writeQuarantine(registrations + funding, to: folder + "/" + quarantineFile, level: settings.gzipLevel)
        }
        defer { quarantine.wait() }
        var registry = try RegistryMerge(registrations)
        let index = registry.takeIndex(asOf: settings.asOf)
        let (registrationKeys, fundingKeys) = (registrations.map(\.meta.key), funding.map(\.meta.key))
        var merged = FundingMerge(partial: FundingPartial(asOf: settings.asOf, index: index, reliefPurposes: settings.reliefPurposes),
                                  duplicates: [Int](repeating: 0, count: funding.count), warnings: WarningTally())
        var read: [Bool] = []
        for path in states {
            let s = try BucketState.read(path, settings: settings, index: index, mergingInto: &merged.partial)
            let h = s.header
            guard h.registrationKeys == registrationKeys, h.fundingKeys == fundingKeys else {
                throw SectorStatsError(.invalidArgument, file: path, "the bucket state was merged from other partials than those given (or in another order)")
            }
            if read.isEmpty { read = [Bool](repeating: false, count: h.bucket.count) }
            guard h.bucket.count == read.count else {
                throw SectorStatsError(.invalidArgument, file: path, "bucket \(h.bucket.description) is of another split than \(read.count) buckets")
            }
            guard !read[h.bucket.index] else {
                throw SectorStatsError(.invalidArgument, file: path, "bucket \(h.bucket.description) is given twice")
            }
            read[h.bucket.index] = true
            for p in merged.duplicates.indices { merged.duplicates[p] += s.duplicates[p] }
            merged.warnings.add(s.warnings)
        }
        if let missing = read.firstIndex(of: false) {
            throw SectorStatsError(.invalidArgument, "bucket \(missing)/\(read.count) has no state: merge it first")
        }
        return try finish(registrations: registrations, funding: funding, registry: registry, index: index, merged: merged,
                          quarantine: quarantine, regions: regions, settings: settings, folder: folder)
    }
}
