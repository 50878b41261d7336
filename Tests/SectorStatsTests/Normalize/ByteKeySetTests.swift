import XCTest
@testable import SectorStats

/// ByteKeySet against `Set<[UInt8]>` as the second method: the same answer for every insert.
final class ByteKeySetTests: XCTestCase {
    private func insert(_ set: inout ByteKeySet, _ key: [UInt8]) -> Bool {
        key.withUnsafeBufferPointer { set.insert($0) }
    }

    private func contains(_ set: ByteKeySet, _ key: [UInt8]) -> Bool {
        key.withUnsafeBufferPointer { set.contains($0) }
    }

    func testInsert_whenKeysOfEveryLengthRepeat_answersAsASetDoes() {
        // A fixed LCG: short keys from a small alphabet so that many repeat; lengths 0–40
        // cover inline (1–15), the 15/16 boundary and arena keys.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        var set = ByteKeySet()
        var reference = Set<[UInt8]>()
        var repeats = 0
        for i in 0..<60_000 {
            let length = next(4) == 0 ? next(41) : 14 + next(4)
            let key = (0..<length).map { _ in UInt8(next(3)) }  // bytes 0, 1, 2: zero bytes too
            let expected = reference.insert(key).inserted
            if !expected { repeats += 1 }
            XCTAssertEqual(insert(&set, key), expected, "insert \(i) of \(key)")
            if i == 20_000 { set.reserve(200_000) }
        }
        XCTAssertGreaterThan(repeats, 1000)
        XCTAssertEqual(set.count + (reference.contains([]) ? 1 : 0), reference.count)
        for key in reference { XCTAssertTrue(contains(set, key)) }
        XCTAssertFalse(contains(set, [UInt8](repeating: 9, count: 15)))
        XCTAssertFalse(contains(set, [UInt8](repeating: 9, count: 30)))
    }

    func testInsert_whenKeysDifferOnlyByTrailingZeroBytesOrLength_keepsThemApart() {
        var set = ByteKeySet()
        let keys: [[UInt8]] = [[], [0], [0, 0], [65], [65, 0], Array(repeating: 0, count: 15), Array(repeating: 0, count: 16),
                               Array(repeating: 0, count: 17), Array("JZ2018-00000000".utf8), Array("JZ2018-000000000".utf8)]
        for key in keys { XCTAssertTrue(insert(&set, key), "\(key)") }
        for key in keys { XCTAssertFalse(insert(&set, key), "\(key)") }
        XCTAssertEqual(set.count, keys.count - 1)  // the empty key is held apart
    }

    func testCopy_whenTheCopyIsChanged_leavesTheOriginalAsItWas() {
        // The slots are shared memory underneath: a copy must behave as a value.
        var original = ByteKeySet()
        XCTAssertTrue(insert(&original, Array("JZ2018-00000001".utf8)))
        var copy = original
        XCTAssertTrue(insert(&copy, Array("JZ2018-00000002".utf8)))
        XCTAssertTrue(insert(&copy, Array(repeating: 7, count: 40)))
        XCTAssertEqual(copy.count, 3)
        XCTAssertEqual(original.count, 1)
        XCTAssertFalse(contains(original, Array("JZ2018-00000002".utf8)))
        XCTAssertTrue(contains(copy, Array("JZ2018-00000002".utf8)))
        XCTAssertTrue(contains(original, Array("JZ2018-00000001".utf8)))
        // Prefetching is only a hint: it changes nothing.
        Array("JZ2018-00000003".utf8).withUnsafeBufferPointer { original.prefetch($0) }
        XCTAssertEqual(original.count, 1)
    }
}
