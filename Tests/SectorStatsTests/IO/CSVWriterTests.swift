import Foundation
import XCTest
@testable import SectorStats

/// The gzip CSV writer: RFC 4180 quoting exactly when needed (DATA.md §5 "CSV output"),
/// deterministic bytes, atomic publication.
final class CSVWriterTests: XCTestCase {
    private let rows: [[String]] = [
        ["province_code", "province", "note"],
        ["420000", "湖北省", "plain"],
        ["100000", "全国性组织", "with, comma"],
        ["110000", "北京市", "say \"hi\""],
        ["120000", "天津市", "two\nlines"],
        ["130000", "河北省", "cr\rhere"],
        ["", "", ""],
        ["x", " leading space", "trailing "],
    ]

    func testQuoting_whenFieldHasCommaQuoteCROrLF_quotesOnlyThose() throws {
        let w = CSVWriter()
        for r in rows { try w.writeRow(r) }
        let text = String(decoding: w.bytes, as: UTF8.self)
        XCTAssertEqual(text, """
            province_code,province,note
            420000,湖北省,plain
            100000,全国性组织,"with, comma"
            110000,北京市,"say ""hi\"\"\"
            120000,天津市,"two
            lines"
            130000,河北省,"cr\rhere"
            ,,
            x, leading space,trailing \n
            """)
    }

