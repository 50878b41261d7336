import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// The library's generator (the test target has its own `SplitMix64`).
private typealias GeneratorRandom = SectorStatsGenerate.SplitMix64

/// The generator's spellings read back through the pipeline's parsers to the same values.
final class ValueFormatterTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testAppendAmount_whenEveryStyle_thenParsesBackToTheSameFen() throws {
        var rng = GeneratorRandom(seed: 11)
        let samples: [Int64] = [0, 1, 99, 100, 123_456, 774_492_000_000, 635_327_400_000, 999_999_999_999_999] +
            (0..<300).map { _ in Int64(rng.below(1 << 40)) }
        for fen in samples {
            for style in ValueFormatter.AmountStyle.allCases {
                for unit in [AmountUnit.yuan, .wan] {
                    var bytes: [UInt8] = []
                    ValueFormatter.appendAmount(fen, style: style, bareUnit: unit, to: &bytes)
                    XCTAssertEqual(try AmountParser.parse(text(bytes), bareUnit: unit), fen, "\(style) \(unit) \(text(bytes))")
                }
            }
        }
    }

    func testAppendAmount_whenKnownValues_thenDataMdSpellings() {
        func spell(_ fen: Int64, _ style: ValueFormatter.AmountStyle) -> String {
            var bytes: [UInt8] = []
            ValueFormatter.appendAmount(fen, style: style, to: &bytes)
            return text(bytes)
        }
        XCTAssertEqual(spell(74_000_000_000, .yiYuan), "7.4亿元")
        XCTAssertEqual(spell(7_744_920_000, .wanYuan), "7744.92万元")
        XCTAssertEqual(spell(4_600_500_000, .wan), "4600.50万")
        XCTAssertEqual(spell(500_000_000, .grouped), "5,000,000.00")
        XCTAssertEqual(spell(123_450, .yenGrouped), "￥1,234.5")
        XCTAssertEqual(spell(123_450, .yuanSuffix), "1234.5元")
        XCTAssertEqual(spell(123_400, .fullWidth), "１２３４")
    }

    func testAppendDate_whenEveryStyle_thenParsesBackToTheSameDay() throws {
        var rng = GeneratorRandom(seed: 5)
        let first = CivilDate(year: 1988, month: 1, day: 1)!.dayNumber
        for _ in 0..<500 {
            let date = CivilDate(dayNumber: first + rng.below(12_500))!
            for style in ValueFormatter.DateStyle.allCases {
                var bytes: [UInt8] = []
                ValueFormatter.appendDate(date, style: style, rng: &rng, to: &bytes)
                XCTAssertEqual(try DateParser.parse(text(bytes), asOf: nil), date, "\(style) \(text(bytes))")
            }
        }
    }

    func testAppendDateParts_whenNotACalendarDate_thenDateImpossible() {
        var rng = GeneratorRandom(seed: 9)
        for style in ValueFormatter.DateStyle.allCases where style != .excelSerial {
            var bytes: [UInt8] = []
            ValueFormatter.appendDateParts(year: 2020, month: 2, day: 30, style: style, rng: &rng, to: &bytes)
            XCTAssertThrowsError(try DateParser.parse(text(bytes), asOf: nil), "\(style)") { error in
                XCTAssertEqual((error as? FieldError)?.reason, .dateImpossible)
            }
        }
    }
}
