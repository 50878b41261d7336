import XCTest
@testable import SectorStats

final class CivilDateTests: XCTestCase {
    func testInit_whenLeapYears() {
        XCTAssertNil(CivilDate(year: 1900, month: 2, day: 29))  // century, not divisible by 400
        XCTAssertNotNil(CivilDate(year: 2000, month: 2, day: 29))  // divisible by 400
        XCTAssertNotNil(CivilDate(year: 2020, month: 2, day: 29))
        XCTAssertNil(CivilDate(year: 2021, month: 2, day: 29))
        XCTAssertNil(CivilDate(year: 2020, month: 2, day: 30))
        XCTAssertNil(CivilDate(year: 2020, month: 4, day: 31))
        XCTAssertNil(CivilDate(year: 2020, month: 13, day: 1))
        XCTAssertNil(CivilDate(year: 2020, month: 0, day: 1))
        XCTAssertNil(CivilDate(year: 2020, month: 1, day: 0))
    }

    func testDayNumber_whenKnownDates() {
        // Unix day numbers: 2020-01-01 = 1577836800 s / 86400 = 18262; 2000-03-01 = 11017.
        XCTAssertEqual(CivilDate(year: 1970, month: 1, day: 1)?.dayNumber, 0)
        XCTAssertEqual(CivilDate(year: 1969, month: 12, day: 31)?.dayNumber, -1)
        XCTAssertEqual(CivilDate(year: 2020, month: 1, day: 1)?.dayNumber, 18262)
        XCTAssertEqual(CivilDate(year: 2000, month: 3, day: 1)?.dayNumber, 11017)
        XCTAssertEqual(CivilDate(year: 1899, month: 12, day: 30)?.dayNumber, DateParser.excelEpochDayNumber)
    }

    func testInitDayNumber_whenRoundTrip() {
        for dayNumber in stride(from: -400_000, through: 400_000, by: 997) {
            let date = CivilDate(dayNumber: dayNumber)
            XCTAssertEqual(date?.dayNumber, dayNumber)
        }
        // Consecutive day numbers are consecutive calendar days across a leap day.
        XCTAssertEqual(CivilDate(dayNumber: 11016)?.description, "2000-02-29")
    }

    func testDescription_whenPadded() {
        XCTAssertEqual(CivilDate(year: 2020, month: 12, day: 8)?.description, "2020-12-08")
        XCTAssertEqual(CivilDate(year: 1000, month: 1, day: 1)?.description, "1000-01-01")
        XCTAssertEqual(CivilDate(year: 999, month: 1, day: 1)?.description, "0999-01-01")
    }

    func testCompare_whenOrderedByDay() throws {
        let a = try XCTUnwrap(CivilDate(year: 2019, month: 12, day: 31))
        let b = try XCTUnwrap(CivilDate(year: 2020, month: 1, day: 1))
        XCTAssertLessThan(a, b)
        XCTAssertEqual(b.dayNumber - a.dayNumber, 1)
    }
}
