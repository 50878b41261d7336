import Foundation
import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// The quote-free fast path must be invisible: every read gives, byte for byte, the records
/// (line, fields, raw text, counts) and malformed reports (kind and message) that libcsv
/// alone gives, serially and chunked. The oracle is the same reader with the fast path off.
final class CSVFastPathDifferentialTests: XCTestCase {
    /// A record copied out byte for byte.
    struct ExactRecord: Equatable, CustomStringConvertible {
        var line: Int
        var issue: CSVIssue?
        var count: Int
        var parsedCount: Int
        var raw: [UInt8]
        var fields: [[UInt8]]

        init(_ r: CSVRecord) {
            line = r.line
            issue = r.issue
            count = r.count
            parsedCount = r.parsedCount
            raw = Array(r.raw)
            fields = (0..<r.parsedCount).map { Array(r[$0]) }
        }

        var description: String {
            "line \(line) \(issue.map { "\($0) " } ?? "")count \(count)/\(parsedCount) fields \(fields.map { String(decoding: $0, as: UTF8.self).debugDescription }) raw \(String(decoding: raw, as: UTF8.self).debugDescription)"
        }
    }

    /// Everything a read produces, or the error that ended it.
    struct ExactRead: Equatable {
        var header: [String] = []
        /// Serial reads: the line after the header; chunked reads: whether a boundary fell back.
        var dataLineOrFellBack = 0
        var records: [ExactRecord] = []
        var error: String?
    }

    private func options(_ base: CSVReadOptions, fast: Bool) -> CSVReadOptions {
        var o = base
        o.quoteFreeFastPath = fast
        return o
    }

    /// A serial read; `fastRecords` counts the records the fast path split.
    private func serial(_ path: String, _ base: CSVReadOptions, fast: Bool) -> (read: ExactRead, fastRecords: Int) {
        var read = ExactRead()
        var fastRecords = 0
        do {
            let reader = try CSVReader(path: path, options: options(base, fast: fast))
            read.header = reader.header
            read.dataLineOrFellBack = reader.dataLine
            do {
                try reader.forEachRecord { read.records.append(ExactRecord($0)) }
            } catch {
                read.error = "\(error)"
            }
            fastRecords = reader.fastPathRecords
        } catch {
            read.error = "\(error)"
        }
        return (read, fastRecords)
    }

    private func chunked(_ path: String, _ base: CSVReadOptions, fast: Bool, chunks: Int) -> ExactRead {
        var read = ExactRead()
        do {
            let result = try CSVReader.readChunks(path: path, options: options(base, fast: fast), chunks: chunks, minChunkBytes: 1,
                                                  makeState: { _ in [ExactRecord]() },
                                                  visit: { state, record in state.append(ExactRecord(record)) })
            read.header = result.header
            read.dataLineOrFellBack = result.fellBack ? 1 : 0
            read.records = result.states.flatMap { $0 }
        } catch {
            read.error = "\(error)"
        }
        return read
    }

    /// Reports the first difference only.
    private func assertSame(_ got: ExactRead, _ expected: ExactRead, _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        if got == expected { return }
        if got.header != expected.header || got.error != expected.error || got.dataLineOrFellBack != expected.dataLineOrFellBack {
            XCTFail("\(message): header \(got.header) \(got.dataLineOrFellBack) error \(got.error ?? "none"); expected header \(expected.header) \(expected.dataLineOrFellBack) error \(expected.error ?? "none")", file: file, line: line)
            return
        }
        let n = min(got.records.count, expected.records.count)
        let i = (0..<n).first { got.records[$0] != expected.records[$0] } ?? n
        let g = i < got.records.count ? got.records[i].description : "nothing"
        let e = i < expected.records.count ? expected.records[i].description : "nothing"
        XCTFail("\(message): \(got.records.count) vs \(expected.records.count) records; first difference at \(i): got \(g), expected \(e)", file: file, line: line)
    }

    /// Compares fast and libcsv-only reads of `path`: serially, and chunked at `chunkCounts`.
    /// Returns the number of records the fast path split in the serial read.
    @discardableResult
    private func check(_ path: String, _ base: CSVReadOptions, chunkCounts: [Int], _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) -> (fast: Int, records: Int) {
        let (oracle, none) = serial(path, base, fast: false)
        XCTAssertEqual(none, 0, "\(label): fast path off", file: file, line: line)
        let (got, fastRecords) = serial(path, base, fast: true)
        assertSame(got, oracle, "\(label) serial", file: file, line: line)
        for chunks in chunkCounts {
            let chunkOracle = chunked(path, base, fast: false, chunks: chunks)
            assertSame(chunked(path, base, fast: true, chunks: chunks), chunkOracle, "\(label) chunks \(chunks)", file: file, line: line)
        }
        return (fastRecords, oracle.records.count)
    }

