import Foundation
import XCTest
@testable import SectorStats

/// The program version goes into every stage and partial key: it must be a plain
/// MAJOR.MINOR.PATCH, and the binary must report the same one.
final class VersionTests: XCTestCase {
    func testVersion_isSemanticAndIsWhatTheBinaryReports() throws {
        let parts = SectorStatsVersion.string.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 3, SectorStatsVersion.string)
        XCTAssertTrue(parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }, SectorStatsVersion.string)
        let r = try CLI.run(["--version"], in: NSTemporaryDirectory())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), SectorStatsVersion.string)
    }
}
