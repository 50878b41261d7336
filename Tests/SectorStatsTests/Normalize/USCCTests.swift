import XCTest
@testable import SectorStats

final class USCCTests: XCTestCase {
    // Real published codes, both checks worked out by hand from GB 32100 / GB 11714.
    //
    // 53100000500019795A — 中国社会福利基金会 (national public foundation, registered by 民政部).
    //   Alphabet values (A=10 … H=17, J=18 … N=22, P=23, Q=24, R=25, T=26, U=27, W=28, X=29, Y=30)
    //   times weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    //   5·1 + 3·3 + 1·9 + 0 + 0 + 0 + 0 + 0 + 5·20 + 0 + 0 + 0 + 1·8 + 9·24 + 7·10 + 9·30 + 5·28
    //   = 5 + 9 + 9 + 100 + 8 + 216 + 70 + 270 + 140 = 827; 827 mod 31 = 21; 31 − 21 = 10 → A. ✓
    //   Organization code 50001979-5: 5·3 + 0·7 + 0·9 + 0·10 + 1·5 + 9·8 + 7·4 + 9·2
    //   = 15 + 5 + 72 + 28 + 18 = 138; 138 mod 11 = 6; 11 − 6 = 5. ✓
    //
    // 91440300708461136T — 腾讯科技（深圳）有限公司 (a company: department 9).
    //   9·1 + 1·3 + 4·9 + 4·27 + 0·19 + 3·26 + 0·16 + 0·17 + 7·20 + 0·29 + 8·25 + 4·13 + 6·8
    //   + 1·24 + 1·10 + 3·30 + 6·28 = 9+3+36+108+78+140+200+52+48+24+10+90+168 = 966;
    //   966 mod 31 = 5; 31 − 5 = 26 → T. ✓
    //   Organization code 70846113-6: 7·3 + 0·7 + 8·9 + 4·10 + 6·5 + 1·8 + 1·4 + 3·2
    //   = 21 + 72 + 40 + 30 + 8 + 4 + 6 = 181; 181 mod 11 = 5; 11 − 5 = 6. ✓
    //
    // 5110000000000006XE — constructed: organization code 00000006 → 6·2 = 12; 12 mod 11 = 1;
    //   11 − 1 = 10 → X. Check: 5·1 + 1·3 + 1·9 + 6·30 + X(29)·28 = 5+3+9+180+812 = 1009;
    //   1009 mod 31 = 17; 31 − 17 = 14 → E.
    // 531000000000000000 + check — organization code 00000000 → sum 0 → 11 → '0'.
    //   5·1 + 3·3 + 1·9 = 23; 31 − 23 = 8 → "531000000000000008".
    private let socialWelfareFoundation = "53100000500019795A"
    private let tencent = "91440300708461136T"

