#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// One record of a CSV table this program wrote itself (``OwnTableReader``): its fields as
/// byte slices, the physical line it starts on, and its raw text.
///
/// Like ``CSVRecord`` it borrows the reader's buffers and is valid only inside the closure
/// it is passed to.
public struct OwnTableRow {
    /// 1-based physical line on which the record starts, counted from its chunk's first
    /// line (``OwnTableReader/read(path:chunks:minChunkBytes:makeState:visit:)`` documents
    /// how errors get the file's line).
    public let line: Int
    /// The header's count when the record had fewer fields (padded with empty ones), the
    /// parsed count otherwise.
    public let count: Int
    /// The number of fields actually present.
    public let parsedCount: Int
    /// More fields than the header: the careful reader's `field_count` issue.
    public let hasTooManyFields: Bool
    /// The record's text (without its line terminator).
    public let raw: UnsafeBufferPointer<UInt8>

    @usableFromInline let base: UnsafePointer<UInt8>
    /// Field `i` is `base[bounds[2i]..<bounds[2i + 1]]`.
    @usableFromInline let bounds: UnsafePointer<Int>

    @inlinable
    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        guard i >= 0, i < parsedCount else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = bounds[2 &* i]
        return UnsafeBufferPointer(start: base + start, count: bounds[2 &* i &+ 1] &- start)
    }
}

/// A fast reader for the CSV tables this program writes itself (the normalize stage's
/// persisted tables, written by ``CSVWriter``): UTF-8, LF line ends, a field quoted only when
/// it contains `,` `"` CR or LF. Records are split with `memchr` and a byte loop instead of
/// libcsv; only the grammar our writer produces is accepted:
/// - unquoted fields without `"`, CR or LF, and not starting or ending with a space or tab
///   (libcsv would trim those);
/// - quoted fields `"…"` (any bytes, `""` for a quote) directly followed by `,`, LF or the
///   end of the file;
/// - blank lines (skipped, counted as lines), valid UTF-8.
/// Anything else — an edited table, a CR line end, a stray quote, invalid UTF-8, a record
/// longer than `maxRecordBytes` — makes `read` return nil, and the caller reads the file
/// with the careful ``CSVReader`` instead, which reports exactly what is wrong. So on every
/// file `read` accepts, it hands over the same records as the careful reader.
///
/// The file is split into `chunks` byte ranges at line starts, parsed in parallel; chunk k
/// reads its last record to its end even past its range, and chunk k+1 is trusted only if
/// chunk k stopped exactly where it began (splits are planned at likely record starts, but
/// a misjudged one means the whole file goes to the careful reader).
enum OwnTableReader {
    struct Read<State> {
        let header: [String]
        /// One state per chunk, in file order.
        let states: [State]
        /// The file line of each chunk's first line: a row's file line is
        /// `row.line + firstLines[chunk] - 1`.
        let firstLines: [Int]
    }

    private enum Outcome<State> {
        case done(State, end: Int64, lines: Int)
        case failed(Error)
        case unsupported
    }

