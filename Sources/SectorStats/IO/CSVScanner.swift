import CCSV

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of the record being parsed, filled by libcsv's callbacks. It lives at a fixed
/// heap address and reaches the callbacks as a plain pointer: no retain/release per field.
struct FieldAssembly {
    var bytes: UnsafeMutablePointer<UInt8>
    var byteCapacity: Int
    var byteCount = 0
    var ends: UnsafeMutablePointer<Int>
    var endCapacity: Int
    var fieldCount = 0
    var ended = false

    init() {
        byteCapacity = 4096
        bytes = .allocate(capacity: byteCapacity)
        endCapacity = 64
        ends = .allocate(capacity: endCapacity)
    }

    mutating func free() {
        bytes.deallocate()
        ends.deallocate()
    }

    @inline(__always)
    mutating func reset() {
        byteCount = 0
        fieldCount = 0
        ended = false
    }
}

/// libcsv's end-of-field callback: copies the field (libcsv reuses its buffer). Runs once
/// per field, so it keeps to plain loads and stores and moves growth out of line.
private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    // The context is always our FieldAssembly (see CSVScanner.scan), never nil.
    let a = context.unsafelyUnwrapped.assumingMemoryBound(to: FieldAssembly.self)
    let count = a.pointee.byteCount
    let needed = count &+ length
    // 16 bytes of slack let short fields be copied with two 8-byte moves.
    if _slowPath(needed &+ 16 > a.pointee.byteCapacity) { growBytes(a, to: needed &+ 16) }
    if let data {
        if length <= 16 {
            // `data` is libcsv's entry buffer, allocated in blocks of 128 bytes or more
            // (csv_init's MEM_BLK_SIZE), so reading 16 bytes from its start stays inside it.
            let src = UnsafeRawPointer(data), dst = UnsafeMutableRawPointer(a.pointee.bytes + count)
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (dst + 8).storeBytes(of: src.loadUnaligned(fromByteOffset: 8, as: UInt64.self), as: UInt64.self)
        } else {
            memcpy(a.pointee.bytes + count, data, length)
        }
    }
    let fields = a.pointee.fieldCount
    if _slowPath(fields == a.pointee.endCapacity) { growEnds(a) }
    a.pointee.ends[fields] = needed
    a.pointee.byteCount = needed
    a.pointee.fieldCount = fields &+ 1
}

@inline(never)
func growBytes(_ a: UnsafeMutablePointer<FieldAssembly>, to needed: Int) {
    var cap = a.pointee.byteCapacity * 2
    while cap < needed { cap *= 2 }
    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
    grown.update(from: a.pointee.bytes, count: a.pointee.byteCount)
    a.pointee.bytes.deallocate()
    a.pointee.bytes = grown
    a.pointee.byteCapacity = cap
}

@inline(never)
func growEnds(_ a: UnsafeMutablePointer<FieldAssembly>) {
    let cap = a.pointee.endCapacity * 2
    let grown = UnsafeMutablePointer<Int>.allocate(capacity: cap)
    grown.update(from: a.pointee.ends, count: a.pointee.fieldCount)
    a.pointee.ends.deallocate()
    a.pointee.ends = grown
    a.pointee.endCapacity = cap
}

/// libcsv's end-of-record callback.
private func recordCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    context.assumingMemoryBound(to: FieldAssembly.self).pointee.ended = true
}

/// Streams records out of decoded bytes with libcsv in strict mode, keeping what libcsv does
/// not: the physical line each record starts on, its raw text, and recovery after a bad
/// record.
///
/// Bytes are fed to libcsv one line piece at a time (up to and including the next CR or LF),
/// so a record can only end at the last byte of a piece: that is how the record's end, and
/// so its raw text and the line count, are known exactly without a second parser.
///
/// A line that starts a record, holds no quote and ends within the buffer is split by
/// `QuoteFreeSplitter` instead (the same fields libcsv would give); everything else is
/// libcsv's.
///
/// Recovery: when libcsv rejects a record (stray quote, unterminated quote at end of file,
/// record longer than `maxRecordBytes`), the record's first physical line is reported as
/// `csv_malformed` and parsing restarts on the next physical line. A stray opening quote
/// that swallowed the following lines therefore loses none of them: they are parsed again.
final class CSVScanner {
    enum End: Equatable {
        case endOfInput
        /// Stopped at the first record boundary on or after `stopLine`, at this line.
        case stopped(line: Int)
        case limit
    }

