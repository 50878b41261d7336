import Foundation
import XCTest
@testable import SectorStats

/// QuarantineSink writes quarantine.csv.gz while the stage runs; what it writes must be what
/// sorting every entry by source (UTF-8 bytes) then line gives (DATA.md §5), whatever order
/// the files are read in, and nothing may be left behind when the stage fails.
final class QuarantineSinkTests: XCTestCase {
    private func entry(_ source: String, _ line: Int) -> QuarantineEntry {
        QuarantineEntry(source: source, line: line, field: "amount", reason: .amountGarbage, detail: "d\(line)", raw: "r,\(line)")
    }

    /// Feeds `files` (name, lines) in the given order, a few entries per call as chunks do.
    private func write(_ files: [(String, [Int])], sources: [String], to path: String) throws -> Int {
        let sink = QuarantineSink(path: path, level: 6, sources: sources)
        for (name, lines) in files {
            var rest = lines[...]
            while !rest.isEmpty {
                sink.add(rest.prefix(2).map { entry(name, $0) }, source: name)
                rest = rest.dropFirst(2)
            }
            sink.finish(source: name)
        }
        try sink.close().commit()
        return sink.count
    }

    private func read(_ path: String) throws -> [[String]] {
        try readAll(path).records.map { [$0.fields[0], $0.fields[1]] }
    }

    func testClose_whenFilesAreReadInAnyOrder_writesThemSortedBySourceThenLine() throws {
        let dir = try Workdir()
        // Read order z, m (no entries), b, A, a; sorted by bytes: "A.csv" < "a.csv" < "b.csv" < "m.csv" < "z.csv".
        let files: [(String, [Int])] = [("z.csv", [2, 5, 9]), ("m.csv", []), ("b.csv", [3, 4, 7, 8, 10]), ("A.csv", [6]),
                                        ("a.csv", [2, 3])]
        let path = dir.path + "/q.csv.gz"
        XCTAssertEqual(try write(files, sources: files.map(\.0), to: path), 11)
        XCTAssertEqual(try read(path), [
            ["A.csv", "6"], ["a.csv", "2"], ["a.csv", "3"], ["b.csv", "3"], ["b.csv", "4"], ["b.csv", "7"], ["b.csv", "8"],
            ["b.csv", "10"], ["z.csv", "2"], ["z.csv", "5"], ["z.csv", "9"],
        ])
    }

    func testClose_whenTwoInputsShareAName_interleavesTheirLines() throws {
        // Two files named the same (in different folders): one source, lines merged.
        let dir = try Workdir()
        let files: [(String, [Int])] = [("f.csv", [2, 7, 9]), ("e.csv", [4]), ("f.csv", [3, 8])]
        let path = dir.path + "/q.csv.gz"
        XCTAssertEqual(try write(files, sources: files.map(\.0), to: path), 6)
        XCTAssertEqual(try read(path), [["e.csv", "4"], ["f.csv", "2"], ["f.csv", "3"], ["f.csv", "7"], ["f.csv", "8"], ["f.csv", "9"]])
    }

    func testClose_whenNoEntries_writesTheHeaderOnly() throws {
        let dir = try Workdir()
        let path = dir.path + "/q.csv.gz"
        XCTAssertEqual(try write([("a.csv", [])], sources: ["a.csv"], to: path), 0)
        let (header, rows) = try readAll(path)
        XCTAssertEqual(header, NormalizeStage.quarantineColumns)
        XCTAssertEqual(rows.count, 0)
    }

    func testAbandon_whenEntriesWereBeingWritten_leavesNoFileOnceItReturns() throws {
        // "a.csv" sorts first: its entries are compressed in the background as they come.
        let dir = try Workdir()
        let sink = QuarantineSink(path: dir.path + "/q.csv.gz", level: 9, sources: ["a.csv", "b.csv"])
        for chunk in 0..<200 { sink.add((0..<500).map { entry("a.csv", chunk * 500 + $0 + 2) }, source: "a.csv") }
        sink.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
