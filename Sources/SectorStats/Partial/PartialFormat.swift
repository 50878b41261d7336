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
/// - funding: `facts.bin` — per kept row, varints (recipient id, funder id + 1, industry
///   id + 1, amount, cash + 1, in_kind + 1, beneficiaries, packed date, region + 1, line
///   step, warnings) and one byte (purpose | source type << 4); `ids.bin` — per kept row its
///   record_id (varint length, bytes), for duplicate detection across files; `names.bin` —
///   the recipients (recipient_uscc and recipient_name), funders and industries the ids
///   refer to, each a varint length and bytes;
/// - `quarantine.bin`: per refused row its line (varint) and its quarantine CSV row
///   (varint length, bytes), in line order.
///
/// Within one file the duplicates are already settled (registrations: the last row of a
/// USCC wins; funding: the first row of a record_id), since that holds whatever other files
/// a run has; the merge settles them across files.
public enum PartialFormat {
    /// Bumped whenever the layout changes: a partial of another format is rebuilt.
    public static let version = 1
    public static let suffix = ".partial"
    public static let metaFile = "meta.json"
    public static let entriesFile = "entries.bin"
    public static let rowsFile = "rows.bin"
    public static let factsFile = "facts.bin"
    public static let idsFile = "ids.bin"
    public static let namesFile = "names.bin"
    public static let quarantineFile = "quarantine.bin"
    /// Rows per block: where the merge can split a file's rows between workers.
    public static let blockRows = 1 << 16
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
    /// Byte offsets of every ``PartialFormat/blockRows`` rows in the rows section
    /// (`entries.bin` / `facts.bin`) and, for funding, in `ids.bin`.
    public var rowBlocks: [Int]
    public var idBlocks: [Int]
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
final class SectionWriter {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var crc: UInt32 = 0
    private(set) var written: Int64 = 0
    private static let flushAt = 1 << 20

    init(path: String) throws {
        self.path = path
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
    func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
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

    /// Writes the buffer out once it is large.
    @inline(__always)
    func flushIfFull() throws {
        if buffer.count >= Self.flushAt { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { raw in
            crc = CRC32.update(crc, raw)
            var at = 0
            while at < raw.count {
                let n = write(fd, raw.baseAddress! + at, raw.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SectorStatsError(.fileNotWritable, file: path, "cannot write: \(String(cString: strerror(errno)))")
                }
                at += n
            }
        }
        written += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left; returns the section's size and CRC.
    func finish() throws -> PartialMeta.Section {
        try flush()
        return PartialMeta.Section(bytes: written, crc32: crc)
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
        let meta: PartialMeta
        do { meta = try JSONDecoder().decode(PartialMeta.self, from: data) } catch { throw bad("\(PartialFormat.metaFile) is unreadable") }
        guard meta.format == PartialFormat.version, meta.program == SectorStatsVersion.string else {
            throw bad("written by sectorstats \(meta.program) (format \(meta.format)); this is \(SectorStatsVersion.string) (format \(PartialFormat.version))")
        }
        let expected: [String] = meta.kind == .registrations
            ? [PartialFormat.entriesFile, PartialFormat.rowsFile, PartialFormat.quarantineFile]
            : [PartialFormat.factsFile, PartialFormat.idsFile, PartialFormat.namesFile, PartialFormat.quarantineFile]
        guard Set(meta.sections.keys) == Set(expected) else { throw bad("its sections are not those of a \(meta.kind.rawValue) partial") }
        var mapped: [String: MappedFile] = [:]
        for name in expected {
            guard let s = meta.sections[name] else { throw bad("no \(name)") }
            let file = try MappedFile(path: folder + "/" + name)
            guard Int64(file.count) == s.bytes else { throw bad("\(name) has \(file.count) bytes, \(s.bytes) were written") }
            if verify, CRC32.update(0, file.bytes) != s.crc32 { throw bad("\(name) does not hold the bytes that were written (CRC-32)") }
            mapped[name] = file
        }
        let blocks = (meta.rows + PartialFormat.blockRows - 1) / PartialFormat.blockRows
        guard meta.rowBlocks.count == blocks, meta.kind == .registrations || meta.idBlocks.count == blocks,
              meta.accounting.rowsRead == meta.rows + meta.accounting.quarantined + meta.accounting.duplicates else {
            throw bad("its meta is inconsistent")
        }
        if meta.kind == .registrations, Int64(meta.rows * PartialFormat.entryBytes) != meta.sections[PartialFormat.entriesFile]?.bytes {
            throw bad("\(PartialFormat.entriesFile) does not hold \(meta.rows) entries")
        }
        self.meta = meta
        sections = mapped
    }

    /// A section's bytes (valid while this partial is alive).
    func bytes(_ name: String) -> UnsafeRawBufferPointer {
        sections[name]?.bytes ?? UnsafeRawBufferPointer(start: nil, count: 0)
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
