import XCTest
@testable import SectorStats

final class AmountParserTests: XCTestCase {
    private func fen(_ text: String, bareUnit: AmountUnit = .yuan, file: StaticString = #filePath, line: UInt = #line) -> Int64? {
        do {
            return try AmountParser.parse(text, bareUnit: bareUnit)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    private func failure(_ text: String, bareUnit: AmountUnit = .yuan) -> FieldError? {
        do {
            let value = try AmountParser.parse(text, bareUnit: bareUnit)
            XCTFail("\(text) parsed as \(String(describing: value))")
            return nil
        } catch {
            return error
        }
    }

    // Expected values worked out by hand: 1 元 = 100 fen, 1 万 = 10^6 fen, 1 亿 = 10^10 fen.
    func testParse_whenDataContractExamples() {
        let cases: [(String, Int64)] = [
            ("7.4亿元", 74_000_000_000),  // 7.4 × 10^10
            ("6.353274亿", 63_532_740_000),  // 6.353274 × 10^10
            ("7744.92万元", 7_744_920_000),  // 7744.92 × 10^6
            ("4600.50万", 4_600_500_000),  // 4600.50 × 10^6
            ("1.03731亿", 10_373_100_000),  // 1.03731 × 10^10
            ("5000000", 500_000_000),
            ("5,000,000.00", 500_000_000),
            ("￥1,234.5", 123_450),
            ("1234.5元", 123_450),
            ("１２３４", 123_400),
            ("0", 0),
            ("92.779592亿", 927_795_920_000),  // COVID-19 corporate donations, DATA.md
            ("51.571938亿", 515_719_380_000),  // of which cash and securities
            ("919.7亿", 9_197_000_000_000),  // 2018 donation income
        ]
        for (text, expected) in cases {
            XCTAssertEqual(fen(text), expected, text)
        }
    }

    func testParse_whenEmpty() {
        for text in ["", "  ", "\t\r\n", "　"] {
            XCTAssertNil(fen(text), text)
        }
    }

    func testParse_whenOtherAcceptedShapes() {
        let cases: [(String, Int64)] = [
            ("¥12", 1_200),  // U+00A5
            ("￥12元", 1_200),
            ("1 234.5 元", 123_450),  // all spaces removed
            ("　1,234　", 123_400),
            ("１，２３４．５６", 123_456),  // full-width comma and full stop
            ("12万", 12_000_000),  // 12 × 10^6
            ("12万元", 12_000_000),
            ("3亿", 30_000_000_000),
            ("0.01", 1),
            ("0.000001万", 1),
            ("0.0000000001亿", 1),
            ("1.0000000001亿", 10_000_000_001),
            ("007", 700),
            ("-0", 0),
            ("9999999999999999.99", 999_999_999_999_999_999),  // 18 digits of fen
            ("99999999亿", 999_999_990_000_000_000),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(fen(text), expected, text)
        }
    }

    func testParse_whenBareNumberUnderWanYuanHeader() {
        XCTAssertEqual(fen("500", bareUnit: .wan), 500_000_000)
        XCTAssertEqual(fen("0.5", bareUnit: .wan), 500_000)
        XCTAssertEqual(fen("1.123456", bareUnit: .wan), 1_123_456)
        XCTAssertEqual(fen("500元", bareUnit: .wan), 50_000)  // an explicit unit wins
        XCTAssertEqual(fen("1亿", bareUnit: .wan), 10_000_000_000)
        XCTAssertEqual(failure("1.1234567", bareUnit: .wan)?.reason, .amountGarbage)
    }

    func testParse_whenGarbage() {
        let texts = [
            "1,23,4", "12万3", "100元200元", "1.2.3", "abc", "-", "￥", "5.", ".5", "1,2345", ",123", "123,",
            "1,234,56", "5元万", "5万亿", "1\t234", "￥-5", "--5", "5-", "1e5", "五万", "12 万 3", "1,000.000",
        ]
        for text in texts {
            XCTAssertEqual(failure(text)?.reason, .amountGarbage, text)
        }
    }

    func testParse_whenTooManyDecimals() {
        let error = failure("1.234元")
        XCTAssertEqual(error?.reason, .amountGarbage)
        XCTAssertEqual(error?.detail, "\"1.234元\" has 3 decimals: an amount in 元 allows at most 2")
        XCTAssertEqual(failure("1.1234567万")?.reason, .amountGarbage)
        XCTAssertEqual(failure("1.12345678901亿")?.reason, .amountGarbage)
    }

    func testParse_whenMoreThan18DigitsOfFen() {
        for text in ["10000000000000000", "100000000亿", "99999999999999999999999999", "92233720368547758.08"] {
            XCTAssertEqual(failure(text)?.reason, .amountGarbage, text)
        }
    }

    func testParse_whenNegative() {
        for text in ["-5", "-￥1,234.50", " - 5 万", "-0.01"] {
            XCTAssertEqual(failure(text)?.reason, .amountNegative, text)
        }
        XCTAssertEqual(failure("-5")?.detail, "\"-5\" is negative: amounts must be 0 or more")
    }

    func testParse_whenGarbageDetailNamesValue() {
        let error = failure(" 12万3 ")
        XCTAssertEqual(error?.detail.hasPrefix("\"12万3\" is not an amount: expected"), true, error?.detail ?? "")
        XCTAssertEqual(failure("1,23,4")?.detail, "\"1,23,4\" is not an amount: commas must group the digits in threes (1,234,567)")
    }

    // MARK: - Property: every supported spelling of a fen value parses back to it.

    func testParse_whenRandomFenInEverySpelling() {
        var rng = SplitMix64(seed: 0x5EC7_0B57)
        for _ in 0..<1_500 {
            let digits = Int.random(in: 1...18, using: &rng)
            var value: Int64 = 0
            for _ in 0..<digits { value = value * 10 + Int64.random(in: 0...9, using: &rng) }
            for spelling in Self.spellings(of: value, using: &rng) {
                XCTAssertEqual(fen(spelling.text, bareUnit: spelling.bareUnit), value, "\(spelling.text) for \(value) fen")
            }
        }
    }

    private struct Spelling {
        let text: String
        var bareUnit: AmountUnit = .yuan
    }

    private static func spellings(of fen: Int64, using rng: inout SplitMix64) -> [Spelling] {
        let yuan = decimal(fen, unitFen: 100, decimals: 2, using: &rng)
        let wan = decimal(fen, unitFen: 1_000_000, decimals: 6, using: &rng)
        let yi = decimal(fen, unitFen: 10_000_000_000, decimals: 10, using: &rng)
        let grouped = group(yuan)
        return [
            Spelling(text: yuan),
            Spelling(text: yuan + "元"),
            Spelling(text: grouped),
            Spelling(text: "￥" + grouped),
            Spelling(text: "¥" + yuan + "元"),
            Spelling(text: fullWidth(grouped)),
            Spelling(text: wan + "万"),
            Spelling(text: wan + "万元"),
            Spelling(text: group(wan) + "万"),
            Spelling(text: wan, bareUnit: .wan),
            Spelling(text: yi + "亿"),
            Spelling(text: fullWidth(yi) + "亿元"),
            Spelling(text: " " + yuan + " 元 "),
        ]
    }

    /// `fen` written in a unit of `unitFen` fen with up to `decimals` decimals; trailing
    /// fraction zeros are dropped at random (all of them, or none).
    private static func decimal(_ fen: Int64, unitFen: Int64, decimals: Int, using rng: inout SplitMix64) -> String {
        let whole = String(fen / unitFen)
        var fraction = String(fen % unitFen)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        if Bool.random(using: &rng) {
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    /// Commas every three digits of the integer part.
    private static func group(_ number: String) -> String {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        var integer = ""
        for (index, character) in parts[0].reversed().enumerated() {
            if index > 0, index % 3 == 0 { integer.append(",") }
            integer.append(character)
        }
        integer = String(integer.reversed())
        return parts.count > 1 ? integer + "." + parts[1] : integer
    }

    /// ASCII → full-width (U+FF01 … U+FF5E).
    private static func fullWidth(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0) ?? scalar : scalar
        }))
    }
}
