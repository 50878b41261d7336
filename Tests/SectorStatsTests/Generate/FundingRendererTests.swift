import XCTest
@testable import SectorStats

final class FundingRendererTests: XCTestCase {
    func testIndex_whenEveryCase_thenPositionInAllCases() {
        for (k, source) in SourceType.allCases.enumerated() { XCTAssertEqual(FundingRenderer.index(of: source), k) }
        for (k, purpose) in Purpose.allCases.enumerated() {
            XCTAssertEqual(FundingRenderer.index(of: purpose), k)
            XCTAssertEqual(FundingRenderer.isRelief(purpose), FundingRenderer.reliefPurposes.contains(purpose))
        }
    }
}
