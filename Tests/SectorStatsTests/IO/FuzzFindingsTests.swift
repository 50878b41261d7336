import XCTest
@testable import SectorStats

/// Inputs the libFuzzer targets (Fuzz/, `make fuzz`) found, kept as fixtures.
final class FuzzFindingsTests: XCTestCase {
    private struct Seen: Equatable, Sendable {
        var line: Int
        var issue: CSVIssue.Kind?
        var fields: [[UInt8]]
        var raw: [UInt8]

        init(_ r: CSVRecord) {
            line = r.line
            issue = r.issue?.kind
            fields = r.issue?.kind == .csvMalformed ? [] : (0..<r.count).map { Array(r[$0]) }
            raw = Array(r.raw)
        }
    }

    /// csv-reader target: invalid bytes make the file GB18030; read in 7-byte blocks, iconv
    /// filled the output buffer exactly before a bad byte and the marker was written past its
    /// end (a bounds trap). Serial and parallel reads must agree, at every block size.
    func testRead_whenInvalidGB18030ByteRightAfterAFullBuffer_serialAndParallelAgree() throws {
        let path = Fixtures.path("csv/invalid_gb18030_byte_after_full_buffer.csv")
        var serial: [Seen] = []
        try CSVReader(path: path).forEachRecord { serial.append(Seen($0)) }
        XCTAssertFalse(serial.isEmpty)
        for blockSize in [7, 8, 13, 64, 4096] {
            for chunks in 2...5 {
                let options = CSVReadOptions(blockSize: blockSize)
                let read = try CSVReader.readChunks(path: path, options: options, chunks: chunks, minChunkBytes: 1,
                                                    makeState: { _ in [Seen]() }, visit: { $0.append(Seen($1)) })
                XCTAssertEqual(read.states.flatMap { $0 }, serial, "block \(blockSize), \(chunks) chunks")
            }
        }
    }
}
