import XCTest
@testable import SectorStats

final class YearTableTests: XCTestCase {
    func testBase_whenYearsArriveInAnyOrder_growsBothWays() {
        var table = YearTable(stride: 2, zero: 0)
        XCTAssertNil(table.years)
        table.cells[table.base(of: 2020) + 1] += 5
        table.cells[table.base(of: 2017)] += 3
        table.cells[table.base(of: 2022) + 1] += 7
        XCTAssertEqual(table.years, 2017...2022)
        XCTAssertEqual(table[2020, 1], 5)
        XCTAssertEqual(table[2017, 0], 3)
        XCTAssertEqual(table[2022, 1], 7)
        XCTAssertEqual(table[2019, 0], 0)
        XCTAssertEqual(table[1999, 0], 0, "outside: zero")
    }

    func testMerge_addsCellByCell() {
        var a = YearTable(stride: 1, zero: 0)
        var b = YearTable(stride: 1, zero: 0)
        a.cells[a.base(of: 2018)] = 1
        b.cells[b.base(of: 2016)] = 10
        b.cells[b.base(of: 2018)] = 20
        b.cells[b.base(of: 2021)] = 30
        a.merge(b) { (x: inout Int, y: Int) in x += y }
        XCTAssertEqual(a.years, 2016...2021)
        XCTAssertEqual((2016...2021).map { a[$0, 0] }, [10, 0, 21, 0, 0, 30])
    }
}
