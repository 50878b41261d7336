import XCTest
@testable import SectorStats

final class FundingSplitTests: XCTestCase {
    private func reason(_ amount: Int64?, _ cash: Int64?, _ inKind: Int64?) -> QuarantineReason? {
        do {
            _ = try FundingSplit.resolve(amount: amount, cash: cash, inKind: inKind)
            return nil
        } catch {
            return error.reason
        }
    }

    func testResolve_whenAmountAndCashDeriveInKind() throws {
        // DATA.md: 92.779592亿 given, 51.571938亿 cash → 41.207654亿 in kind (44.41%).
        let split = try FundingSplit.resolve(amount: 927_795_920_000, cash: 515_719_380_000, inKind: nil)
        XCTAssertEqual(split.inKind, 412_076_540_000)
        XCTAssertEqual(split.cash, 515_719_380_000)
        XCTAssertTrue(split.isSplit)
    }

    func testResolve_whenAmountAndInKindDeriveCash() throws {
        let split = try FundingSplit.resolve(amount: 1_000, cash: nil, inKind: 300)
        XCTAssertEqual(split.cash, 700)
        XCTAssertEqual(split.amount, 1_000)
    }

    func testResolve_whenPartsDeriveAmount() throws {
        let split = try FundingSplit.resolve(amount: nil, cash: 700, inKind: 300)
        XCTAssertEqual(split.amount, 1_000)
    }

    func testResolve_whenAllThreeWithinTolerance() throws {
        let split = try FundingSplit.resolve(amount: 10_000, cash: 5_000, inKind: 4_900)  // 1.00 off
        XCTAssertEqual([split.amount, split.cash, split.inKind], [10_000, 5_000, 4_900])
        XCTAssertNoThrow(try FundingSplit.resolve(amount: 10_000, cash: 5_000, inKind: 5_100))
    }

    func testResolve_whenAllThreeDisagree() {
        XCTAssertEqual(reason(10_000, 5_000, 4_899), .splitMismatch)  // 1.01 off
        XCTAssertEqual(reason(10_000, 5_000, 5_101), .splitMismatch)
        do {
            _ = try FundingSplit.resolve(amount: 10_000, cash: 5_000, inKind: 4_000)
        } catch {
            XCTAssertEqual(
                error.detail, "amount 100.00 is not cash 50.00 + in_kind 40.00: they differ by 10.00 yuan, more than the 1.00 allowed")
        }
    }

    func testResolve_whenDerivedPartNegative() {
        XCTAssertEqual(reason(1_000, 1_001, nil), .splitMismatch)
        XCTAssertEqual(reason(1_000, nil, 1_001), .splitMismatch)
        XCTAssertNil(reason(1_000, 1_000, nil))  // in kind 0
    }

    func testResolve_whenOnlyAmount() throws {
        let split = try FundingSplit.resolve(amount: 5, cash: nil, inKind: nil)
        XCTAssertFalse(split.isSplit)
        XCTAssertNil(split.cash)
        XCTAssertNil(split.inKind)
    }

    func testResolve_whenNoAmountAndNotBothParts() {
        XCTAssertEqual(reason(nil, nil, nil), .missingRequired)
        XCTAssertEqual(reason(nil, 5, nil), .missingRequired)
        XCTAssertEqual(reason(nil, nil, 5), .missingRequired)
    }
}
