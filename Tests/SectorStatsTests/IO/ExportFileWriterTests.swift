import XCTest
@testable import SectorStats

final class ExportFileWriterTests: XCTestCase {
    func testCRLFLineEnds_endsRecordsWithCRLF_keepsBreaksInsideQuotes() {
        let csv = "a,b\n1,\"two\nlines\"\n3,\"x\"\"y\"\n"
        XCTAssertEqual(ExportFileWriter.crlfLineEnds(csv, quoted: true), "a,b\r\n1,\"two\nlines\"\r\n3,\"x\"\"y\"\r\n")
    }

    func testCRLFLineEnds_whenAlreadyCRLF_isUnchanged() {
        XCTAssertEqual(ExportFileWriter.crlfLineEnds("a\r\nb\r\n", quoted: true), "a\r\nb\r\n")
    }

    func testCRLFLineEnds_whenNotQuoted_quotesAreText() {
        XCTAssertEqual(ExportFileWriter.crlfLineEnds("a\"\tb\nc\n", quoted: false), "a\"\tb\r\nc\r\n")
    }
}
