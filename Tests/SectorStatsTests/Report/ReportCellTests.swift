import XCTest
@testable import SectorStats

final class ReportCellTests: XCTestCase {
    func testParse_yuanAsExactFen() {
        XCTAssertEqual(ReportCell.parse("92779592.00", as: .yuan), .fen(9_277_959_200))
        XCTAssertEqual(ReportCell.parse("0.05", as: .yuan), .fen(5))
        XCTAssertEqual(ReportCell.parse("12", as: .yuan), .fen(1200))
        XCTAssertEqual(ReportCell.parse("1.5", as: .yuan), .fen(150))
        XCTAssertEqual(ReportCell.parse("-3.10", as: .yuan), .fen(-310))
    }

    func testParse_percentAsHundredths() {
        XCTAssertEqual(ReportCell.parse("44.41", as: .percent), .hundredths(4441))
        XCTAssertEqual(ReportCell.parse("", as: .percent), .empty)
        XCTAssertEqual(ReportCell.parse("44.41", as: .percent)?.number, 0.4441)
        XCTAssertEqual(ReportCell.parse("44.41", as: .percent)?.plotted, 44.41)
    }

    func testParse_whenNotANumber_isNil() {
        for bad in ["1.234", "1,000.00", "abc", ".", "1.", "--1", "99999999999999999999"] {
            XCTAssertNil(ReportCell.parse(bad, as: .yuan), bad)
        }
        XCTAssertNil(ReportCell.parse("1.5", as: .integer))
    }

    func testText_roundTripsThePublishedForm() {
        for s in ["92779592.00", "0.05", "-3.10", "0.00"] {
            XCTAssertEqual(ReportCell.parse(s, as: .yuan)?.text, s)
        }
        XCTAssertEqual(ReportCell.parse("000000", as: .text)?.text, "000000")
    }

    func testHTMLDisplay_groupsDigits() {
        XCTAssertEqual(HTMLReport.display(.fen(123_456_789), .zh), "1,234,567.89")
        XCTAssertEqual(HTMLReport.display(.fen(-5), .zh), "-0.05")
        XCTAssertEqual(HTMLReport.display(.integer(4896), .zh), "4,896")
        XCTAssertEqual(HTMLReport.display(.hundredths(172), .zh), "1.72%")
        XCTAssertEqual(HTMLReport.display(.empty, .zh), "—")
    }
}