    private let source: ByteSource
    private let name: String
    private let encoding: TextEncoding
    private let maxRecordBytes: Int
    private let parser: UnsafeMutablePointer<csv_parser>
    private let assembly: UnsafeMutablePointer<FieldAssembly>
    private let splitter: QuoteFreeSplitter?

    /// The header's field count once known; records with more fields get `field_count`.
    var expectedFields: Int?
    /// Stop at the first record boundary at or after this line (parallel chunks).
    var stopLine: Int?

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var pos = 0
    private var eof = false
    private var line: Int
    private var atLineStart = true
    private var prevCR = false
    private var inRecord = false
    private var recordStart = 0
    private var recordLine: Int
    private var nextLF = -1
    private var nextCR = -1
    private var nextQuote = -1
    private var skipToLineEnd = false
    /// Records split by `splitter` (for tests: the fast path was really taken).
    private(set) var fastPathRecords = 0

    init(source: ByteSource, name: String, encoding: TextEncoding, delimiter: UInt8,
         firstLine: Int = 1, blockSize: Int = 1 << 20, maxRecordBytes: Int = 8 << 20,
         fastPath: Bool = CSVFastPath.enabledByEnvironment) throws {
        self.source = source
        self.name = name
        self.encoding = encoding
        self.maxRecordBytes = max(maxRecordBytes, 1024)
        self.line = firstLine
        self.recordLine = firstLine
        self.capacity = max(blockSize, 16)
        self.buffer = .allocate(capacity: capacity)
        parser = .allocate(capacity: 1)
        parser.initialize(to: csv_parser())
        guard csv_init(parser, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else {
            parser.deallocate()
            buffer.deallocate()
            throw SectorStatsError(.internalError, file: name, "libcsv csv_init failed")
        }
        csv_set_delim(parser, delimiter)
        splitter = fastPath ? QuoteFreeSplitter(delimiter: delimiter) : nil
        assembly = .allocate(capacity: 1)
        assembly.initialize(to: FieldAssembly())
    }

    deinit {
        csv_free(parser)
        parser.deallocate()
        assembly.pointee.free()
        assembly.deallocate()
        buffer.deallocate()
    }

    /// The line the scanner is at (the next record starts on it or later).
    var currentLine: Int { line }

    /// Reads records, calling `visit` for each, until the input ends, `maxRecords` records
    /// were produced, or (with `stopLine`) a record boundary at or after that line is reached.
    func scan(maxRecords: Int = .max, _ visit: (CSVRecord) throws -> Void) throws -> End {
        var produced = 0
        while true {
            if skipToLineEnd {
                try skipRestOfLine()
                continue
            }
            if pos == filled {
                if eof {
                    if inRecord {
                        if try finishAtEndOfInput(visit) { produced += 1 }
                        continue
                    }
                    return .endOfInput
                }
                try refill(visit)
                continue
            }
            if atLineStart && !inRecord {
                if let stopLine, line >= stopLine { return .stopped(line: line) }
                if produced >= maxRecords { return .limit }
                recordStart = pos
                recordLine = line
            }
            if nextLF < pos {
                nextLF = memchr(buffer + pos, 0x0A, filled - pos).map { UnsafeMutablePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - buffer } ?? filled
            }
            if nextCR < pos {
                nextCR = memchr(buffer + pos, 0x0D, filled - pos).map { UnsafeMutablePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - buffer } ?? filled
            }
            let terminator = min(nextLF, nextCR)
            let pieceEnd = terminator < filled ? terminator + 1 : filled
            let pieceLength = pieceEnd - pos
            assembly.pointee.ended = false
            if let splitter, atLineStart, !inRecord, terminator < filled, quoteFree(before: terminator),
               parser.pointee.pstate == 0, parser.pointee.entry_pos == 0, assembly.pointee.fieldCount == 0 {
                // A whole quote-free line at a record start, libcsv idle: split it here.
                splitter.split(buffer + pos, count: terminator - pos, readable: filled - pos, into: assembly)
                if assembly.pointee.ended { fastPathRecords &+= 1 }
            } else {
                let consumed = csv_parse(parser, buffer + pos, pieceLength, fieldCallback, recordCallback, assembly)
                if consumed < pieceLength {
                    if csv_error(parser) != CSV_EPARSE {
                        throw SectorStatsError(.internalError, file: name, line: recordLine, "libcsv ran out of memory")
                    }
                    let detail = describeParseError()
                    try malformed(detail, visit)
                    produced += 1
                    continue
                }
            }
            pos = pieceEnd
            if terminator < filled {
                let t = buffer[terminator]
                // CRLF is one line break: the CR counted it, the LF right after does not.
                if !(t == 0x0A && terminator == pieceEnd - pieceLength && prevCR) { line += 1 }
                prevCR = t == 0x0D
                atLineStart = true
            } else {
                prevCR = false
                atLineStart = false
            }
            if assembly.pointee.ended {
                // The record is built here and visited here (not in a callee that takes
                // `visit`): passing the closure on made the compiler retain its context
                // around every call, and that context is shared by the chunk workers, so
                // each retain bounced a cache line between the cores (3.7% of a 2-thread
                // run's samples, 0.6% with one thread).
                let record = completedRecord(rawEnd: terminator)
                try visit(record)
                assembly.pointee.reset()
                produced += 1
            } else {
                inRecord = parser.pointee.pstate != 0
            }
        }
    }

    /// Whether no quote lies in `pos..<end` (the next quote's offset is cached like the
    /// terminators').
    @inline(__always)
    private func quoteFree(before end: Int) -> Bool {
        if nextQuote < pos {
            nextQuote = memchr(buffer + pos, 0x22, filled - pos).map { UnsafeMutablePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - buffer } ?? filled
        }
        return nextQuote >= end
    }

    // MARK: - Records

    /// The record libcsv has just ended, over the assembled fields; valid until the
    /// assembly is reset.
    private func completedRecord(rawEnd: Int) -> CSVRecord {
        inRecord = false
        let a = assembly.pointee
        let raw = UnsafeBufferPointer(start: buffer + recordStart, count: max(0, rawEnd - recordStart))
        var issue: CSVIssue?
        var count = a.fieldCount
        if let expected = expectedFields {
            if a.fieldCount > expected {
                issue = CSVIssue(.fieldCount, "expected \(expected) fields as in the header, found \(a.fieldCount)")
            } else {
                count = expected
            }
        }
        if issue == nil, let bad = UTF8Validation.firstInvalid(raw) {
            issue = CSVIssue(.encoding, encodingDetail(raw: raw, at: bad))
        }
        return CSVRecord(line: recordLine, issue: issue, count: count, parsedCount: a.fieldCount,
                         raw: raw, bytes: UnsafePointer(a.bytes), ends: UnsafePointer(a.ends))
    }

    private func encodingDetail(raw: UnsafeBufferPointer<UInt8>, at offset: Int) -> String {
        let byte = raw[offset]
        switch encoding {
        case .utf8:
            return "invalid UTF-8 byte 0x\(String(byte, radix: 16, uppercase: true)) at byte \(offset + 1) of the record; re-save the file as UTF-8 or declare its encoding (gb18030)"
        case .gb18030:
            return "bytes invalid in GB18030 at byte \(offset + 1) of the record (decoded text); the file may be corrupt or in another encoding"
        }
    }

    private func describeParseError() -> String {
        let field = assembly.pointee.fieldCount + 1
        let here = line == recordLine ? "" : " (on line \(line))"
        switch parser.pointee.pstate {
        case 3:
            return "unexpected character after the closing quote of field \(field)\(here); a quote inside a quoted field must be doubled (\"\")"
        default:
            return "a double quote inside unquoted field \(field)\(here); quote the whole field and double the inner quote (\"\")"
        }
    }

    /// Reports the current record's first physical line as `csv_malformed` and restarts
    /// parsing on the next physical line.
    private func malformed(_ detail: String, _ visit: (CSVRecord) throws -> Void) throws {
        // The first line may not be in the buffer yet: read on until its end (bounded).
        var firstLineEnd = lineTerminator(from: recordStart)
        while firstLineEnd == nil && !eof && filled - recordStart < maxRecordBytes {
            try compactAndRead(keepFrom: recordStart)
            firstLineEnd = lineTerminator(from: recordStart)
        }
        let start = recordStart
        let raw = UnsafeBufferPointer(start: buffer + start, count: (firstLineEnd ?? filled) - start)
        let record = CSVRecord(line: recordLine, issue: CSVIssue(.csvMalformed, detail), count: 0, parsedCount: 0,
                               raw: raw, bytes: nil, ends: nil)
        try visit(record)
        resetParser()
        line = recordLine + 1
        atLineStart = true
        inRecord = false
        nextLF = -1
        nextCR = -1
        nextQuote = -1
        if let t = firstLineEnd {
            pos = t + 1
            prevCR = buffer[t] == 0x0D
        } else if eof {
            pos = filled
            prevCR = false
        } else {
            // The first line itself is longer than the buffer: drop the rest of it.
            pos = filled
            skipToLineEnd = true
            prevCR = false
        }
    }

    private func lineTerminator(from start: Int) -> Int? {
        var i = start
        while i < filled {
            let b = buffer[i]
            if b == 0x0A || b == 0x0D { return i }
            i += 1
        }
        return nil
    }

    private func skipRestOfLine() throws {
        if pos == filled {
            if eof { skipToLineEnd = false; return }
            try refill { _ in }
            return
        }
        if let t = lineTerminator(from: pos) {
            pos = t + 1
            prevCR = buffer[t] == 0x0D
            skipToLineEnd = false
            atLineStart = true
            nextLF = -1
            nextCR = -1
            nextQuote = -1
        } else {
            pos = filled
        }
    }

    private func resetParser() {
        parser.pointee.pstate = 0
        parser.pointee.quoted = 0
        parser.pointee.spaces = 0
        parser.pointee.entry_pos = 0
        parser.pointee.status = 0
        assembly.pointee.reset()
    }

    /// At the end of input with a record in progress: a last record without a line
    /// terminator, or an unterminated quoted field. Returns whether a record was produced
    /// (always true).
    private func finishAtEndOfInput(_ visit: (CSVRecord) throws -> Void) throws -> Bool {
        assembly.pointee.ended = false
        if csv_fini(parser, fieldCallback, recordCallback, assembly) != 0 {
            let field = assembly.pointee.fieldCount + 1
            try malformed("unterminated quoted field \(field): the quote opened on line \(recordLine) is never closed before the end of the file", visit)
            return true
        }
        if assembly.pointee.ended {
            try visit(completedRecord(rawEnd: filled))
            assembly.pointee.reset()
        } else {
            inRecord = false
        }
        return true
    }

    // MARK: - Buffer

    private func refill(_ visit: (CSVRecord) throws -> Void) throws {
        if inRecord && filled - recordStart >= maxRecordBytes {
            try malformed("record longer than \(maxRecordBytes) bytes: the quote opened on line \(recordLine) is probably never closed", visit)
            return
        }
        try compactAndRead(keepFrom: (atLineStart && !inRecord) ? pos : min(recordStart, pos))
    }

    /// Drops the bytes before `keepFrom`, grows the buffer if needed and reads more.
    private func compactAndRead(keepFrom: Int) throws {
        if keepFrom > 0 {
            let keep = filled - keepFrom
            if keep > 0 { memmove(buffer, buffer + keepFrom, keep) }
            filled = keep
            pos -= keepFrom
            recordStart -= keepFrom
        }
        // "No terminator before `filled`" is no longer true once more bytes arrive.
        nextLF = -1
        nextCR = -1
        nextQuote = -1
        // Sources need room for at least one whole decoded character per read.
        if capacity - filled < 64 {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled))
        if n == 0 { eof = true } else { filled += n }
        Progress.shared.addBytes(n)
    }
}
