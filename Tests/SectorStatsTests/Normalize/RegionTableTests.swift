import Foundation
import XCTest
@testable import SectorStats

final class RegionTableTests: XCTestCase {
    /// The shipped reference, loaded once for the suite.
    private static let shipped: Result<RegionTable, RegionTable.LoadError> = {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        do throws(RegionTable.LoadError) {
            return .success(try RegionTable(folder: root.appendingPathComponent("datasets/reference")))
        } catch {
            return .failure(error)
        }
    }()

    private func table() throws -> RegionTable { try Self.shipped.get() }

    private func loadError(_ regions: String, _ history: String = "code,name,level,province_code,first_year,last_year,in_current\n") -> RegionTable.LoadError? {
        do {
            _ = try RegionTable(regionsCSV: Array(regions.utf8), historyCSV: Array(history.utf8))
            return nil
        } catch {
            return error
        }
    }

    func testLoad_whenShippedReference() throws {
        // README of datasets/reference: 34 provinces, 2,847 counties.
        let table = try table()
        XCTAssertEqual(table.provinces.count, 34)
        XCTAssertEqual(table.countyCount, 2_847)
        XCTAssertEqual(table.provinces.first?.name, "北京市")
    }

    func testCountyCount_whenKnownProvinces() throws {
        let table = try table()
        XCTAssertEqual(table.countyCount(inProvince: 110000), 16)  // Beijing's 16 districts
        XCTAssertEqual(table.countyCount(inProvince: 310000), 16)  // Shanghai's 16 districts
        XCTAssertEqual(table.countyCount(inProvince: 420000), 103)  // Hubei's 103 county-level divisions
        XCTAssertEqual(table.countyCount(inProvince: RegionTable.nationalCode), 0)
    }

    func testResolve_whenCurrentCodes() throws {
        let table = try table()
        let jianghan = try XCTUnwrap(table.resolve("420103").region)
        XCTAssertEqual(jianghan.name, "江汉区")
        XCTAssertEqual(jianghan.level, .county)
        XCTAssertEqual(jianghan.parentCode, 420100)
        XCTAssertEqual(jianghan.provinceCode, 420000)
        XCTAssertTrue(jianghan.isCurrent)
        XCTAssertEqual(table.resolve(" ４２０１０３ ").region?.code, 420103)
        XCTAssertEqual(table.resolve("420000").region?.level, .province)
        XCTAssertEqual(table.resolve("420100").region?.level, .prefecture)
    }

    func testResolve_whenRetiredCode() throws {
        // 110103 崇文区 was merged into 东城区 in 2010; USCCs issued before keep it.
        let chongwen = try XCTUnwrap(try table().resolve("110103").region)
        XCTAssertEqual(chongwen.name, "崇文区")
        XCTAssertFalse(chongwen.isCurrent)
        XCTAssertEqual(chongwen.provinceCode, 110000)
        XCTAssertFalse(try table().isCountyLevel(110103))
    }

    func testResolve_whenReusedCodeTakesCurrentName() throws {
        // 130123 was 栾城县 until 1992 and is 正定县 now.
        XCTAssertEqual(try table().resolve("130123").region?.name, "正定县")
    }

    func testResolve_whenNationalLevel() throws {
        let table = try table()
        let national = try XCTUnwrap(table.resolve("100000").region)
        XCTAssertEqual(national.level, .national)
        XCTAssertEqual(national.provinceCode, 100000)
        XCTAssertEqual(table.provinceCode(of: 100000), 100000)
        XCTAssertEqual(table.provinceName(of: 100000), "全国性组织")
        XCTAssertEqual(table.resolve("全国性组织").region?.code, 100000)
    }

    func testResolve_whenUnknownCodes() throws {
        let table = try table()
        for text in ["999999", "420199", "000000", "42010", "4201030", "", "  ", "火星"] {
            XCTAssertEqual(table.resolve(text), .unknown, text)
        }
    }

