import Foundation
import XCTest
@testable import SectorStats

/// The fast reader of our own tables gives exactly the careful (libcsv) reader's records,
/// lines included, for any chunking — or declines the file (nil) so that the careful reader
/// reads it.
final class OwnTableReaderTests: XCTestCase {
    /// The records as the fast reader hands them over, with file lines; nil when it declines.
    private func fastRecords(_ path: String, chunks: Int, minChunkBytes: Int = 1) throws -> [ReadRecord]? {
        guard let read = try OwnTableReader.read(
            path: path, chunks: chunks, minChunkBytes: minChunkBytes,
            makeState: { _ in [ReadRecord]() },
            visit: { records, row in
                records.append(ReadRecord(
                    line: row.line, fields: (0..<row.count).map { String(decoding: row[$0], as: UTF8.self) },
                    issue: row.hasTooManyFields ? .fieldCount : nil, raw: String(decoding: row.raw, as: UTF8.self)))
            }) else { return nil }
        var all: [ReadRecord] = []
        for (k, records) in read.states.enumerated() {
            all += records.map { var r = $0; r.line += read.firstLines[k] - 1; return r }
        }
        return all
    }

    private func carefulRecords(_ path: String) throws -> [ReadRecord] {
        try readAll(path, CSVReadOptions(encoding: .fixed(.utf8), delimiter: UInt8(ascii: ","))).records
    }

    /// Field values our writer must quote, and some it need not.
    private static let pool = [
        "plain", "", "湖北省武汉市", "a,b", "say \"hi\"", "\"", ",", "two\nlines", "cr\rin", "crlf\r\nin", "\n", "x\"\"y",
        "end,", "全角，逗号", "12345",
    ]

    /// A table as our writer writes it: a 4-column header, `rows` rows of fields drawn from
    /// `pool` (a short row now and then, one long row), optionally blank lines in between.
    private func writeTable(rows: Int, seed: UInt64, pool: [String], blankLines: Bool = false, in dir: Workdir) throws -> String {
        var rng = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        let header = CSVWriter()
        try header.writeRow(["a", "b", "c", "d"])
        bytes += header.bytes
        for i in 0..<rows {
            // Fewer fields than the header now and then (padded), more once (field_count).
            let count = i == rows / 2 ? 5 : i % 17 == 3 ? 2 : 4
            let writer = CSVWriter()
            try writer.writeRow((0..<count).map { _ in pool[Int(rng.next() % UInt64(pool.count))] })
            bytes += writer.bytes
            if blankLines, i % 7 == 0 { bytes.append(0x0A) }
        }
        return try dir.file("t\(seed).csv", bytes)
    }

    func testRead_whenQuotedFieldsWithCommasQuotesAndLineBreaks_equalsLibcsvOrDeclines() throws {
        let dir = try Workdir()
        var accepted = 0
        for seed in 1...6 as ClosedRange<UInt64> {
            let path = try writeTable(rows: 300, seed: seed, pool: Self.pool, blankLines: seed % 2 == 0, in: dir)
            let careful = try carefulRecords(path)
            XCTAssertEqual(careful.count, 300)
            let serial = try fastRecords(path, chunks: 1)
            XCTAssertNotNil(serial, "one chunk: nothing can straddle a split")
            assertSameRecords(serial ?? [], careful, "seed \(seed), 1 chunk")
            for chunks in [2, 3, 4, 7, 16] {
                guard let fast = try fastRecords(path, chunks: chunks) else { continue }
                accepted += 1
                assertSameRecords(fast, careful, "seed \(seed), \(chunks) chunks")
            }
        }
        XCTAssertGreaterThan(accepted, 0, "some chunkings are accepted (the others straddle a quoted line break)")
    }

