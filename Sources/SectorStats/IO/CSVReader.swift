#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to read one CSV source (DATA.md §3: encodings, delimiters, gzip).
public struct CSVReadOptions: Sendable {
    /// `.auto` sniffs: UTF-8 BOM → UTF-8; valid UTF-8 → UTF-8; else GB18030.
    public var encoding: EncodingChoice
    /// The field delimiter; nil sniffs comma, tab or semicolon from the header line.
    public var delimiter: UInt8?
    /// Bytes read per block.
    public var blockSize: Int
    /// A record longer than this is reported as `csv_malformed` (an unclosed quote).
    public var maxRecordBytes: Int
    /// Whether quote-free records are split without libcsv (`QuoteFreeSplitter`; the same
    /// records either way). Tests set it; otherwise `SECTORSTATS_CSV_FASTPATH=0` turns it off.
    var quoteFreeFastPath: Bool = CSVFastPath.enabledByEnvironment

    public init(encoding: EncodingChoice = .auto, delimiter: UInt8? = UInt8(ascii: ","),
                blockSize: Int = 1 << 20, maxRecordBytes: Int = 8 << 20) {
        self.encoding = encoding
        self.delimiter = delimiter
        self.blockSize = blockSize
        self.maxRecordBytes = maxRecordBytes
    }
}

/// Streams the records of one CSV export: a `.csv` or `.csv.gz` file (gzip is recognised
/// by its magic bytes), or stdin (`-`). The header (first record) is read on opening; the
/// data records come from `forEachRecord`. Memory is bounded by the block size and the
/// longest record, never by the file.
public final class CSVReader {
    /// The path as given (`-` for stdin).
    public let path: String
    /// The file's base name, as written in the quarantine's `source` column.
    public let name: String
    public let encoding: TextEncoding
    public let delimiter: UInt8
    public let isGzip: Bool
    /// The size of the file on disk, for a regular file.
    public let fileSize: Int64?
    /// The header's fields, as read (decoded, unquoted; not otherwise normalized).
    public let header: [String]
    /// The physical line on which the first data record can start.
    public let dataLine: Int

    let options: CSVReadOptions
    private let scanner: CSVScanner

    public init(path: String, options: CSVReadOptions = CSVReadOptions()) throws {
        self.path = path
        self.options = options
        self.name = CSVReader.name(ofPath: path)
        let raw: FileByteSource = path == "-"
            ? FileByteSource(descriptor: STDIN_FILENO, name: "stdin")
            : try FileByteSource(path: path)
        fileSize = raw.fileSize

        // gzip is recognised by its magic bytes, whatever the file is called.
        let magic = try CSVReader.readPrefix(raw, count: 2)
        var source: ByteSource = PrefixedSource(prefix: magic, rest: raw)
        isGzip = magic.count == 2 && magic[0] == 0x1F && magic[1] == 0x8B
        if isGzip { source = try GzipByteSource(input: source, name: name) }

        // Sniff encoding and delimiter from the first MiB of content.
        let sample = try CSVReader.readPrefix(source, count: 1 << 20)
        let wholeFile = sample.count < 1 << 20
        switch options.encoding {
        case .fixed(let e): encoding = e
        case .auto: encoding = sample.withUnsafeBytes { EncodingSniffer.sniff($0, isWholeFile: wholeFile) }
        }
        delimiter = options.delimiter ?? CSVReader.sniffDelimiter(sample)
        let decoded = try DecodingSource(input: PrefixedSource(prefix: sample, rest: source), encoding: encoding, name: name)
        scanner = try CSVScanner(source: decoded, name: name, encoding: encoding, delimiter: delimiter,
                                 blockSize: options.blockSize, maxRecordBytes: options.maxRecordBytes,
                                 fastPath: options.quoteFreeFastPath)

        var headerFields: [String]?
        var headerIssue: CSVIssue?
        var headerLine = 1
        _ = try scanner.scan(maxRecords: 1) { record in
            headerLine = record.line
            if let issue = record.issue { headerIssue = issue } else { headerFields = record.fields() }
        }
        if let headerIssue {
            throw SectorStatsError(.corruptData, file: name, line: headerLine, field: "header", "the header row is malformed: \(headerIssue)")
        }
        guard let headerFields else {
            throw SectorStatsError(.emptyInput, file: name, "the file is empty: expected a header row")
        }
        header = headerFields
        scanner.expectedFields = headerFields.count
        dataLine = scanner.currentLine
    }

    /// Records split by the quote-free fast path so far, the header included (for tests).
    var fastPathRecords: Int { scanner.fastPathRecords }

    /// Calls `body` with each data record in order, malformed ones included (with `issue`).
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        _ = try scanner.scan(body)
    }

    // MARK: - Helpers

    /// The name a reader of `path` reports (the `source` of its rows): the base name, or
    /// `stdin` for `-`.
    static func name(ofPath path: String) -> String {
        path == "-" ? "stdin" : baseName(path)
    }

    public static func baseName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// Reads up to `count` bytes (fewer only at end of stream).
    static func readPrefix(_ source: ByteSource, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var have = 0
        try bytes.withUnsafeMutableBytes { buf in
            while have < count {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[have...]))
                if n == 0 { break }
                have += n
            }
        }
        bytes.removeSubrange(have...)
        return bytes
    }

    /// The most frequent of comma, tab and semicolon outside quotes on the first line;
    /// comma when none occurs.
    static func sniffDelimiter(_ sample: [UInt8]) -> UInt8 {
        let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";")]
        var counts = [0, 0, 0]
        var inQuotes = false
        for b in sample {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D { break }
            if let i = candidates.firstIndex(of: b) { counts[i] += 1 }
        }
        // Ties go to the earlier candidate: comma first.
        var best = 0
        for i in 1..<candidates.count where counts[i] > counts[best] { best = i }
        return candidates[best]
    }
}
