import XCTest
@testable import SectorStats

/// A row's warnings as packed counts (DATA.md §5: warnings are counted, not quarantined):
/// the per-name tally must count each occurrence, as the array of warnings did.
final class WarningCountsTests: XCTestCase {
    func testCounts_eachOccurrence_andListsThemInCaseOrder() {
        var w = WarningCounts()
        XCTAssertTrue(w.isEmpty)
        w.add(.booleanUnknown)
        w.add(.typeUSCCMismatch)
        w.add(.booleanUnknown)  // community and charity both unreadable
        XCTAssertFalse(w.isEmpty)
        XCTAssertEqual(w.count(of: .booleanUnknown), 2)
        XCTAssertEqual(w.count(of: .typeUSCCMismatch), 1)
        XCTAssertEqual(w.count(of: .purposeUnknown), 0)
        XCTAssertEqual(w.list, [.typeUSCCMismatch, .booleanUnknown, .booleanUnknown])
        XCTAssertEqual(WarningCounts(w.list), w)

        var tally = ["purpose_unknown": 5]
        w.add(to: &tally)
        XCTAssertEqual(tally, ["purpose_unknown": 5, "type_uscc_mismatch": 1, "boolean_unknown": 2])
        WarningCounts().add(to: &tally)
        XCTAssertEqual(tally.count, 3, "no warnings add no names")
    }

    func testCounts_saturateWithoutSpillingIntoTheNextKind() {
        var w = WarningCounts()
        for _ in 0..<300 { w.add(.typeUSCCMismatch) }
        XCTAssertEqual(w.count(of: .typeUSCCMismatch), 255)
        XCTAssertEqual(w.count(of: .purposeUnknown), 0)
        XCTAssertEqual(w.count(of: .booleanUnknown), 0)
    }
}