    private static let delimiters: [UInt8?] = [nil, UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";")]

    private func files(in folder: String, recursive: Bool = false) throws -> [String] {
        let names = recursive ? (FileManager.default.subpaths(atPath: folder) ?? [])
                              : try FileManager.default.contentsOfDirectory(atPath: folder)
        return names.sorted().map { folder + "/" + $0 }.filter { path in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
                && (path.hasSuffix(".csv") || path.hasSuffix(".tsv") || path.hasSuffix(".gz"))
        }
    }

    // MARK: - Fixtures and datasets

    func testFastPath_whenEveryFixture_equalsLibcsvAlone() throws {
        let paths = try files(in: Fixtures.path("csv")) + files(in: Fixtures.path("normalize"))
        XCTAssertGreaterThan(paths.count, 20)
        var fast = 0
        for path in paths {
            for delimiter in Self.delimiters {
                for block in [16, 100, 1 << 20] {
                    let base = CSVReadOptions(delimiter: delimiter, blockSize: block)
                    let name = CSVReader.baseName(path)
                    fast += check(path, base, chunkCounts: block == 100 ? [2, 3, 5] : [],
                                  "\(name) delimiter \(delimiter.map(String.init) ?? "sniffed") block \(block)").fast
                }
            }
        }
        XCTAssertGreaterThan(fast, 0, "the fast path was taken")
    }

    func testFastPath_whenBundledDatasets_equalsLibcsvAlone() throws {
        let paths = try files(in: Fixtures.repoRoot + "/datasets/raw", recursive: true)
            + files(in: Fixtures.repoRoot + "/datasets/samples")
        XCTAssertGreaterThanOrEqual(paths.count, 9)
        for path in paths {
            let (fast, records) = check(path, CSVReadOptions(delimiter: nil), chunkCounts: [3], CSVReader.baseName(path))
            XCTAssertGreaterThan(records, 0, path)
            // Exports quote only the fields that need it: many records are quote-free.
            XCTAssertGreaterThan(fast, records / 4, "\(path): the fast path was taken")
        }
    }

    func testFastPath_whenGeneratedExports_equalsLibcsvAlone() throws {
        let dir = try Workdir()
        let generator = try ExportGenerator(options: GeneratorOptions(
            organizations: 600, fundingRows: 4_000, seed: 17, badRate: 0.08, dupRate: 0.02,
            registrationShapes: FileShape.mixed, fundingShapes: FileShape.mixed,
            outputFolder: URL(fileURLWithPath: dir.path),
            referenceFolder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"), jobs: 1))
        try generator.run()
        for relative in generator.filePaths {
            let path = dir.path + "/" + relative
            let (fast, records) = check(path, CSVReadOptions(delimiter: nil, blockSize: 4096), chunkCounts: [2, 3, 6], relative)
            XCTAssertGreaterThan(fast, records / 4, "\(relative): the fast path was taken")
        }
    }

    // MARK: - Random records

    /// Random files over an alphabet rich in delimiters, quotes, CR, LF, spaces, tabs, high
    /// bytes and empty fields: most records quote-free (the fast path's), the rest quoted,
    /// malformed, or arbitrary bytes (libcsv's), in every mix at line starts and buffer ends.
    /// `FASTPATH_DIFF_FILES` and `FASTPATH_DIFF_SEED` in the environment run a longer soak.
    func testFastPath_whenRandomRecords_equalsLibcsvAlone() throws {
        let dir = try Workdir()
        let environment = ProcessInfo.processInfo.environment
        let fileCount = environment["FASTPATH_DIFF_FILES"].flatMap { Int($0) } ?? 24
        var rng = SplitMix64(seed: environment["FASTPATH_DIFF_SEED"].flatMap { UInt64($0) } ?? 0x5EC7_0F57)
        let fileDelimiters: [UInt8] = [0x2C, 0x09, 0x3B, 0x2C, 0x09, 0x3B, 0x7C, 0x20]
        var totalRecords = 0
        var totalFast = 0
        for fileIndex in 0..<fileCount {
            let delimiter = fileDelimiters[fileIndex % fileDelimiters.count]
            let records = 4_500 + Int(rng.next() % 200)
            let bytes = randomFile(records: records, delimiter: delimiter, rng: &rng)
            let path = try dir.file("random\(fileIndex).csv", bytes)
            let blocks = [16, 61, 256, 4096, 1 << 20]
            var base = CSVReadOptions(encoding: fileIndex % 6 == 5 ? .auto : .fixed(.utf8),
                                      delimiter: fileIndex % 8 == 7 ? nil : delimiter,
                                      blockSize: blocks[Int(rng.next() % UInt64(blocks.count))])
            if fileIndex % 4 == 3 { base.maxRecordBytes = 1024 }
            let chunkCounts = fileIndex % 3 == 0 ? [2, 3, 7] : []
            let (fast, read) = check(path, base, chunkCounts: chunkCounts,
                                     "random file \(fileIndex) delimiter \(delimiter) block \(base.blockSize)")
            totalRecords += read
            totalFast += fast
        }
        XCTAssertGreaterThanOrEqual(totalRecords, fileCount == 24 ? 100_000 : fileCount * 4_000)
        XCTAssertGreaterThan(totalFast, totalRecords / 3, "the fast path was taken")
    }

    private func randomFile(records: Int, delimiter: UInt8, rng: inout SplitMix64) -> [UInt8] {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        // Field content without quote, CR or LF: what the fast path sees.
        let plain: [[UInt8]] = [
            Array("abc".utf8), Array("x".utf8), Array("12345".utf8), Array("北京".utf8), Array("基金会".utf8),
            [0x20], [0x20, 0x20], [0x09], [0x09, 0x20], [0x2C], [0x3B], [0x09], [0x7C], [0x00],
            [0x80], [0xFF], [0xC3], [0xE4, 0xB8], [0xA0], Array("a b".utf8), Array(" z ".utf8), [0x0B], [0x0C],
        ]
        let special: [[UInt8]] = [[0x22], [0x22, 0x22], [0x0D], [0x0A], [0x0D, 0x0A], [0x0A, 0x0D]]
        let terminators: [[UInt8]] = [[0x0A], [0x0A], [0x0D, 0x0A], [0x0D]]
        func plainField() -> [UInt8] {
            var f: [UInt8] = []
            switch rng.next() % 10 {
            case 0, 1: return []  // empty
            case 2: f = pick([[0x20], [0x09], [0x20, 0x09, 0x20]])  // whitespace only
            default: break
            }
            for _ in 0..<Int(rng.next() % 6) { f += pick(plain) }
            if rng.next() % 4 == 0 { f = pick([[0x20], [0x09], [0x20, 0x20]]) + f }
            if rng.next() % 4 == 0 { f += pick([[0x20], [0x09], [0x09, 0x20]]) }
            return f
        }
        func quotedField() -> [UInt8] {
            var inner: [UInt8] = []
            for _ in 0..<Int(rng.next() % 5) {
                inner += rng.next() % 3 == 0 ? pick([[0x22, 0x22], [0x0D], [0x0A], [0x0D, 0x0A], [delimiter]]) : pick(plain)
            }
            var f = [0x22] + inner + [0x22]
            if rng.next() % 6 == 0 { f = [0x20] + f }
            if rng.next() % 6 == 0 { f += [0x20] }
            return f
        }
        var out: [UInt8] = []
        // The header: usually four plain names; sometimes random like the records.
        let header: [UInt8] = rng.next() % 10 == 0
            ? plainField() + [delimiter] + plainField()
            : Array("h1".utf8) + [delimiter] + Array("h2".utf8) + [delimiter] + Array("h 3".utf8) + [delimiter] + Array("h4".utf8)
        out += header + pick(terminators)
        for r in 0..<records {
            var line: [UInt8] = []
            switch rng.next() % 100 {
            case 0..<4:
                // Arbitrary bytes: stray quotes, lone CRs, anything.
                for _ in 0..<Int(rng.next() % 12) { line += rng.next() % 3 == 0 ? pick(special) : pick(plain) + [delimiter] }
            case 4..<7:
                line = pick([[], [0x20], [0x09], [0x20, 0x09], [0x20, 0x20, 0x20]])  // blank
            default:
                let fields = 1 + Int(rng.next() % 7)
                let quotedRecord = rng.next() % 5 == 0
                for i in 0..<fields {
                    if i > 0 { line.append(delimiter) }
                    line += quotedRecord && rng.next() % 2 == 0 ? quotedField() : plainField()
                }
            }
            out += line
            if r < records - 1 || rng.next() % 2 == 0 { out += pick(terminators) }
        }
        return out
    }
}