    /// Reads the data records of `path` in up to `chunks` parallel chunks, each into its own
    /// state (returned in file order); nil when the file is not in our writer's grammar
    /// (or is gzip, or not a regular file): read it with ``CSVReader`` then.
    ///
    /// Line numbers: a row's `line` is counted from its chunk's first line, which is known
    /// only once the chunks before it are read. An error thrown by `visit` that is a
    /// ``SectorStatsError`` with a line gets it turned into the file's line before it is
    /// rethrown; the error of the first failing chunk in file order is the one thrown, as
    /// in a serial read.
    static func read<State>(
        path: String, chunks requested: Int, minChunkBytes: Int, maxRecordBytes: Int = 8 << 20,
        textColumns: [Int]? = nil,
        makeState: @Sendable (Int) -> State,
        visit: @Sendable (inout State, OwnTableRow) throws -> Void
    ) throws -> Read<State>? {
        let reader = try CSVReader(path: path, options: CSVReadOptions(encoding: .fixed(.utf8), delimiter: UInt8(ascii: ",")))
        guard !reader.isGzip, path != "-", let fileSize = reader.fileSize else { return nil }
        let dataStart = try CSVReader.rawOffset(ofLine: reader.dataLine, path: path, from: 0, line: 1)
        let fields = reader.header.count
        let starts = try planStarts(path: path, dataStart: dataStart, fileSize: fileSize, requested: requested,
                                    minChunkBytes: minChunkBytes, fields: fields)
        let n = starts.count
        let outcomes = ConcurrentSlots<Outcome<State>>(count: n)
        withoutActuallyEscaping(makeState) { makeState in
            withoutActuallyEscaping(visit) { visit in
                DispatchQueue.concurrentPerform(iterations: n) { k in
                    var state = makeState(k)
                    let stop = k + 1 < n ? starts[k + 1] : fileSize
                    do {
                        let chunk = try ChunkParser(path: path, from: starts[k], stop: stop, fields: fields,
                                                    maxRecordBytes: maxRecordBytes, textColumns: textColumns)
                        defer { chunk.close() }
                        guard let covered = try chunk.parse({ try visit(&state, $0) }) else {
                            outcomes.set(k, .unsupported)
                            return
                        }
                        outcomes.set(k, .done(state, end: covered.end, lines: covered.lines))
                    } catch {
                        outcomes.set(k, .failed(error))
                    }
                }
            }
        }
        var states: [State] = []
        var firstLines: [Int] = []
        var firstLine = reader.dataLine
        for k in 0..<n {
            switch outcomes.take(k) {
            case .done(let state, let end, let lines)?:
                guard end == (k + 1 < n ? starts[k + 1] : fileSize) else { return nil }
                states.append(state)
                firstLines.append(firstLine)
                firstLine += lines
            case .failed(var error as SectorStatsError)?:
                if let line = error.line { error.line = line + firstLine - 1 }
                throw error
            case .failed(let error)?:
                throw error
            case .unsupported?, nil:
                return nil
            }
        }
        return Read(header: reader.header, states: states, firstLines: firstLines)
    }

    /// Chunk starts: the data start, then each nominal split moved to the first line start
    /// from which the next record parses with the header's field count
    /// (``CSVReader/boundary(path:from:limit:fields:delimiter:line:)``, quotes counted from
    /// there): an LF inside a quoted multi-line field (the organizations table's scope and
    /// address texts have them) is not taken for a record end. A split without such a line
    /// start before the next one is dropped; a wrong guess is caught by the end check.
    private static func planStarts(path: String, dataStart: Int64, fileSize: Int64, requested: Int,
                                   minChunkBytes: Int, fields: Int) throws -> [Int64] {
        let dataBytes = fileSize - dataStart
        let count = Int(min(Int64(max(requested, 1)), max(1, dataBytes / Int64(max(minChunkBytes, 1)))))
        var starts: [Int64] = [dataStart]
        guard count > 1 else { return starts }
        for k in 1..<count {
            let last = starts.last ?? dataStart
            let from = max(dataStart + dataBytes * Int64(k) / Int64(count), last)
            let limit = k + 1 < count ? dataStart + dataBytes * Int64(k + 1) / Int64(count) : fileSize
            guard from < limit, let found = try CSVReader.boundary(
                path: path, from: from, limit: limit, fields: fields, delimiter: UInt8(ascii: ","), line: 0) else { continue }
            if found.offset > last, found.offset < fileSize { starts.append(found.offset) }
        }
        return starts
    }
}

/// Parses one chunk: records starting before `stop`, the last one read to its end.
private final class ChunkParser {
    private let source: FileByteSource
    private let stop: Int64
    private let fields: Int
    private let maxRecordBytes: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    private var filled = 0
    private var pos = 0
    private var eof = false
    /// Field bounds (pairs), for the current record.
    private var bounds: UnsafeMutablePointer<Int>
    private var boundsCapacity: Int
    /// Unquoted field bytes of a record with quoted fields.
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity: Int

    /// nil: every record is checked to be UTF-8; else only these columns (the ones whose
    /// text the caller keeps: the rest it parses as digits, dates and labels, which refuse
    /// any other byte anyway).
    private let textColumns: [Int]?

    init(path: String, from start: Int64, stop: Int64, fields: Int, maxRecordBytes: Int, textColumns: [Int]? = nil) throws {
        self.textColumns = textColumns
        source = try FileByteSource(path: path, range: start..<Int64.max)
        self.stop = stop
        self.fields = fields
        self.maxRecordBytes = max(maxRecordBytes, 1 << 16)
        capacity = 1 << 20
        buffer = .allocate(capacity: capacity)
        bufferOffset = start
        boundsCapacity = max(2 * fields + 2, 64)
        bounds = .allocate(capacity: boundsCapacity)
        bounds.initialize(repeating: 0, count: boundsCapacity)
        scratchCapacity = 4096
        scratch = .allocate(capacity: scratchCapacity)
    }

