import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// The library's generator (the test target has its own `SplitMix64`).
private typealias GeneratorRandom = SectorStatsGenerate.SplitMix64

/// Codes built from the GB 32100 / GB 11714 rules, checked with the pipeline's own parser.
final class USCCBuilderTests: XCTestCase {
    private func reason(_ code: [UInt8]) -> QuarantineReason? {
        do {
            _ = try USCC.parse(String(decoding: code, as: UTF8.self))
            return nil
        } catch {
            return error.reason
        }
    }

    func testMake_whenAnySerial_thenValidAndDistinct() throws {
        var seen: Set<[UInt8]> = []
        var rng = GeneratorRandom(seed: 3)
        for serial in Array(0..<2_000) + [999_999, 1_000_000, 9_999_999, 10_000_000, 123_456_789] {
            let code = USCCBuilder.make(
                category: Array("1239".utf8)[rng.below(4)], region: 420_103, serial: serial, modern: rng.chance(0.5))
            XCTAssertNil(reason(code), String(decoding: code, as: UTF8.self))
            let parsed = try XCTUnwrap(try USCC.parse(String(decoding: code, as: UTF8.self)))
            XCTAssertEqual(parsed.regionCode, 420_103)
            XCTAssertTrue(seen.insert(Array(code[8...15])).inserted, "organization code repeated for serial \(serial)")
        }
    }

    func testMake_whenPublishedCode_thenSameCheckCharacters() {
        // 53100000500019795A (中国社会福利基金会): recompute both checks from characters 1–16.
        var code = Array("53100000500019795A".utf8)
        XCTAssertEqual(USCCBuilder.organizationCheck(code), UInt8(ascii: "5"))
        XCTAssertEqual(USCCBuilder.creditCheck(code), UInt8(ascii: "A"))
        code[16] = 0
        code[16] = USCCBuilder.organizationCheck(code)
        XCTAssertEqual(String(decoding: code, as: UTF8.self), "53100000500019795A")
    }

    func testBreak_whenEachDefect_thenTheParserGivesThatReason() {
        var rng = GeneratorRandom(seed: 4)
        for serial in 0..<300 {
            let code = USCCBuilder.make(category: UInt8(ascii: "2"), region: 110_105, serial: serial, modern: serial % 2 == 0)
            XCTAssertEqual(reason(USCCBuilder.breakFormat(code, rng: &rng)), .usccFormat)
            XCTAssertEqual(reason(USCCBuilder.breakCreditCheck(code, rng: &rng)), .usccCheck)
            XCTAssertEqual(reason(USCCBuilder.breakOrganizationCheck(code, rng: &rng)), .orgcodeCheck)
        }
    }
}
