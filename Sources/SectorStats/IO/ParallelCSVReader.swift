import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Result slots for parallel work, one per task (an iteration of
/// `DispatchQueue.concurrentPerform`, a chunk of `CSVReader.readChunksInOrder`).
///
/// `@unchecked Sendable` is safe because: task `i` is the only writer of slot `i` (each slot
/// is a separate element of a raw buffer, so there is no shared Array or class property
/// whose exclusivity could be violated), and slot `i` is read only after task `i` is known
/// to be done — after `concurrentPerform` returns, or after the chunk's `ready` semaphore,
/// signalled after the write, has been waited for — which happens-after the write. The
/// slots are freed only after every task has ended. Tested under TSan.
final class ConcurrentSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: nil, count: max(count, 1))
    }

    deinit {
        base.deinitialize(count: max(count, 1))
        base.deallocate()
    }

    func set(_ i: Int, _ value: T) { base[i] = value }
    func take(_ i: Int) -> T? {
        let v = base[i]
        base[i] = nil
        return v
    }
}

/// The next chunk to parse, shared by the workers of one generation of a chunked read.
final class ChunkCursor: Sendable {
    private let next: Atomic<Int>
    private let stopped = Atomic<Bool>(false)

    init(next: Int) { self.next = Atomic(next) }

    /// The next chunk below `n`, nil once stopped or past the end.
    func take(below n: Int) -> Int? {
        if stopped.load(ordering: .acquiring) { return nil }
        let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return c < n ? c : nil
    }

    func stop() { stopped.store(true, ordering: .releasing) }
}

/// What a chunked read produced: the header and one state per chunk, in file order.
public struct ChunkedRead<State> {
    public let header: [String]
    public let encoding: TextEncoding
    public let delimiter: UInt8
    /// The file's size on disk, for a regular file.
    public let fileSize: Int64?
    /// One state per chunk actually read, in file order; merging them in this order gives
    /// the same result as a serial read.
    public let states: [State]
    /// Whether a chunk boundary proved wrong (malformed quoting), so that the chunk after it
    /// was parsed again from where the chunk before it really ended.
    public let fellBack: Bool
}

extension CSVReader {
    /// Reads `path` split into byte ranges that are parsed in parallel (one worker per
    /// chunk), each chunk feeding its own `State`; returns the states in file order. See `readChunksInOrder` for how the result stays identical to
    /// a serial read.
    public static func readChunks<State>(
        path: String, options: CSVReadOptions = CSVReadOptions(), chunks requested: Int,
        minChunkBytes: Int = 4 << 20,
        makeState: @Sendable (Int) -> State,
        visit: @Sendable (inout State, CSVRecord) throws -> Void
    ) throws -> ChunkedRead<State> {
        var states: [State] = []
        let info = try readChunksInOrder(path: path, options: options, chunks: requested, concurrency: max(requested, 1),
                                         minChunkBytes: minChunkBytes, makeState: makeState, visit: visit) { states.append($0) }
        return ChunkedRead(header: info.header, encoding: info.encoding, delimiter: info.delimiter, fileSize: info.fileSize,
                           states: states, fellBack: info.fellBack)
    }