    func close() {
        buffer.deallocate()
        bounds.deallocate()
        scratch.deallocate()
    }

    /// Reads more bytes, keeping `buffer[pos...]` (moved to the front); false at the end of
    /// the file or when a record would outgrow `maxRecordBytes`.
    private func refill() throws -> Bool {
        if eof { return false }
        if pos > 0 {
            let keep = filled - pos
            if keep > 0 { buffer.update(from: buffer + pos, count: keep) }
            bufferOffset += Int64(pos)
            filled = keep
            pos = 0
        }
        if filled == capacity {
            guard capacity < maxRecordBytes else { return false }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let got = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled))
        if got == 0 { eof = true }
        filled += got
        return true
    }

    private func growBounds(_ needed: Int) {
        guard needed > boundsCapacity else { return }
        let bigger = UnsafeMutablePointer<Int>.allocate(capacity: max(needed, boundsCapacity * 2))
        bigger.initialize(repeating: 0, count: max(needed, boundsCapacity * 2))
        bigger.update(from: bounds, count: boundsCapacity)
        bounds.deallocate()
        bounds = bigger
        boundsCapacity = max(needed, boundsCapacity * 2)
    }

    /// Parses the chunk; returns the file offset after its last record and the physical lines
    /// it covered, or nil when the bytes are not in our writer's grammar.
    func parse(_ visit: (OwnTableRow) throws -> Void) throws -> (end: Int64, lines: Int)? {
        var line = 1
        while true {
            if bufferOffset + Int64(pos) >= stop { return (bufferOffset + Int64(pos), line - 1) }
            if pos == filled {
                guard try refill() else { return nil }
                if eof && pos == filled { return (bufferOffset + Int64(pos), line - 1) }
                continue
            }
            let left = filled - pos
            let lineEnd: Int
            if let hit = memchr(buffer + pos, 0x0A, left) {
                lineEnd = UnsafeMutableRawPointer(hit) - UnsafeMutableRawPointer(buffer)
            } else if eof {
                lineEnd = filled
            } else {
                guard try refill() else { return nil }
                continue
            }
            if lineEnd == pos {  // blank line
                pos += 1
                line += 1
                continue
            }
            // Split on commas; a quote sends the record to the quote-aware path.
            growBounds(2 * (fields + 1))
            var count = 0
            var fieldStart = pos
            var i = pos
            var quoted = false
            while i < lineEnd {
                // Eight bytes at a time to the next comma, quote or CR (the lowest flagged
                // byte of the SWAR test is always a true match).
                if i &+ 8 <= lineEnd {
                    let flags = Self.specialBytes(UnsafeRawPointer(buffer + i).loadUnaligned(as: UInt64.self))
                    if flags == 0 {
                        i &+= 8
                        continue
                    }
                    i &+= flags.trailingZeroBitCount >> 3
                }
                let b = buffer[i]
                if b == 0x2C {
                    // libcsv trims spaces and tabs around unquoted fields: leave such tables to it.
                    if i > fieldStart, Self.isSpace(buffer[fieldStart]) || Self.isSpace(buffer[i - 1]) { return nil }
                    if count * 2 + 2 > boundsCapacity { growBounds(count * 2 + 2) }
                    bounds[2 * count] = fieldStart
                    bounds[2 * count + 1] = i
                    count += 1
                    fieldStart = i + 1
                } else if b == 0x22 {
                    quoted = true
                    break
                } else if b == 0x0D {
                    return nil
                }
                i += 1
            }
            let raw: UnsafeBufferPointer<UInt8>
            let base: UnsafePointer<UInt8>
            let recordLine = line
            if quoted {
                guard let parsed = try parseQuoted() else { return nil }
                raw = UnsafeBufferPointer(start: buffer + pos, count: parsed.rawEnd - pos)
                base = UnsafePointer(scratch)
                count = parsed.count
                line += parsed.lines
                pos = parsed.rawEnd
            } else {
                if count * 2 + 2 > boundsCapacity { growBounds(count * 2 + 2) }
                bounds[2 * count] = fieldStart
                bounds[2 * count + 1] = lineEnd
                count += 1
                if lineEnd > fieldStart, Self.isSpace(buffer[fieldStart]) || Self.isSpace(buffer[lineEnd - 1]) { return nil }
                raw = UnsafeBufferPointer(start: buffer + pos, count: lineEnd - pos)
                base = UnsafePointer(buffer)
                pos = lineEnd
            }
            let row = OwnTableRow(line: recordLine, count: max(count, fields), parsedCount: count,
                                  hasTooManyFields: count > fields, raw: raw, base: base, bounds: bounds)
            if let textColumns {
                for c in textColumns where UTF8Validation.firstInvalid(row[c]) != nil { return nil }
            } else {
                guard UTF8Validation.firstInvalid(raw) == nil else { return nil }
            }
            if pos < filled { pos += 1 }  // the LF
            line += 1
            try visit(row)
        }
    }

    @inline(__always)
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The high bit of each byte of `w` that may be `,` `"` or CR; the lowest one set is
    /// exact (a borrow can only flag bytes above a true match).
    @inline(__always)
    private static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let comma = w ^ (ones &* 0x2C)
        let quote = w ^ (ones &* 0x22)
        let cr = w ^ (ones &* 0x0D)
        return (((comma &- ones) & ~comma) | ((quote &- ones) & ~quote) | ((cr &- ones) & ~cr)) & highs
    }

    /// The record at `pos` with quoted fields: unquoted field bytes go to `scratch`, bounds
    /// relative to it. Returns where the record's text ends (at its LF or the end of the
    /// file), its field count and the line breaks inside it; nil when not in the grammar.
    /// Reads more when the record is not whole in the buffer (then `pos` moves to 0).
    private func parseQuoted() throws -> (rawEnd: Int, count: Int, lines: Int)? {
        while true {
            if let result = tryParseQuoted() {
                switch result {
                case .record(let end, let count, let lines): return (end, count, lines)
                case .invalid: return nil
                }
            }
            guard try refill() else { return nil }  // the end of the file inside a quote, or too long
        }
    }

    private enum QuotedResult {
        case record(end: Int, count: Int, lines: Int)
        case invalid
    }

    /// nil: the record is not whole in the buffer.
    private func tryParseQuoted() -> QuotedResult? {
        if scratchCapacity < filled - pos {
            scratch.deallocate()
            scratchCapacity = max(filled - pos, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
        var out = 0
        var count = 0
        var lines = 0
        var i = pos
        while true {  // one field per turn
            if count * 2 + 2 > boundsCapacity { growBounds(count * 2 + 2) }
            let fieldStart = out
            if i < filled, buffer[i] == 0x22 {
                i += 1
                while true {
                    guard i < filled else { return eof ? .invalid : nil }
                    let b = buffer[i]
                    if b == 0x22 {
                        guard i + 1 < filled || eof else { return nil }
                        if i + 1 < filled, buffer[i + 1] == 0x22 {
                            scratch[out] = 0x22
                            out += 1
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if b == 0x0A {
                        lines += 1
                    } else if b == 0x0D {
                        guard i + 1 < filled || eof else { return nil }
                        if !(i + 1 < filled && buffer[i + 1] == 0x0A) { lines += 1 }
                    }
                    scratch[out] = b
                    out += 1
                    i += 1
                }
                // After the closing quote: a comma, LF or the end of the file.
                if i < filled, buffer[i] != 0x2C, buffer[i] != 0x0A { return .invalid }
            } else {
                while i < filled {
                    let b = buffer[i]
                    if b == 0x2C || b == 0x0A { break }
                    if b == 0x22 || b == 0x0D { return .invalid }
                    scratch[out] = b
                    out += 1
                    i += 1
                }
                if i == filled && !eof { return nil }
                if out > fieldStart, Self.isSpace(scratch[fieldStart]) || Self.isSpace(scratch[out - 1]) { return .invalid }
            }
            bounds[2 * count] = fieldStart
            bounds[2 * count + 1] = out
            count += 1
            if i == filled { return .record(end: i, count: count, lines: lines) }  // eof
            if buffer[i] == 0x0A { return .record(end: i, count: count, lines: lines) }
            i += 1  // the comma
        }
    }
}
