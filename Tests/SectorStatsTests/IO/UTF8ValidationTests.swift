import XCTest
@testable import SectorStats

/// The fast validator against a second method: the standard library's own UTF-8 decoding
/// (a sequence is valid iff decoding it yields no replacement character where the input
/// had none), on every 1–4 byte sequence class and on random mixes.
final class UTF8ValidationTests: XCTestCase {
    private func valid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalid($0) == nil }
    }

    private func oracle(_ bytes: [UInt8]) -> Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    func testFirstInvalid_whenEdgeSequences_matchesTheStandardLibrary() {
        let cases: [[UInt8]] = [
            [], [0x41], [0xC2, 0x80], [0xC1, 0xBF], [0xE0, 0xA0, 0x80], [0xE0, 0x9F, 0xBF],
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xE5, 0x8C], [0xE5, 0x8C, 0x97, 0x41], [0xE5, 0x8C, 0x41], [0x80], [0xFF], [0xE5, 0x8C, 0x97, 0xE4, 0xBA, 0xAC],
        ]
        for c in cases {
            XCTAssertEqual(valid(c), oracle(c), "\(c.map { String($0, radix: 16) })")
        }
    }

    func testFirstInvalid_whenRandomMixes_matchesTheStandardLibrary() {
        var rng = SplitMix64(seed: 42)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("北京".utf8), Array("𠮷".utf8), Array("é".utf8), [0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xE5]]
        for _ in 0..<8_000 {
            var bytes: [UInt8] = []
            // Lengths up to ~140 bytes cross the 16-byte blocks, the head and the tail.
            for _ in 0..<Int(rng.next() % 40) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            XCTAssertEqual(valid(bytes), oracle(bytes), "\(bytes)")
        }
    }

    func testIsValid_whenEveryPrefixAndEveryCorruption_agreesWithTheOracle() {
        let text = Array("北京市海淀区 abc,𠮷é协会\"x\"\n基金会2020年12月8日".utf8)
        for cut in 0...text.count {
            let prefix = Array(text[..<cut])
            XCTAssertEqual(valid(prefix), oracle(prefix), "prefix \(cut)")
        }
        for i in text.indices {
            for b: UInt8 in [0xFF, 0x80, 0x41, 0xE5] {
                var bytes = text
                bytes[i] = b
                XCTAssertEqual(valid(bytes), oracle(bytes), "byte \(i) = \(b)")
            }
        }
    }
}
