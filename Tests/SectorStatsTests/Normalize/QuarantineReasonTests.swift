import XCTest
@testable import SectorStats

final class QuarantineReasonTests: XCTestCase {
    func testRawValues_whenDataContractList() {
        // DATA.md §5 "Quarantine reasons are exactly these codes", in that order.
        let codes = [
            "csv_malformed", "field_count", "encoding", "missing_required", "uscc_format", "uscc_check", "orgcode_check",
            "type_unknown", "status_unknown", "date_impossible", "date_future", "dereg_date_missing", "date_order",
            "region_unknown", "amount_garbage", "amount_negative", "split_mismatch", "source_unknown", "count_garbage",
        ]
        XCTAssertEqual(QuarantineReason.allCases.map(\.rawValue), codes)
    }

    func testDescription_whenFieldError() {
        XCTAssertEqual(FieldError(.usccCheck, "check character is 7, expected K").description, "uscc_check: check character is 7, expected K")
    }
}
