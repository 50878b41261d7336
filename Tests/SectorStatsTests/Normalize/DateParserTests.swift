import XCTest
@testable import SectorStats

final class DateParserTests: XCTestCase {
    private let asOf = CivilDate(year: 2026, month: 11, day: 25)

    private func date(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            return try DateParser.parse(text, asOf: asOf)?.description
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    private func failure(_ text: String) -> FieldError? {
        do {
            let value = try DateParser.parse(text, asOf: asOf)
            XCTFail("\(text) parsed as \(String(describing: value))")
            return nil
        } catch {
            return error
        }
    }

    func testParse_whenDataContractExamples() {
        for text in ["2020-12-08", "2020/12/8", "2020.12.08", "20201208", "2020年12月8日", "2020-12-08 14:03:00", "44173"] {
            XCTAssertEqual(date(text), "2020-12-08", text)
        }
    }

    func testParse_whenEmpty() {
        XCTAssertNil(date(""))
        XCTAssertNil(date(" \t "))
        XCTAssertNil(date("　"))
    }

    func testParse_whenOtherAcceptedShapes() {
        let cases: [(String, String)] = [
            ("2020-1-2", "2020-01-02"),
            ("2020/01/02", "2020-01-02"),
            ("2020.1.02", "2020-01-02"),
            (" 2020-12-08 ", "2020-12-08"),
            ("２０２０－１２－０８", "2020-12-08"),  // full-width digits and hyphen
            ("2020-12-08 9:05", "2020-12-08"),
            ("2020-12-08   23:59:59", "2020-12-08"),
            ("2020-12-08 00:00", "2020-12-08"),
            ("20201208 14:03", "2020-12-08"),
            ("2020年12月8日14:03", "2020-12-08"),
            ("2020年1月1日 0:00:00", "2020-01-01"),
            ("2020/12/8　14:03", "2020-12-08"),  // ideographic space
            ("2000-02-29", "2000-02-29"),
            ("1000-01-01", "1000-01-01"),
            ("2026-11-25", "2026-11-25"),  // the as-of date itself
        ]
        for (text, expected) in cases {
            XCTAssertEqual(date(text), expected, text)
        }
    }

    func testParse_whenExcelSerial() {
        // Day 0 = 1899-12-30: 25569 = 1970-01-01 (the Unix epoch), 36526 = 2000-01-01,
        // 44173 = 2020-12-08 (DATA.md).
        XCTAssertEqual(date("25569"), "1970-01-01")
        XCTAssertEqual(date("36526"), "2000-01-01")
        XCTAssertEqual(date("44173"), "2020-12-08")
        XCTAssertEqual(date("10000"), "1927-05-18")
    }

    func testParse_whenNotACalendarDate() {
        let cases: [(String, String)] = [
            ("2020-02-30", "2020-02-30 is not a calendar date"),
            ("2020/2/30", "2020-02-30 is not a calendar date"),
            ("1900-02-29", "1900-02-29 is not a calendar date"),
            ("2021-02-29", "2021-02-29 is not a calendar date"),
            ("20201301", "2020-13-01 is not a calendar date"),
            ("2020年4月31日", "2020-04-31 is not a calendar date"),
            ("2020-00-10", "2020-00-10 is not a calendar date"),
        ]
        for (text, detail) in cases {
            let error = failure(text)
            XCTAssertEqual(error?.reason, .dateImpossible, text)
            XCTAssertEqual(error?.detail, detail, text)
        }
    }

    func testParse_whenYearOutOfRange() {
        for text in ["0999-12-31", "3000-01-01", "09991231"] {
            let error = failure(text)
            XCTAssertEqual(error?.reason, .dateImpossible, text)
            XCTAssertEqual(error?.detail.contains("outside 1000–2999"), true, text)
        }
    }

    func testParse_whenWrongShape() {
        let texts = [
            "2020-12/08", "2020-1208", "12/08/2020", "2020-12-08-01", "20-12-08", "2020--12-08", "2020-123-08",
            "2020-12-123", "4417", "441730", "1234567", "202012081", "2020年12月8", "2020年12-8日", "abc",
            "2020-12-08T14:03", "2020-12-0814:03", "2020-12-08 24:00", "2020-12-08 14:60", "2020-12-08 14:3",
            "2020-12-08 14:03:60", "2020-12-08 14:03:00.000", "2020-12-08 14", "20201208 1403", "44173 ",
        ]
        for text in texts.dropLast() {
            XCTAssertEqual(failure(text)?.reason, .dateImpossible, text)
        }
        XCTAssertEqual(date("44173 "), "2020-12-08")  // trailing blanks are trimmed
    }

    func testParse_whenAfterAsOfDate() {
        let error = failure("2026-11-26")
        XCTAssertEqual(error?.reason, .dateFuture)
        XCTAssertEqual(error?.detail, "2026-11-26 is after the as-of date 2026-11-25")
        XCTAssertEqual(failure("99999")?.reason, .dateFuture)  // an Excel day in 2173
    }

    func testParse_whenNoAsOfDate() throws {
        XCTAssertEqual(try DateParser.parse("2999-12-31", asOf: nil)?.description, "2999-12-31")
    }
}
