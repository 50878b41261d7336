/// A byte range of a plain CSV file, read on its own (a cluster shard of one large file):
/// the records that start in `start..<end`, where both ends are moved to a likely record
/// boundary exactly as the parallel reader moves its chunk boundaries
/// (``CSVReader/readChunksInOrder(path:options:chunks:concurrency:minChunkBytes:makeState:visit:consume:)``),
/// with the file's own line numbers. The ranges of one file, read in order, give the records
/// of a serial read when each range begins where the one before it stopped; ``CSVRangeBounds``
/// says where each began and stopped so that this can be checked, and `startLine` restarts a
/// range at the line where the range before it really stopped when a guess was wrong.
public struct CSVByteRange: Sendable, Codable, Equatable {
    public var start: Int64
    public var end: Int64
    /// When set, the range begins on this physical line (where the range before it stopped)
    /// instead of at the likely boundary found from `start`.
    public var startLine: Int?

    public init(start: Int64, end: Int64, startLine: Int? = nil) {
        self.start = start
        self.end = end
        self.startLine = startLine
    }

    /// `START:END`, or `START:END@LINE` with a start line.
    public var description: String { "\(start):\(end)" + (startLine.map { "@\($0)" } ?? "") }

    /// Parses `START:END` or `START:END@LINE`.
    public init?(_ text: String) {
        let pieces = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let line = pieces.count > 1 ? pieces[1] : nil
        let parts = pieces[0].split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = Int64(parts[0]), let e = Int64(parts[1]), s >= 0, e >= s else { return nil }
        var startLine: Int?
        if let line {
            guard let l = Int(line), l >= 1 else { return nil }
            startLine = l
        }
        self.init(start: s, end: e, startLine: startLine)
    }
}

/// Where a byte range's read began and stopped, in physical lines.
public struct CSVRangeBounds: Sendable, Codable, Equatable {
    /// The first data line of the file (where the first range begins).
    public var dataLine: Int
    /// The line the range's first record starts on; nil when it begins at the end of the file.
    public var startLine: Int?
    /// The line the next range must begin on; nil when this range read to the end of the file.
    public var stopLine: Int?

    enum CodingKeys: String, CodingKey {
        case dataLine = "data_line"
        case startLine = "start_line"
        case stopLine = "stop_line"
    }
}

extension CSVReader {
    /// Reads the records of `range` of the plain file `path` in order, serially, handing a
    /// state to `consume` every `recordsPerState` records; returns where the read began and
    /// stopped.
    static func readRange<State>(
        path: String, options: CSVReadOptions, range: CSVByteRange, recordsPerState: Int = 1 << 16,
        makeState: (Int) -> State, visit: (inout State, CSVRecord) throws -> Void, consume: (State) throws -> Void
    ) throws -> CSVRangeBounds {
        let reader = try CSVReader(path: path, options: options)
        guard !reader.isGzip, path != "-", let size = reader.fileSize else {
            throw SectorStatsError(.invalidArgument, file: reader.name, "a byte range needs a plain (not gzip) file on disk")
        }
        guard range.end <= size else {
            throw SectorStatsError(.invalidArgument, file: reader.name, "the range \(range.description) ends past the file's \(size) bytes")
        }
        let dataStart = try rawOffset(ofLine: reader.dataLine, path: path, from: 0, line: 1)
        // The likely record boundary at or after `at`, as the parallel reader places a chunk
        // start; nil when none is left before the end of the file.
        func locate(_ at: Int64) throws -> (offset: Int64, line: Int)? {
            if at <= dataStart { return (dataStart, reader.dataLine) }
            if at >= size { return nil }
            let lines = try countQuotesAndLines(path: path, range: dataStart..<at, fileSize: size).lines
            return try boundary(path: path, from: at, limit: size, fields: reader.header.count, delimiter: reader.delimiter,
                                line: reader.dataLine + lines)
        }
        let begin: (offset: Int64, line: Int)?
        if let line = range.startLine {
            guard line >= reader.dataLine else {
                throw SectorStatsError(.invalidArgument, file: reader.name, "the range \(range.description) begins before the first data line \(reader.dataLine)")
            }
            begin = (try rawOffset(ofLine: line, path: path, from: dataStart, line: reader.dataLine), line)
        } else {
            begin = try locate(range.start)
        }
        let stop = try locate(range.end)
        var bounds = CSVRangeBounds(dataLine: reader.dataLine, startLine: begin?.line, stopLine: stop?.line)
        guard let begin else {
            try consume(makeState(0))
            return bounds
        }
        let raw = try FileByteSource(path: path, range: begin.offset..<Int64.max)
        let decoded = try DecodingSource(input: raw, encoding: reader.encoding, stripBOM: begin.offset == 0, name: reader.name)
        let scanner = try CSVScanner(source: decoded, name: reader.name, encoding: reader.encoding, delimiter: reader.delimiter,
                                     firstLine: begin.line, blockSize: options.blockSize, maxRecordBytes: options.maxRecordBytes)
        scanner.expectedFields = reader.header.count
        scanner.stopLine = stop?.line
        var index = 0
        var state = makeState(index)
        var records = 0
        let end = try scanner.scan { record in
            try visit(&state, record)
            records += 1
            if records == recordsPerState {
                try consume(state)
                index += 1
                state = makeState(index)
                records = 0
            }
        }
        try consume(state)
        switch end {
        case .stopped(let line): bounds.stopLine = line
        case .endOfInput, .limit: bounds.stopLine = nil
        }
        return bounds
    }
}
