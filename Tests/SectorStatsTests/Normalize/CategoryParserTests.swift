import XCTest
@testable import SectorStats

final class CategoryParserTests: XCTestCase {
    private func reason(_ body: () throws -> Void) -> QuarantineReason? {
        do {
            try body()
            return nil
        } catch {
            return (error as? FieldError)?.reason
        }
    }

    func testOrgType_whenEverySpelling() throws {
        let cases: [(String, OrgType)] = [
            ("社会团体", .association), ("社会服务机构", .socialService), ("民办非企业单位", .socialService),
            ("基金会", .foundation), ("association", .association), ("Social_Service", .socialService),
            (" FOUNDATION ", .foundation), ("ｆｏｕｎｄａｔｉｏｎ", .foundation), ("　基金会　", .foundation),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try CategoryParser.orgType(text), expected, text)
        }
        XCTAssertNil(try CategoryParser.orgType(""))
        XCTAssertNil(try CategoryParser.orgType("  "))
    }

    func testOrgType_whenUnknown() {
        for text in ["other", "其他", "社团", "social service", "基金", "企业"] {
            XCTAssertEqual(reason { _ = try CategoryParser.orgType(text) }, .typeUnknown, text)
        }
    }

    func testOrgType_whenEmptyTypeAndUSCCCategory() throws {
        XCTAssertEqual(try CategoryParser.orgType("", usccCategory: .other), .other)
        XCTAssertEqual(try CategoryParser.orgType("基金会", usccCategory: .other), .foundation)
        XCTAssertEqual(try CategoryParser.orgType("社会团体", usccCategory: .foundation), .association)  // column wins
        for category in [OrgType.association, .socialService, .foundation, nil] {
            XCTAssertEqual(reason { _ = try CategoryParser.orgType(" ", usccCategory: category) }, .missingRequired)
        }
        XCTAssertEqual(reason { _ = try CategoryParser.orgType("other", usccCategory: .other) }, .typeUnknown)
    }

    func testStatus_whenEverySpelling() throws {
        let cases: [(String, RegistrationStatus)] = [
            ("正常", .active), ("存续", .active), ("注销", .deregistered), ("已注销", .deregistered),
            ("撤销", .revoked), (" 已撤销 ", .revoked),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try CategoryParser.status(text), expected, text)
        }
        XCTAssertNil(try CategoryParser.status(""))
        for text in ["吊销", "active", "正 常"] {  // English status keys are not in DATA.md §1
            XCTAssertEqual(reason { _ = try CategoryParser.status(text) }, .statusUnknown, text)
        }
    }

    func testSourceType_whenLabelsAndKeys() throws {
        let cases: [(String, SourceType)] = [
            ("企业捐赠", .corporate), ("个人捐赠", .individual), ("基金会资助", .foundationGrant),
            ("政府购买服务", .governmentPurchase), ("财政补助", .governmentSubsidy), ("彩票公益金", .lotteryFund),
            ("其他", .other), ("corporate", .corporate), ("INDIVIDUAL", .individual),
            ("foundation_grant", .foundationGrant), ("Government_Purchase", .governmentPurchase),
            ("government_subsidy", .governmentSubsidy), ("lottery_fund", .lotteryFund), ("other", .other),
            ("", .other), ("　", .other),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try CategoryParser.sourceType(text), expected, text)
        }
    }

    func testSourceType_whenUnknown() {
        for text in ["捐赠", "government", "lottery fund"] {
            XCTAssertEqual(reason { _ = try CategoryParser.sourceType(text) }, .sourceUnknown, text)
        }
    }

    func testPurpose_whenFourteenLabels() {
        let labels = ["疫情防控", "救灾", "应急救援", "脱贫攻坚", "乡村振兴", "扶贫", "养老", "助残", "儿童", "教育", "医疗",
                      "环保", "社区服务", "其他"]
        XCTAssertEqual(Purpose.allCases.map(\.rawValue), labels)
        for label in labels {
            let match = CategoryParser.purpose(" \(label) ")
            XCTAssertEqual(match?.purpose.rawValue, label)
            XCTAssertEqual(match?.isKnown, true, label)
        }
    }

    func testPurpose_whenUnknownOrEmpty() {
        let match = CategoryParser.purpose("抗疫")
        XCTAssertEqual(match?.purpose, .other)
        XCTAssertEqual(match?.isKnown, false)
        XCTAssertNil(CategoryParser.purpose(" "))
    }

    func testBoolean_whenEverySpelling() {
        let cases: [(String, Bool?)] = [
            ("是", true), ("否", false), ("Y", true), ("n", false), ("1", true), ("0", false), ("TRUE", true),
            ("False", false), ("Ｙ", true), ("", nil), ("yes", nil), ("2", nil), ("是的", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(CategoryParser.boolean(text), expected, text)
        }
    }
}
