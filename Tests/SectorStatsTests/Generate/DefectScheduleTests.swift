import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

final class DefectScheduleTests: XCTestCase {
    func testReason_whenRate_thenThatManyDefectsAndEveryReasonPerCycle() {
        let reasons: [QuarantineReason] = [.csvMalformed, .fieldCount, .amountGarbage, .dateFuture]
        let schedule = DefectSchedule(rate: 0.01, reasons: reasons, seed: 1, salt: 2, firstEncodingPosition: 0)
        let planted = (0..<10_000).compactMap { schedule.reason(at: $0) }
        XCTAssertEqual(planted.count, 100)
        for cycle in stride(from: 0, to: planted.count, by: reasons.count) {
            XCTAssertEqual(Set(planted[cycle..<cycle + reasons.count]), Set(reasons))
        }
    }

    func testReason_whenEncodingTooEarlyForSniffing_thenFieldCount() {
        let schedule = DefectSchedule(rate: 0.5, reasons: [.encoding], seed: 1, salt: 2, firstEncodingPosition: 100)
        XCTAssertEqual(Set((0..<100).compactMap { schedule.reason(at: $0) }), [.fieldCount])
        XCTAssertEqual(Set((100..<200).compactMap { schedule.reason(at: $0) }), [.encoding])
    }

    func testReason_whenZeroRate_thenNone() {
        let schedule = DefectSchedule(rate: 0, reasons: [.encoding], seed: 1, salt: 2, firstEncodingPosition: 0)
        XCTAssertTrue((0..<1_000).allSatisfy { schedule.reason(at: $0) == nil })
    }
}