    /// Reads `path` as `chunks` byte ranges, `concurrency` at a time in parallel, handing
    /// each chunk's state to `consume` in file order as soon as it and the chunks before it
    /// are done — so memory is bounded by a window of `2 × concurrency` chunks being parsed or
    /// waiting, plus the one being consumed, not by the file. The records (and line numbers)
    /// the states see are exactly those of a serial read:
    /// 1. a parallel pass counts quotes and line breaks per nominal range;
    /// 2. each boundary is moved forward to the first line start from which the next record
    ///    parses whole with the header's field count (quotes counted locally, so stray
    ///    quotes elsewhere do not mislead it);
    /// 3. chunk k reads past its end until a record boundary and reports the line where it
    ///    stopped; chunk k+1 is kept only if it began exactly there (then a serial reader
    ///    would be in the same state there: between records, at a line start);
    /// 4. otherwise (stray quotes broke the parity) chunk k+1 is parsed again from where chunk
    ///    k stopped, and the check goes on from there.
    /// gzip input and stdin cannot be split: they are read serially through the same code.
    @discardableResult
    public static func readChunksInOrder<State>(
        path: String, options: CSVReadOptions = CSVReadOptions(), chunks requested: Int, concurrency: Int,
        minChunkBytes: Int = 4 << 20,
        makeState: @Sendable (Int) -> State,
        visit: @Sendable (inout State, CSVRecord) throws -> Void,
        consume: (State) throws -> Void
    ) throws -> ChunkedRead<Void> {
        let reader = try CSVReader(path: path, options: options)
        var resolved = options
        resolved.encoding = .fixed(reader.encoding)
        resolved.delimiter = reader.delimiter
        func info(_ fellBack: Bool) -> ChunkedRead<Void> {
            ChunkedRead(header: reader.header, encoding: reader.encoding, delimiter: reader.delimiter, fileSize: reader.fileSize,
                        states: [], fellBack: fellBack)
        }
        func serial() throws -> ChunkedRead<Void> {
            var state = makeState(0)
            try reader.forEachRecord { try visit(&state, $0) }
            try consume(state)
            return info(false)
        }
        guard requested > 1, !reader.isGzip, path != "-", let fileSize = reader.fileSize else { return try serial() }
        let starts = try planBoundaries(path: path, reader: reader, fileSize: fileSize, requested: requested, minChunkBytes: minChunkBytes)
        let n = starts.count
        if n == 1 { return try serial() }

        let headerCount = reader.header.count
        let encoding = reader.encoding
        let delimiter = reader.delimiter
        let name = reader.name
        let chunkOptions = resolved
        // A sliding window, not waves: `width` workers take the chunks in file order, each
        // starting the next as soon as it is done, while this thread consumes finished chunks
        // in order (duplicates, writing). At most `window` chunks are parsed or waiting, so
        // memory stays bounded. Before, a wave of `width` chunks was started only once the
        // whole previous wave was done: a worker that finished first waited for the slowest
        // chunk (and for the consuming thread, which takes CPU from the workers).
        // A chunk whose start proves wrong (malformed quoting) ends the generation: its
        // workers stop, every started chunk is waited for, and a new generation starts at
        // the right place.
        let width = max(concurrency, 1)
        let window = 2 * width
        return try withoutActuallyEscaping(makeState) { makeState in
            try withoutActuallyEscaping(visit) { visit in
                typealias Slots = ConcurrentSlots<Result<(State, CSVScanner.End), Error>>
                var fellBack = false
                var k = 0  // the next chunk to consume
                var first = starts[0]  // where chunk k starts
                while k < n {
                    let generationStart = k
                    let generationFirst = first
                    // Slots and semaphores for this generation's chunks only (index c -
                    // generationStart): a file that falls back at every boundary must not
                    // cost n of each per generation.
                    let outcomes = Slots(count: n - generationStart)
                    let ready = (generationStart..<n).map { _ in DispatchSemaphore(value: 0) }
                    // Made with 0 and signalled up to `window`: libdispatch traps when a
                    // semaphore is freed below its initial value (a read that stops early).
                    let room = DispatchSemaphore(value: 0)
                    for _ in 0..<window { room.signal() }
                    let cursor = ChunkCursor(next: k)
                    let group = DispatchGroup()
                    for _ in 0..<width {
                        DispatchQueue.global().async(group: group) {
                            while true {
                                room.wait()
                                guard let c = cursor.take(below: n) else { return }
                                outcomes.set(c - generationStart, Result {
                                    var state = makeState(c)
                                    let start = c == generationStart ? generationFirst : starts[c]
                                    let scanner = try chunkScanner(path: path, name: name, from: start.offset, line: start.line,
                                                                   encoding: encoding, delimiter: delimiter, options: chunkOptions)
                                    scanner.expectedFields = headerCount
                                    scanner.stopLine = c + 1 < n ? starts[c + 1].line : nil
                                    let end = try scanner.scan { try visit(&state, $0) }
                                    return (state, end)
                                })
                                ready[c - generationStart].signal()
                            }
                        }
                    }
                    // Every started chunk is waited for before this generation ends (or an
                    // error leaves), so the closures never outlive this call.
                    defer {
                        cursor.stop()
                        for _ in 0..<width { room.signal() }
                        group.wait()
                    }
                    while k < n {
                        ready[k - generationStart].wait()
                        guard let (state, end) = try outcomes.take(k - generationStart)?.get() else { throw SectorStatsError(.internalError, "missing chunk result") }
                        let start = k == generationStart ? generationFirst : starts[k]
                        k += 1
                        room.signal()
                        // The next chunk is kept only if it begins where this one stopped.
                        let boundaryHeld = k == n || end == .stopped(line: starts[k].line)
                        var restart: (offset: Int64, line: Int)?
                        if !boundaryHeld {
                            fellBack = true
                            // It ran past the planned boundary: the next chunk starts where it
                            // stopped (or, when it read to the end of the file, there is none).
                            if case .stopped(let line) = end {
                                restart = (try rawOffset(ofLine: line, path: path, from: start.offset, line: start.line), line)
                            }
                        }
                        try consume(state)
                        if boundaryHeld { continue }
                        guard let restart else { return info(fellBack) }
                        first = restart
                        break
                    }
                }
                return info(fellBack)
            }
        }
    }

