import XCTest
@testable import SectorStats

final class ValueTextTests: XCTestCase {
    func testNormalized_whenFullWidthAndIdeographicSpace() {
        XCTAssertEqual(ValueText.normalized("　ＡＢＣ　１２３ "), "ABC 123")
        XCTAssertEqual(ValueText.normalized("\u{FF01}\u{FF5E}"), "!~")  // both ends of the range
        XCTAssertEqual(ValueText.normalized("（协会）"), "(协会)")
    }

    func testNormalized_whenOutsideFullWidthRange() {
        // U+FF00, U+FF5F, U+FFE5 (￥) and other CJK punctuation are not full-width ASCII.
        XCTAssertEqual(ValueText.normalized("\u{FF00}\u{FF5F}￥、。"), "\u{FF00}\u{FF5F}￥、。")
    }

    func testNormalized_whenBlanksAround() {
        XCTAssertEqual(ValueText.normalized(" \t x  y \r\n"), "x  y")
        XCTAssertEqual(ValueText.normalized("\r\n"), "")
        XCTAssertEqual(ValueText.normalized("　\t　"), "")
        XCTAssertEqual(ValueText.normalized(""), "")
    }

    func testIsEmpty_whenOnlyBlanks() {
        for (text, empty) in [("", true), (" \t\r\n", true), ("　", true), (" ０ ", false), ("x", false)] {
            let result = ValueText.withBytes(of: text) { ValueText.isEmpty($0) }
            XCTAssertEqual(result, empty, text)
        }
    }

    func testNormalizedName_whenInnerBlankRuns() {
        XCTAssertEqual(ValueText.normalizedName("  北京市  某某\t\t协会　（筹）  "), "北京市 某某 协会 (筹)")
        XCTAssertEqual(ValueText.normalizedName("Ａ　　Ｂ"), "A B")
    }

    func testNormalizedCode_whenSpacesAndLowerCase() {
        XCTAssertEqual(ValueText.normalizedCode(" 9144 0300 7084 6113 6t "), "91440300708461136T")
        XCTAssertEqual(ValueText.normalizedCode("ｍｊ０　０"), "MJ00")
    }

    func testWithNormalized_whenNoFullWidthReturnsSubrangeOfInput() {
        ValueText.withBytes(of: "  42 ") { raw in
            ValueText.withNormalized(raw) { value in
                XCTAssertEqual(Array(value), Array("42".utf8))
                XCTAssertEqual(value.baseAddress, raw.baseAddress.map { $0 + 2 })
            }
        }
    }

    func testWithNormalized_whenFullWidth() {
        ValueText.withBytes(of: " １２３４　") { raw in
            ValueText.withNormalized(raw) { value in XCTAssertEqual(Array(value), Array("1234".utf8)) }
        }
    }

    func testNormalize_whenScratchIsReused() {
        var scratch: [UInt8] = []
        for (text, expected) in [("  long value with ＡＢＣ  ", "long value with ABC"), (" x ", "x"), ("", "")] {
            ValueText.withBytes(of: text) { ValueText.normalize($0, into: &scratch) }
            XCTAssertEqual(String(decoding: scratch, as: UTF8.self), expected)
        }
    }

    func testWithNormalizedNameAndCode_giveTheBytesOfTheScratchVersions() {
        // The per-row encoders use the closure versions (temporary storage, a fast path for
        // values that are already clean); the scratch-array versions are the reference.
        let samples = ["", "   ", "JZ2018-00000000", " jz2018-0000 0000 ", "５３３７１４８２ＭＪ３９７７９０８Ｅ", "53371482MJ3977908E",
                       "禹城市  计算机\t公益基金会", "　北京　（朝阳）　协会　", "a,b\"c", "ÄÖ  ü", "x\r\ny", "\u{3000}"]
        for text in samples {
            var copy = text
            copy.withUTF8 { raw in
                var reference: [UInt8] = []
                ValueText.normalizeName(raw, into: &reference)
                XCTAssertEqual(ValueText.withNormalizedName(raw) { Array($0) }, reference, "name \(text)")
                ValueText.normalizeCode(raw, into: &reference)
                XCTAssertEqual(ValueText.withNormalizedCode(raw) { Array($0) }, reference, "code \(text)")
                ValueText.normalize(raw, into: &reference)
                XCTAssertEqual(ValueText.withNormalized(raw) { Array($0) }, reference, "value \(text)")
                let needsQuotes = reference.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
                XCTAssertEqual(ValueText.classify(raw) & ValueText.needsQuotes != 0, raw.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }, text)
                if ValueText.classify(raw) == 0 { XCTAssertFalse(needsQuotes || ValueText.needsFolding(raw), text) }
            }
        }
    }
    /// ``ValueText/classify(_:)`` reads eight bytes at a time; the reference is the byte-by-byte
    /// definition. Every byte value at every position of fields of 0–19 bytes (across the
    /// word boundary and the overlapping tail), on fillers below and above the tested bytes.
    func testClassify_agreesWithTheBytewiseDefinition_atEveryPositionAndByte() {
        func reference(_ bytes: [UInt8]) -> UInt8 {
            var c: UInt8 = 0
            for b in bytes {
                if b == 0xE3 || b == 0xEF { c |= ValueText.mayFold }
                if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { c |= ValueText.needsQuotes }
            }
            return c
        }
        var checked = 0
        for filler: UInt8 in [0x61, 0x00, 0xFF, 0x2D, 0xE4] {
            for length in 0..<20 {
                for position in 0..<max(length, 1) {
                    for byte in 0...255 {
                        var bytes = [UInt8](repeating: filler, count: length)
                        if length > 0 { bytes[position] = UInt8(byte) }
                        let got = bytes.withUnsafeBufferPointer { ValueText.classify($0) }
                        if got != reference(bytes) {
                            XCTFail("classify \(bytes) = \(got), expected \(reference(bytes))")
                            return
                        }
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 5 * 256 * (1 + (1..<20).reduce(0, +)))
        // Random fields over the tested bytes and their neighbours (two or more at once).
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x21, 0x22, 0x23, 0x2B, 0x2C, 0x2D,
                                 0x61, 0x7F, 0x80, 0xE2, 0xE3, 0xE4, 0xEE, 0xEF, 0xF0, 0xFF]
        for _ in 0..<20_000 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let got = bytes.withUnsafeBufferPointer { ValueText.classify($0) }
            XCTAssertEqual(got, reference(bytes), "\(bytes)")
            XCTAssertEqual(bytes.withUnsafeBufferPointer { ValueText.mayNeedFolding($0) }, got & ValueText.mayFold != 0)
        }
    }
}