    func testRead_whenNoLineBreakInsideQuotes_acceptsEveryChunking() throws {
        let dir = try Workdir()
        let pool = Self.pool.filter { !$0.contains("\n") && !$0.contains("\r") }
        let path = try writeTable(rows: 500, seed: 42, pool: pool, blankLines: true, in: dir)
        let careful = try carefulRecords(path)
        for chunks in [1, 2, 3, 5, 8] {
            let fast = try fastRecords(path, chunks: chunks)
            XCTAssertNotNil(fast, "\(chunks) chunks")
            assertSameRecords(fast ?? [], careful, "\(chunks) chunks")
        }
    }

    /// Like the organizations table: most rows hold a quoted text with several lines, so
    /// a split right after any LF would often land inside a field.
    func testRead_whenManyMultiLineFields_splitsAtRecordStarts() throws {
        let dir = try Workdir()
        var bytes: [UInt8] = Array("id,name,scope,x,y\n".utf8)
        for i in 0..<3000 {
            let writer = CSVWriter()
            try writer.writeRow(["\(i)", "名称\(i)", i % 5 == 0 ? "" : "开展公益活动\n 编辑出版内部刊物\n第三行\(i)", "a", "b"])
            bytes += writer.bytes
        }
        let path = try dir.file("orgs.csv", bytes)
        let careful = try carefulRecords(path)
        for chunks in [2, 3, 4, 8, 16] {
            let fast = try fastRecords(path, chunks: chunks)
            XCTAssertNotNil(fast, "\(chunks) chunks")
            assertSameRecords(fast ?? [], careful, "\(chunks) chunks")
        }
    }

    func testRead_whenOutsideOurWritersGrammar_declines() throws {
        let dir = try Workdir()
        let cases = [
            "crlf": "a,b\r\n1,2\r\n",
            "edge space": "a,b\n1, 2\n",
            "edge tab": "a,b\n1\t,2\n",
            "stray quote": "a,b\n1,x\"y\n",
            "text after closing quote": "a,b\n\"1\"x,2\n",
            "unterminated quote": "a,b\n\"1,2\n3,4\n",
            "bare cr": "a,b\n1,2\r3,4\n",
        ]
        for (name, text) in cases {
            let path = try dir.file("bad.csv", text)
            for chunks in [1, 2] {
                XCTAssertNil(try fastRecords(path, chunks: chunks), "\(name), \(chunks) chunks")
            }
        }
        let invalid = try dir.file("bad-utf8.csv", [UInt8]("a,b\n1,".utf8) + [0xFF, 0x0A])
        XCTAssertNil(try fastRecords(invalid, chunks: 1), "invalid UTF-8")
        XCTAssertNotNil(try fastRecords(try dir.file("ok.csv", "a,b\n\"1\",\"x\ny\"\n\n3,4"), chunks: 1), "no final LF")
        XCTAssertEqual(try fastRecords(try dir.file("empty.csv", "a,b\n"), chunks: 2), [])
    }

    func testRead_whenVisitThrowsInALaterChunk_reportsTheFileLine() throws {
        let dir = try Workdir()
        var text = "a,b\n"
        for i in 0..<1000 { text += "\(i),\(i % 5 == 0 ? "\"x\ny\"" : "v")\n" }
        let path = try dir.file("lines.csv", text)
        // Row 777 starts on line 2 + 777 + (the 156 rows before it with an embedded break).
        let expected = 2 + 777 + (0..<777).filter { $0 % 5 == 0 }.count
        for chunks in [1, 2, 4] {
            XCTAssertThrowsError(try OwnTableReader.read(
                path: path, chunks: chunks, minChunkBytes: 1, makeState: { _ in () },
                visit: { _, row in
                    if String(decoding: row[0], as: UTF8.self) == "777" {
                        throw SectorStatsError(.corruptData, file: "lines.csv", line: row.line, field: "a", "bad")
                    }
                })) { error in
                XCTAssertEqual((error as? SectorStatsError)?.line, expected, "\(chunks) chunks")
            }
        }
    }
}
