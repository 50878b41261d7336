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

    // MARK: - Properties

    /// Walks the calendar day by day from Excel's day 0 with a plain month-length table
    /// (an oracle independent of the day-number arithmetic) and checks every 5-digit serial.
    func testParse_whenEveryExcelSerialAgainstCalendarWalk() throws {
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var (year, month, day) = (1899, 12, 30)
        for serial in 0...99_999 {
            if serial >= 10_000, serial % 7 == 0 {
                let expected = String(format: "%04d-%02d-%02d", year, month, day)
                XCTAssertEqual(try DateParser.parse(String(serial), asOf: nil)?.description, expected, "\(serial)")
            }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let length = month == 2 && leap ? 29 : monthLengths[month - 1]
            day += 1
            if day > length { (day, month) = (1, month + 1) }
            if month > 12 { (month, year) = (1, year + 1) }
        }
        // The day after serial 99999: 99999 − 25569 = 74430 days after 1970-01-01; 2173-01-01 is
        // 203·365 + 50 leap days = 74145, so 99999 is day 286 of 2173 = Oct 13, and the walk ends on Oct 14.
        XCTAssertEqual([year, month, day], [2173, 10, 14])
    }

    /// Random calendar dates in 1000–2999 written in every accepted spelling parse back.
    func testParse_whenRandomDatesInEverySpelling() throws {
        var rng = SplitMix64(seed: 0xDA7E)
        for _ in 0..<1_000 {
            let year = Int.random(in: 1000...2999, using: &rng)
            let month = Int.random(in: 1...12, using: &rng)
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            let day = Int.random(in: 1...length, using: &rng)
            let expected = String(format: "%04d-%02d-%02d", year, month, day)
            let time = Bool.random(using: &rng) ? "" : String(format: " %d:%02d:%02d", Int.random(in: 0...23, using: &rng),
                                                            Int.random(in: 0...59, using: &rng), Int.random(in: 0...59, using: &rng))
            let spellings = [
                expected, "\(year)/\(month)/\(day)", String(format: "%04d.%02d.%02d", year, month, day),
                String(format: "%04d%02d%02d", year, month, day), "\(year)年\(month)月\(day)日",
            ]
            for spelling in spellings {
                XCTAssertEqual(try DateParser.parse(spelling + time, asOf: nil)?.description, expected, spelling + time)
            }
            let impossible = String(format: "%04d-%02d-%02d", year, month, length + 1)
            XCTAssertThrowsError(try DateParser.parse(impossible, asOf: nil), impossible)
        }
    }
}