    /// Integers against `String(_:)` (both ends of Int64, every digit count), dates, nil
    /// fields, and a writer growing from its first capacity (its own buffer, not an Array).
    func testIntegersDatesAndGrowth_giveTheTextOfTheirStringForms() throws {
        var numbers: [Int64] = [0, -1, 9, 10, -10, Int64.max, Int64.min, Int64.min + 1]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            numbers += [p - 1, p, -p, -(p - 1)]
        }
        let w = CSVWriter(reservingCapacity: 8)
        var expected = ""
        for (i, n) in numbers.enumerated() {
            w.field(n)
            w.field(nil as Int64?)
            w.field(date: CivilDate(year: 2000 + i % 30, month: i % 12 + 1, day: i % 28 + 1))
            w.field(date: nil)
            w.field("t\(i)")
            try w.endRow()
            expected += "\(n),,\(String(format: "%04d-%02d-%02d", 2000 + i % 30, i % 12 + 1, i % 28 + 1)),,t\(i)\n"
        }
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), expected)
        XCTAssertEqual(w.rows, numbers.count)
        // Rows encoded elsewhere, appended whole and in slices.
        let copy = CSVWriter()
        try w.withBytes { all in
            try copy.append(encoded: UnsafeBufferPointer(rebasing: all[..<10]), rows: 0)
            try copy.append(encoded: UnsafeBufferPointer(rebasing: all[10...]), rows: numbers.count)
        }
        XCTAssertEqual(copy.bytes, w.bytes)
        XCTAssertEqual(copy.rows, numbers.count)
        w.reset()
        XCTAssertEqual(w.count, 0)
        XCTAssertTrue(w.bytes.isEmpty)
    }

    func testRoundTrip_whenWrittenAsGzip_readsBackTheSameFields() throws {
        let dir = try Workdir()
        let path = dir.path + "/t.csv.gz"
        let w = try CSVWriter(gzipPath: path)
        for r in rows { try w.writeRow(r) }
        try w.commit()
        // The reader trims unquoted leading/trailing spaces (libcsv default, and DATA.md
        // trims values anyway), so compare trimmed.
        let (header, records) = try readAll(path)
        XCTAssertEqual(header, rows[0])
        XCTAssertEqual(records.map(\.fields), rows.dropFirst().map { $0.map { $0.trimmingCharacters(in: .whitespaces) } })
    }

    func testGzip_whenSameRowsWrittenTwice_bytesAreIdenticalWithMtimeZero() throws {
        let dir = try Workdir()
        var outputs: [Data] = []
        for name in ["a.csv.gz", "b.csv.gz"] {
            let w = try CSVWriter(gzipPath: dir.path + "/" + name)
            for _ in 0..<2000 { for r in rows { try w.writeRow(r) } }
            try w.commit()
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + name)))
        }
        XCTAssertEqual(outputs[0], outputs[1])
        let header = [UInt8](outputs[0].prefix(10))
        XCTAssertEqual(Array(header[0...2]), [0x1F, 0x8B, 8], "gzip magic and deflate")
        XCTAssertEqual(header[3], 0, "no FNAME or other flags")
        XCTAssertEqual(Array(header[4...7]), [0, 0, 0, 0], "mtime 0")
    }

    func testParallelGzip_isOneMemberThatGzipDecodes_fixedByContent_andSmallOutputsMatchZlibs() throws {
        let dir = try Workdir()
        // ~3.4 MiB of varied text: four 1 MiB pieces, the last one partial.
        var text: [UInt8] = []
        var x: UInt64 = 12345
        while text.count < 3_500_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            text += Array("line \(x >> 40),\(x % 1000),名称\(x % 97)\n".utf8)
        }
        func write(_ name: String, _ bytes: [UInt8], parallel: Bool, step: Int) throws -> [UInt8] {
            let w = try GzipFileWriter(path: dir.path + "/" + name, level: 6, parallel: parallel)
            var at = 0
            while at < bytes.count {
                let n = min(step, bytes.count - at)
                try bytes.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[at..<at + n])) }
                at += n
            }
            try w.commit()
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + name)))
        }
        let a = try write("a.gz", text, parallel: true, step: 65_536)
        let b = try write("b.gz", text, parallel: true, step: 1_000_003)
        XCTAssertEqual(a, b, "the bytes depend on the content, not on how it was handed over")
        // Decoded by gzip itself (one member: `gzip -l` would list one).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-dc", dir.path + "/a.gz"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let decoded = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual([UInt8](decoded), text)
        let whole = try write("c.gz", text, parallel: false, step: 65_536)
        XCTAssertLessThan(Double(a.count), Double(whole.count) * 1.01, "the pieces compress about as well as one stream")
        // Less than a piece: the same bytes as zlib's own gzip writer.
        let small = Array(text.prefix(500_000))
        XCTAssertEqual(try write("d.gz", small, parallel: true, step: 4096), try write("e.gz", small, parallel: false, step: 4096))
        XCTAssertEqual(try write("f.gz", [], parallel: true, step: 1), try write("g.gz", [], parallel: false, step: 1))
        // Exactly one and two pieces (the final block then comes in an empty last piece).
        for pieces in [1, 2] {
            let exact = Array(text.prefix(pieces * GzipFileWriter.chunkBytes))
            let name = "exact-\(pieces).gz"
            _ = try write(name, exact, parallel: true, step: 300_007)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/gzip")
            check.arguments = ["-dc", dir.path + "/" + name]
            let pipe = Pipe()
            check.standardOutput = pipe
            try check.run()
            let back = pipe.fileHandleForReading.readDataToEndOfFile()
            check.waitUntilExit()
            XCTAssertEqual(check.terminationStatus, 0, name)
            XCTAssertEqual([UInt8](back), exact, name)
        }
    }

    func testAtomic_whenWriterDroppedBeforeCommit_leavesNoFileAndKeepsTheOldOne() throws {
        let dir = try Workdir()
        let path = dir.path + "/table.csv.gz"
        // A previous good output exists.
        let first = try CSVWriter(gzipPath: path)
        try first.writeRow(["old"])
        try first.commit()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let w = try CSVWriter(gzipPath: path)
            for _ in 0..<50_000 { try w.writeRow(rows[2]) }
            // no commit: a failure or a signal
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])

        let fresh = dir.path + "/new.csv.gz"
        do {
            let w = try CSVWriter(gzipPath: fresh)
            try w.writeRow(["x"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh))
    }

    func testAtomic_whenFolderMissing_throwsFileNotWritableNamingThePath() {
        XCTAssertThrowsError(try CSVWriter(gzipPath: "/nonexistent-dir-xyz/t.csv.gz")) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .fileNotWritable)
            XCTAssertTrue("\(error)".contains("/nonexistent-dir-xyz/t.csv.gz"))
        }
    }
}
