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

    func testResolvedCode_agreesWithResolve_onEveryReferenceCodeAndName() throws {
        // The per-row shortcuts against the full resolution, on every code and name in
        // both reference files, their full-width and spaced forms, and values that fail.
        let table = try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
        var values = ["", "  ", "100000", "全国性组织", "鼓楼区", "市中区", "南京市鼓楼区", "999999", "12345", "1234567", "abcdef",
                      "１１０１０１", " 110101 ", "　１１０１０１　", "110 101", "　北京市　", "湖北省武汉市江汉区", "湖北省 武汉市 江汉区", "不存在区"]
        for file in ["regions.csv", "regions_history.csv"] {
            let text = try String(contentsOfFile: Fixtures.repoRoot + "/datasets/reference/" + file, encoding: .utf8)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 2 else { continue }
                values += [fields[0], fields[1], " " + fields[1] + " ",
                           String(fields[0].unicodeScalars.map { Character(UnicodeScalar($0.value + 0xFEE0)!) })]
            }
        }
        var resolved = 0
        for value in values {
            let viaResolve = table.resolve(value).region?.code
            var copy = value
            let viaCode = copy.withUTF8 { table.resolvedCode($0) }
            XCTAssertEqual(viaCode, viaResolve, value)
            if let code = viaResolve {
                resolved += 1
                XCTAssertTrue(table.contains(code: code))
                let region = try XCTUnwrap(table.region(code: code))
                XCTAssertEqual(table.isCountyLevel(code), region.isCurrent && region.level == .county, value)
            }
        }
        XCTAssertGreaterThan(resolved, 10_000)
        XCTAssertFalse(table.contains(code: 999_999))
        XCTAssertFalse(table.isCountyLevel(999_999))
    }
}