    /// Chunk starts: the data start, then each nominal split moved to a likely record
    /// boundary (`boundary`), with its line number from the parallel line counts.
    private static func planBoundaries(path: String, reader: CSVReader, fileSize: Int64, requested: Int,
                                       minChunkBytes: Int) throws -> [(offset: Int64, line: Int)] {
        let dataStart = try rawOffset(ofLine: reader.dataLine, path: path, from: 0, line: 1)
        let dataBytes = fileSize - dataStart
        let count = Int(min(Int64(requested), max(1, dataBytes / Int64(max(minChunkBytes, 1)))))
        guard count > 1 else { return [(dataStart, reader.dataLine)] }
        let nominal: [Int64] = (0..<count).map { dataStart + dataBytes * Int64($0) / Int64(count) } + [fileSize]
        let counts = ConcurrentSlots<Result<(quotes: Int, lines: Int), Error>>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            counts.set(i, Result { try countQuotesAndLines(path: path, range: nominal[i]..<nominal[i + 1], fileSize: fileSize) })
        }
        var starts: [(offset: Int64, line: Int)] = [(dataStart, reader.dataLine)]
        var linesBefore = reader.dataLine
        for i in 0..<count {
            guard let c = try counts.take(i)?.get() else { throw SectorStatsError(.internalError, "missing chunk count") }
            if i > 0, let b = try boundary(path: path, from: nominal[i], limit: nominal[i + 1], fields: reader.header.count,
                                           delimiter: reader.delimiter, line: linesBefore),
               b.offset > starts[starts.count - 1].offset, b.offset < fileSize {
                starts.append(b)
            }
            linesBefore += c.lines
        }
        return starts
    }

    private static func chunkScanner(path: String, name: String, from offset: Int64, line: Int, encoding: TextEncoding,
                                     delimiter: UInt8, options: CSVReadOptions) throws -> CSVScanner {
        let raw = try FileByteSource(path: path, range: offset..<Int64.max)
        let decoded = try DecodingSource(input: raw, encoding: encoding, stripBOM: offset == 0, name: name)
        return try CSVScanner(source: decoded, name: name, encoding: encoding, delimiter: delimiter, firstLine: line,
                              blockSize: options.blockSize, maxRecordBytes: options.maxRecordBytes,
                              fastPath: options.quoteFreeFastPath)
    }

    // MARK: - Raw byte scans (quotes, CR and LF are single bytes in UTF-8 and GB18030 alike)

    /// Visits the file's bytes from `offset` in blocks until `body` returns false.
    private static func scanBlocks(path: String, from offset: Int64, to end: Int64 = .max,
                                   _ body: (UnsafeBufferPointer<UInt8>, Int64) -> Bool) throws {
        let source = try FileByteSource(path: path, range: offset..<end)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        var at = offset
        while true {
            let n = try source.read(into: block)
            if n == 0 { return }
            if !body(UnsafeBufferPointer(start: block.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n), at) { return }
            at += Int64(n)
        }
    }

    /// Quotes and line breaks (LF, CR not followed by LF) in `range`.
    static func countQuotesAndLines(path: String, range: Range<Int64>, fileSize: Int64) throws -> (quotes: Int, lines: Int) {
        var quotes = 0, lfs = 0, crs = 0, crlfs = 0
        var lastWasCR = false
        var first = true
        // One byte of lookahead past the range decides whether a final CR is a CRLF.
        try scanBlocks(path: path, from: range.lowerBound, to: min(range.upperBound + 1, fileSize)) { bytes, at in
            let inRange = Int(min(Int64(bytes.count), range.upperBound - at))
            let base = bytes.baseAddress!
            if !first || at > range.lowerBound {
                if lastWasCR, bytes.count > 0, bytes[0] == 0x0A { crlfs += 1 }
            }
            first = false
            if inRange <= 0 { return false }
            quotes += countByte(0x22, base, inRange)
            lfs += countByte(0x0A, base, inRange)
            var p = UnsafeRawPointer(base)
            var left = inRange
            while left > 0, let hit = memchr(p, 0x0D, left) {
                let i = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                crs += 1
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { crlfs += 1 }
                p = UnsafeRawPointer(hit) + 1
                left = inRange - (i + 1)
            }
            lastWasCR = bytes[inRange - 1] == 0x0D && inRange == bytes.count
            return true
        }
        return (quotes, lfs + crs - crlfs)
    }

    private static func countByte(_ byte: Int32, _ base: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var n = 0
        var p = UnsafeRawPointer(base)
        var left = count
        while left > 0, let hit = memchr(p, byte, left) {
            n += 1
            let next = UnsafeRawPointer(hit) + 1
            left -= next - p
            p = next
        }
        return n
    }

    /// A likely record boundary at or after `from` (and before `limit`): the first line
    /// start after an LF from which the next record, parsed with quotes counted from there,
    /// ends at a line break with exactly `fields` fields. Deciding locally (no quote parity
    /// carried from the start of the file) keeps one stray quote from misplacing every
    /// later boundary; a wrong guess is still caught by the chunk-stop check.
    static func boundary(path: String, from: Int64, limit: Int64, fields: Int, delimiter: UInt8, line: Int) throws -> (offset: Int64, line: Int)? {
        // Read a window large enough for a few long records.
        let window = Int(min(limit - from, 4 << 20))
        guard window > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: window)
        let source = try FileByteSource(path: path, range: from..<limit)
        var have = 0
        try bytes.withUnsafeMutableBytes { buf in
            while have < window {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[have...]))
                if n == 0 { break }
                have += n
            }
        }
        var lineAt = line
        var i = 0
        var prevCR = false
        while i < have {
            let b = bytes[i]
            if b == 0x0A || b == 0x0D {
                if !(b == 0x0A && prevCR) { lineAt += 1 }
                prevCR = b == 0x0D
                // A candidate starts after an LF (a CRLF's LF included).
                if b == 0x0A, looksLikeRecord(bytes, from: i + 1, count: have, fields: fields, delimiter: delimiter) {
                    return (from + Int64(i) + 1, lineAt)
                }
            } else {
                prevCR = false
            }
            i += 1
        }
        return nil
    }

    /// Whether the bytes from `start` hold one well-formed record with `fields` fields
    /// ending at a line break (quotes balanced within it).
    private static func looksLikeRecord(_ b: [UInt8], from start: Int, count: Int, fields: Int, delimiter: UInt8) -> Bool {
        var inQuotes = false
        var delimiters = 0
        var i = start
        if i < count, b[i] == 0x0A || b[i] == 0x0D { return false }  // blank line: try the next
        while i < count {
            let c = b[i]
            if c == 0x22 {
                inQuotes.toggle()
            } else if !inQuotes {
                if c == delimiter { delimiters += 1 }
                else if c == 0x0A || c == 0x0D { return delimiters == fields - 1 }
            }
            i += 1
        }
        return false
    }

    /// The byte offset at which physical line `target` starts, counting from a line start.
    static func rawOffset(ofLine target: Int, path: String, from: Int64, line start: Int) throws -> Int64 {
        if target <= start { return from }
        var line = start
        var result: Int64?
        var pendingCR: Int64?
        try scanBlocks(path: path, from: from) { bytes, at in
            for i in 0..<bytes.count {
                let b = bytes[i]
                if let crAt = pendingCR {
                    pendingCR = nil
                    // A CR ends a line; an LF right after it belongs to the same break.
                    if b == 0x0A {
                        if line == target { result = at + Int64(i) + 1; return false }
                        continue
                    }
                    if line == target { result = crAt + 1; return false }
                }
                if b == 0x0A {
                    line += 1
                    if line == target { result = at + Int64(i) + 1; return false }
                } else if b == 0x0D {
                    line += 1
                    pendingCR = at + Int64(i)
                }
            }
            return true
        }
        if let result { return result }
        if let crAt = pendingCR, line == target { return crAt + 1 }
        throw SectorStatsError(.internalError, file: path, "line \(target) not found while splitting the file")
    }
}