    private func code(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> USCC? {
        do {
            return try USCC.parse(text)
        } catch {
            XCTFail("\(text): \(error)", file: file, line: line)
            return nil
        }
    }

    private func failure(_ text: String) -> FieldError? {
        do {
            let value = try USCC.parse(text)
            XCTFail("\(text) accepted as \(String(describing: value))")
            return nil
        } catch {
            return error
        }
    }

    func testParse_whenRealPublishedCodes() {
        XCTAssertEqual(code(socialWelfareFoundation)?.description, socialWelfareFoundation)
        XCTAssertEqual(code(tencent)?.description, tencent)
    }

    func testParse_whenOrganizationCheckIsXOrZero() {
        XCTAssertEqual(code("5110000000000006XE")?.description, "5110000000000006XE")
        XCTAssertEqual(code("531000000000000008")?.description, "531000000000000008")
    }

    func testParse_whenCodeNormalizationApplies() {
        XCTAssertEqual(code("91440300708461136t")?.description, tencent)
        XCTAssertEqual(code(" 9144 0300 7084 6113 6T ")?.description, tencent)
        XCTAssertEqual(code("９１４４０３００７０８４６１１３６ｔ")?.description, tencent)
        XCTAssertEqual(code("5110000000000006xe")?.description, "5110000000000006XE")
    }

    func testParse_whenEmpty() {
        XCTAssertNil(code(""))
        XCTAssertNil(code(" 　 "))
        XCTAssertThrowsError(try USCC(validating: "")) { error in
            XCTAssertEqual((error as? FieldError)?.reason, .missingRequired)
        }
    }

    func testParse_whenFormatWrong() {
        let cases: [(String, String)] = [
            ("5310000050001979", "\"5310000050001979\" has 16 characters: a USCC has 18"),
            ("53100000500019795A0", "\"53100000500019795A0\" has 19 characters: a USCC has 18"),
            ("5310000050001979OA", "\"5310000050001979OA\" has 'O' at position 17: a USCC uses only 0-9 and "
                + "A-H, J-N, P, Q, R, T, U, W, X, Y (no I, O, S, V, Z)"),
        ]
        for (text, detail) in cases {
            let error = failure(text)
            XCTAssertEqual(error?.reason, .usccFormat, text)
            XCTAssertEqual(error?.detail, detail, text)
        }
        for text in ["I3100000500019795A", "S3100000500019795A", "V3100000500019795A", "Z3100000500019795A",
                     "5310000050001979-A", "53100000500019795好", "53100000_500019795A"] {
            XCTAssertEqual(failure(text)?.reason, .usccFormat, text)
        }
    }

    func testParse_whenCheckCharacterWrong() {
        // 53100000500012015T: 5+9+9+100+1·8+2·24+0·10+1·30+5·28 = 349; 349 mod 31 = 8;
        // 31 − 8 = 23 → P, not T.
        let error = failure("53100000500012015T")
        XCTAssertEqual(error?.reason, .usccCheck)
        XCTAssertEqual(error?.detail, "53100000500012015T: check character is T, expected P")
    }

    func testParse_whenOrganizationCheckWrong() {
        // Character 17 of the foundation's code changed 5 → 6 and character 18 recomputed:
        // 827 − 5·28 + 6·28 = 855; 855 mod 31 = 18; 31 − 18 = 13 → D. The GB 11714 digit stays 5.
        let error = failure("53100000500019796D")
        XCTAssertEqual(error?.reason, .orgcodeCheck)
        XCTAssertEqual(error?.detail, "53100000500019796D: organization code check digit (character 17) is 6, expected 5")
    }

    func testProperties_whenFoundation() throws {
        let code = try XCTUnwrap(code(socialWelfareFoundation))
        XCTAssertEqual(code.category, .foundation)
        XCTAssertEqual(code.regionCode, 100000)
        XCTAssertEqual(code.regionCodeText, "100000")
        XCTAssertEqual(code.organizationCode, "500019795")
        XCTAssertEqual(code.byte(at: 1), UInt8(ascii: "5"))
        XCTAssertEqual(code.byte(at: 18), UInt8(ascii: "A"))
        XCTAssertEqual(self.code(tencent)?.regionCode, 440300)
    }

    func testCategory_whenEachCategoryCharacter() {
        XCTAssertEqual(randomCode(prefix: "51").flatMap { code($0) }?.category, .association)
        XCTAssertEqual(randomCode(prefix: "52").flatMap { code($0) }?.category, .socialService)
        XCTAssertEqual(randomCode(prefix: "53").flatMap { code($0) }?.category, .foundation)
        XCTAssertEqual(randomCode(prefix: "59").flatMap { code($0) }?.category, .other)
        XCTAssertNil(randomCode(prefix: "5A").flatMap { code($0) }?.category)
    }

    func testRegionCode_whenLettersInDivisionPart() {
        XCTAssertNil(randomCode(prefix: "51A00000").flatMap { code($0) }?.regionCode)
    }

    func testCompare_whenOrderedLikeText() {
        var rng = SplitMix64(seed: 7)
        let texts = (0..<200).map { _ in Self.makeCode(using: &rng) }
        let codes = texts.compactMap { try? USCC.parse($0) }
        XCTAssertEqual(codes.count, texts.count)
        XCTAssertEqual(codes.sorted().map(\.description), texts.sorted())
        XCTAssertEqual(Set(codes).count, Set(texts).count)
    }

    // MARK: - Property: valid codes pass, every single-character corruption fails.

    func testParse_whenRandomValidCodesAndEverySingleCorruption() {
        var rng = SplitMix64(seed: 0x0055_CC00)
        for _ in 0..<120 {
            let text = Self.makeCode(using: &rng)
            XCTAssertEqual(code(text)?.description, text)
            var characters = Array(text)
            for position in 0..<18 {
                let original = characters[position]
                for replacement in Self.alphabet where replacement != original {
                    characters[position] = replacement
                    let corrupted = String(characters)
                    XCTAssertEqual(failure(corrupted)?.reason, .usccCheck, corrupted)
                }
                characters[position] = original
            }
        }
    }

    // MARK: - A generator written from the standard, independent of the implementation.

    private static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    private func randomCode(prefix: String) -> String? {
        var rng = SplitMix64(seed: UInt64(prefix.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        return Self.makeCode(prefix: prefix, using: &rng)
    }

    /// A random valid code: characters 1–16 random (after `prefix`), character 17 the
    /// GB 11714 check digit of 9–16, character 18 the GB 32100 check character.
    static func makeCode(prefix: String = "", using rng: inout SplitMix64) -> String {
        var characters = Array(prefix)
        while characters.count < 16 { characters.append(alphabet[Int.random(in: 0..<31, using: &rng)]) }
        var organizationSum = 0
        for (offset, weight) in [3, 7, 9, 10, 5, 8, 4, 2].enumerated() {
            let character = characters[8 + offset]
            let value = character.isNumber ? Int(String(character)) ?? 0 : Int(character.asciiValue ?? 0) - 55
            organizationSum += value * weight
        }
        let c9 = 11 - organizationSum % 11
        characters.append(c9 == 10 ? "X" : c9 == 11 ? "0" : Character(String(c9)))
        var sum = 0
        var weight = 1  // 3^i mod 31
        for character in characters {
            sum += (alphabet.firstIndex(of: character) ?? 0) * weight
            weight = weight * 3 % 31
        }
        characters.append(alphabet[(31 - sum % 31) % 31])
        return String(characters)
    }
}
