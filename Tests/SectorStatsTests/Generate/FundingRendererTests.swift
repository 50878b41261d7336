import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

final class FundingRendererTests: XCTestCase {
    func testOrdinal_whenEveryCase_thenPositionInAllCases() {
        for (k, source) in SourceType.allCases.enumerated() { XCTAssertEqual(source.ordinal, k) }
        for (k, purpose) in Purpose.allCases.enumerated() {
            XCTAssertEqual(purpose.ordinal, k)
            XCTAssertEqual(FundingRenderer.isRelief(purpose), FundingRenderer.reliefPurposes.contains(purpose))
        }
    }
}
