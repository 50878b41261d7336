import XCTest
@testable import SectorStats

final class FixedPointTests: XCTestCase {
    func testYuan_whenFen_hasExactlyTwoDecimals() {
        XCTAssertEqual(FixedPoint.yuan(0), "0.00")
        XCTAssertEqual(FixedPoint.yuan(5), "0.05")
        XCTAssertEqual(FixedPoint.yuan(10), "0.10")
        XCTAssertEqual(FixedPoint.yuan(927_795_920_000), "9277959200.00")
        XCTAssertEqual(FixedPoint.yuan(Int64.max), "92233720368547758.07")
        XCTAssertEqual(FixedPoint.text(hundredths: -5), "-0.05")
        XCTAssertEqual(FixedPoint.text(hundredths: -12345), "-123.45")
    }

    func testPercent_whenExactHalf_roundsAwayFromZero() {
        XCTAssertEqual(FixedPoint.percentText(1, of: 8), "12.50")
        XCTAssertEqual(FixedPoint.percentText(1, of: 3), "33.33")
        XCTAssertEqual(FixedPoint.percentText(2, of: 3), "66.67")
        XCTAssertEqual(FixedPoint.percentText(1, of: 160), "0.63")  // 0.625 exactly
        XCTAssertEqual(FixedPoint.percentText(-1, of: 160), "-0.63")
        XCTAssertEqual(FixedPoint.percentText(1, of: -160), "-0.63")
        XCTAssertEqual(FixedPoint.percentText(-1, of: 200_000), "0.00")  // −0.0005 % → 0.00, never "-0.00"
        XCTAssertEqual(FixedPoint.percentText(1, of: 20_000), "0.01")  // 0.005 % exactly
        XCTAssertEqual(FixedPoint.percentText(1, of: 20_001), "0.00")
        XCTAssertEqual(FixedPoint.percentText(7, of: 7), "100.00")
        XCTAssertEqual(FixedPoint.percentText(3, of: 1), "300.00")
    }

    func testPercent_whenDenominatorZero_isEmpty() {
        XCTAssertEqual(FixedPoint.percentText(0, of: 0), "")
        XCTAssertEqual(FixedPoint.percentText(5, of: 0), "")
    }

    func testPercent_whenFenSumsAreHuge_doesNotOverflow() {
        // 4120765400.00 / 9277959200.00 yuan, in fen: the published 44.41 %.
        XCTAssertEqual(FixedPoint.percentText(412_076_540_000, of: 927_795_920_000), "44.41")
        XCTAssertEqual(FixedPoint.percentText(Int64.max, of: Int64.max), "100.00")
        XCTAssertEqual(FixedPoint.percentText(Int64.max, of: 1), "922337203685477580700.00")
    }

    func testAdd_whenSumOverflows_throwsInsteadOfWrapping() {
        var total = Int64.max - 1
        XCTAssertNoThrow(try FixedPoint.add(&total, 1, "a test sum"))
        XCTAssertEqual(total, Int64.max)
        XCTAssertThrowsError(try FixedPoint.add(&total, 1, "a test sum")) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .arithmeticOverflow)
            XCTAssertTrue("\(error)".contains("a test sum"))
        }
        XCTAssertEqual(total, Int64.max, "unchanged after the failed addition")
    }

    func testCode_isSixDigits() {
        XCTAssertEqual(FixedPoint.code(0), "000000")
        XCTAssertEqual(FixedPoint.code(100_000), "100000")
        XCTAssertEqual(FixedPoint.code(420_000), "420000")
    }
}
