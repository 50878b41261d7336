import XCTest
@testable import SectorStats
final class VersionTests: XCTestCase { func testVersion() { XCTAssertFalse(SectorStatsVersion.string.isEmpty) } }
