import Foundation
import XCTest
@testable import SectorStats

/// The allocation-free look-ups of RegionTable (open-addressed codes, byte-keyed names)
/// behave as the dictionaries they replaced: every current name and code of the shipped
/// reference resolves, keys are normalized the same way, and out-of-range codes are unknown.
final class RegionTableLookupTests: XCTestCase {
    private let table = AggregateFixtures.regions

    func testResolve_whenEveryCurrentProvinceNameAndCode_roundTrips() {
        XCTAssertGreaterThan(table.provinces.count, 30)
        for province in table.provinces {
            XCTAssertEqual(table.region(code: province.code), province)
            XCTAssertEqual(table.resolve(String(province.code)), .region(province))
            XCTAssertEqual(table.resolve(province.name), .region(province), province.name)
            XCTAssertEqual(table.provinceName(of: province.code + 101), province.name)
        }
    }

    func testResolve_whenBlanksAndFullWidthInAName_foldsThemIntoTheKey() {
        for text in ["　湖北省\t武汉市 \n江汉区　", "湖北省 武汉市 江汉区", " 江汉区 "] {
            XCTAssertEqual(table.resolve(text).region?.code, 420_103, text.debugDescription)
        }
        XCTAssertEqual(table.resolve("４２０１０３").region?.code, 420_103, "full-width digits are a code")
        XCTAssertEqual(table.resolve("全国性组织").region?.code, RegionTable.nationalCode)
        XCTAssertEqual(table.resolve(String(repeating: "湖北省", count: 40_000)), .unknown, "a long value, no key")
    }

    func testRegion_whenCodeOutsideTheTable_isNil() {
        for code in [-1, 0, 999_999, 1_000_000, Int(UInt32.max) + 420_103, Int.max, Int.min] {
            XCTAssertNil(table.region(code: code), "\(code)")
            XCTAssertFalse(table.isCountyLevel(code))
        }
        XCTAssertEqual(table.region(code: RegionTable.nationalCode)?.name, RegionTable.nationalName)
        XCTAssertFalse(table.isCountyLevel(RegionTable.nationalCode))
    }
}