    func testResolve_whenNames() throws {
        let table = try table()
        let cases: [(String, Int)] = [
            ("湖北省", 420000), ("武汉市", 420100), ("江汉区", 420103), ("湖北省武汉市江汉区", 420103),
            ("湖北省武汉市", 420100), ("武汉市江汉区", 420103), ("湖北省江汉区", 420103), ("湖北省 武汉市　江汉区", 420103),
            ("北京市东城区", 110101), ("南京市鼓楼区", 320106), ("江苏省南京市鼓楼区", 320106), ("济南市市中区", 370103),
        ]
        for (name, code) in cases {
            XCTAssertEqual(table.resolve(name).region?.code, code, name)
        }
    }

    func testResolve_whenAmbiguousCountyName() throws {
        let table = try table()
        XCTAssertEqual(table.resolve("鼓楼区"), .ambiguous([320106, 320302, 350102, 410204]))
        XCTAssertEqual(table.resolve("江苏省鼓楼区"), .ambiguous([320106, 320302]))
        XCTAssertEqual(table.resolve("山东省市中区"), .ambiguous([370103, 370402]))
        XCTAssertNil(table.resolve("鼓楼区").region)
    }

    func testResolve_whenRetiredName() throws {
        XCTAssertEqual(try table().resolve("崇文区"), .unknown)  // names resolve against the current reference only
    }

    func testProvince_whenAnyCode() throws {
        let table = try table()
        XCTAssertEqual(table.provinceCode(of: 420103), 420000)
        XCTAssertEqual(table.provinceCode(of: 110103), 110000)
        XCTAssertEqual(table.provinceName(of: 420103), "湖北省")
        XCTAssertEqual(table.provinceName(of: 810000), "香港特别行政区")
        XCTAssertNil(table.provinceName(of: 990101))
    }

    func testIsCountyLevel_whenLevels() throws {
        let table = try table()
        XCTAssertTrue(table.isCountyLevel(420103))
        XCTAssertTrue(table.isCountyLevel(110101))  // directly under a municipality
        XCTAssertFalse(table.isCountyLevel(420100))
        XCTAssertFalse(table.isCountyLevel(420000))
        XCTAssertFalse(table.isCountyLevel(100000))
    }

    func testLoad_whenSmallFixtureWithCRLF() throws {
        let regions = "code,name,level,parent_code,province_code\r\n420000,湖北省,province,,420000\r\n"
            + "420100,武汉市,prefecture,420000,420000\r\n420103,江汉区,county,420100,420000\r\n"
        let history = "code,name,level,province_code,first_year,last_year,in_current\n"
            + "420103,江汉区,county,420000,1980,current,yes\n420199,旧区,county,420000,1980,1990,no\n"
            + "420199,新旧区,county,420000,1991,1999,no\n"
        let table = try RegionTable(regionsCSV: Array(regions.utf8), historyCSV: Array(history.utf8))
        XCTAssertEqual(table.resolve("湖北省武汉市江汉区").region?.code, 420103)
        XCTAssertEqual(table.resolve("420199").region?.name, "新旧区")  // the latest entry of a retired code
        XCTAssertEqual(table.countyCount, 1)
    }

    func testLoad_whenMalformedReference() {
        let header = "code,name,level,parent_code,province_code\n"
        XCTAssertEqual(loadError("code,name\n")?.message, "header is not \"code,name,level,parent_code,province_code\"")
        XCTAssertEqual(loadError(header + "420000,\"湖北省\",province,,420000\n")?.line, 2)
        XCTAssertEqual(loadError(header + "42000,湖北省,province,,420000\n")?.message, "\"42000\" is not a six-digit code")
        XCTAssertEqual(loadError(header + "420000,湖北省,province,420000\n")?.message, "4 fields, expected 5")
        XCTAssertEqual(loadError(header + "420000,湖北省,state,,420000\n")?.line, 2)
        XCTAssertEqual(loadError(header + "420000,湖北省,province,,420000\n420000,湖北,province,,420000\n")?.line, 3)
        XCTAssertEqual(loadError("")?.message, "the file is empty")
        let badHistory = "code,name,level,province_code,first_year,last_year,in_current\n420199,旧区,county,420000,1980,soon,no\n"
        XCTAssertEqual(loadError(header, badHistory)?.file, RegionTable.historyFileName)
    }

    func testLoad_whenFolderMissing() {
        XCTAssertThrowsError(try RegionTable(folder: URL(fileURLWithPath: "/nonexistent/reference")))
    }
}
