import XCTest
@testable import SectorStats

final class CountParserTests: XCTestCase {
    func testParse_whenAccepted() throws {
        let cases: [(String, Int64)] = [
            ("", 0), ("  ", 0), ("0", 0), ("12", 12), ("１２３", 123), ("999999999999", 999_999_999_999),
            ("1.2万", 12_000), ("3万", 30_000), ("0.0001万", 1), ("1.23450万", 12_345), ("99999999.9999万", 999_999_999_999),
            (" 2.5万 ", 25_000),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try CountParser.parse(text), expected, text)
        }
    }

    func testParse_whenGarbage() {
        let texts = [
            "1000000000000", "1.5", "1.23456万", "100000000万", "-1", "1,200", "1.2万人", "万", ".5万", "5.万", "约100",
            "1.2 万", "12人次", "1e3",
        ]
        for text in texts {
            XCTAssertThrowsError(try CountParser.parse(text), text) { error in
                XCTAssertEqual((error as? FieldError)?.reason, .countGarbage, text)
            }
        }
    }

    func testParse_whenGarbageDetailNamesValue() {
        XCTAssertThrowsError(try CountParser.parse("约100")) { error in
            XCTAssertEqual(
                (error as? FieldError)?.detail,
                "\"约100\" is not a count: expected 1–12 digits or a whole number of 万 such as 1.2万")
        }
    }
}
