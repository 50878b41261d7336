import XCTest
@testable import SectorStats

final class HeaderMatcherTests: XCTestCase {
    func testMatch_whenEveryRegistrationSpelling() {
        let matcher = HeaderMatcher<RegistrationField>()
        for field in RegistrationField.allCases {
            for spelling in field.spellings {
                XCTAssertEqual(matcher.field(for: spelling)?.field, field, spelling)
            }
        }
    }

    func testMatch_whenEveryFundingSpelling() {
        let matcher = HeaderMatcher<FundingField>()
        for field in FundingField.allCases {
            for spelling in field.spellings {
                XCTAssertEqual(matcher.field(for: spelling)?.field, field, spelling)
            }
        }
    }

    func testSpellings_whenNoneSharedBetweenFields() {
        let registration = RegistrationField.allCases.flatMap(\.spellings).map { HeaderMatcher<RegistrationField>.key($0) }
        XCTAssertEqual(Set(registration).count, registration.count)
        let funding = FundingField.allCases.flatMap(\.spellings).map { HeaderMatcher<FundingField>.key($0) }
        XCTAssertEqual(Set(funding).count, funding.count)
    }

    func testMatch_whenTrimmedFullWidthAndCaseFolded() {
        let matcher = HeaderMatcher<RegistrationField>()
        XCTAssertEqual(matcher.field(for: "  USCC ")?.field, .uscc)
        XCTAssertEqual(matcher.field(for: "Ｏｒｇ＿Ｎａｍｅ")?.field, .name)
        XCTAssertEqual(matcher.field(for: "\u{FEFF}社会组织名称")?.field, .name)
        XCTAssertEqual(matcher.field(for: "　登记状态　")?.field, .status)
        XCTAssertEqual(matcher.field(for: "Reg_Date")?.field, .registeredOn)
        XCTAssertNil(matcher.field(for: "备注"))
        XCTAssertNil(matcher.field(for: "org name"))
    }

    func testMatch_whenRegistrationHeaderRow() {
        let headers = ["统一社会信用代码", "社会组织名称", "社会组织类型", "成立登记日期", "登记状态", "注册资金（万元）", "备注", "名称"]
        let match = HeaderMatcher<RegistrationField>().match(headers)
        XCTAssertEqual(match.columns, [.uscc: 0, .name: 1, .type: 2, .registeredOn: 3, .status: 4, .capital: 5])
        XCTAssertEqual(match.unknownColumns, [6])
        XCTAssertEqual(match.duplicateColumns, [7])
        XCTAssertEqual(match.missingRequired, [])
        XCTAssertEqual(match.wanYuanFields, [.capital])
        XCTAssertEqual(match.bareUnit(of: .capital), .wan)
    }

    func testMatch_whenCapitalHeaderWithoutUnit() {
        for header in ["注册资金", "注册资本", "capital", "注册资本(元)"] {
            let match = HeaderMatcher<RegistrationField>().match([header])
            XCTAssertEqual(match.columns[.capital], 0, header)
            XCTAssertEqual(match.bareUnit(of: .capital), .yuan, header)
        }
        for header in ["注册资本(万元)", "Capital（万元）", "注册资金 (万元)"] {
            XCTAssertEqual(HeaderMatcher<RegistrationField>().match([header]).bareUnit(of: .capital), .wan, header)
        }
    }

    func testMatch_whenUnitSuffixOnNonMoneyField() {
        XCTAssertNil(HeaderMatcher<RegistrationField>().field(for: "名称(万元)"))
    }

    func testMatch_whenRegistrationRequiredMissing() {
        let match = HeaderMatcher<RegistrationField>().match(["name", "status"])
        XCTAssertEqual(match.missingRequired, [.uscc, .type, .registeredOn])
    }

    func testMatch_whenFundingMoneyColumns() {
        let base = ["记录编号", "受赠组织统一社会信用代码", "捐赠日期", "用途"]
        let matcher = HeaderMatcher<FundingField>()
        XCTAssertEqual(matcher.match(base + ["金额"]).missingRequired, [])
        XCTAssertEqual(matcher.match(base + ["现金", "物资"]).missingRequired, [])
        XCTAssertEqual(matcher.match(base + ["现金"]).missingRequired, [.amount])
        XCTAssertEqual(matcher.match(base).missingRequired, [.amount])
        XCTAssertEqual(matcher.match(["金额"]).missingRequired, [.recordID, .recipientUSCC, .receivedOn, .purpose])
        XCTAssertEqual(matcher.match(base + ["金额(万元)", "现金（万元）", "物资"]).wanYuanFields, [.amount, .cash])
    }

    func testMatch_whenCallerAliases() {
        let matcher = HeaderMatcher<FundingField>(aliases: ["受赠单位代码": .recipientUSCC, "Donor": .funder, "日期": .region])
        XCTAssertEqual(matcher.field(for: "受赠单位代码")?.field, .recipientUSCC)
        XCTAssertEqual(matcher.field(for: "DONOR")?.field, .funder)
        XCTAssertEqual(matcher.field(for: "日期")?.field, .region)  // an alias overrides a built-in spelling
        XCTAssertEqual(matcher.field(for: "捐赠方")?.field, .funder)
    }
}
