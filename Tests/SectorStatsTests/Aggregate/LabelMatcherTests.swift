import XCTest
@testable import SectorStats

final class LabelMatcherTests: XCTestCase {
    private func match(_ matcher: LabelMatcher, _ text: String) -> Int? {
        var text = text
        return text.withUTF8 { matcher.match($0) }
    }

    func testMatch_whenExactLabel_givesItsOrdinal() {
        for purpose in Purpose.allCases {
            XCTAssertEqual(match(Purpose.matcher, purpose.rawValue), purpose.ordinal, purpose.rawValue)
            XCTAssertEqual(Purpose.byOrdinal[purpose.ordinal], purpose)
        }
        for source in SourceType.allCases {
            XCTAssertEqual(match(SourceType.matcher, source.rawValue), source.ordinal, source.rawValue)
            XCTAssertEqual(SourceType.byOrdinal[source.ordinal], source)
        }
        for type in OrgType.allCases {
            XCTAssertEqual(match(OrgType.matcher, type.rawValue), type.ordinal, type.rawValue)
            XCTAssertEqual(OrgType.byOrdinal[type.ordinal], type)
        }
    }

    func testMatch_whenPrefixExtensionOrOtherSpelling_matchesNothing() {
        for text in ["", "疫情", "疫情防控 ", "疫情防控控", "救", "其它", "Corporate", "corporat", "corporatex", "government_purchasE",
                     "government_", "social_service ", "民办非企业单位"] {
            XCTAssertNil(match(Purpose.matcher, text), text)
            XCTAssertNil(match(SourceType.matcher, text), text)
            XCTAssertNil(match(OrgType.matcher, text), text)
        }
    }
}

final class USCCTableTests: XCTestCase {
    func testInsertAndFind_whenManyCodes_findsEachAndNoOther() {
        var table = USCCTable(capacity: 20_000)
        let codes = (0..<20_000).map { USCC(high: UInt64($0) &* 2_654_435_761 % 26_439_622_160_671, low: UInt64($0 % 97)) }
        for (i, code) in codes.enumerated() { XCTAssertNil(table.insert(code, id: Int32(i))) }
        for (i, code) in codes.enumerated() {
            XCTAssertEqual(table.id(high: code.high, low: code.low), Int32(i))
            XCTAssertEqual(table.insert(code, id: 99_999), Int32(i), "a duplicate keeps the first id")
        }
        XCTAssertNil(table.id(high: 1, low: 98))
        XCTAssertNil(USCCTable(capacity: 0).id(high: 0, low: 0))
    }
}
