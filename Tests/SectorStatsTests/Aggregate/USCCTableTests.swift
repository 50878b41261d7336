import XCTest
@testable import SectorStats

/// USCCTable's last-wins `replace` against `Dictionary<USCC, Int32>` as the second method,
/// through many doublings from a small starting size.
final class USCCTableReplaceTests: XCTestCase {
    func testReplace_whenCodesRepeat_returnsThePreviousIdAsADictionaryDoes() {
        var state: UInt64 = 42
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 20) % n
        }
        var map = USCCTable(capacity: 1)
        var reference: [USCC: Int32] = [:]
        let limit: UInt64 = 26_439_622_160_671  // 31^9
        for row in 0..<50_000 {
            // Few distinct high halves and low halves drawn from a small range: many repeats.
            let code = USCC(high: next(5) * 1_000_003, low: next(30_000) % limit)
            let expected = reference.updateValue(Int32(row), forKey: code)
            XCTAssertEqual(map.replace(code, id: Int32(row)), expected, "row \(row)")
        }
        for (code, row) in reference { XCTAssertEqual(map.id(high: code.high, low: code.low), row) }
        XCTAssertNil(map.id(high: 7, low: 7))
    }
}
