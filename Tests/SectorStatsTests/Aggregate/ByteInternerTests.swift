import XCTest
@testable import SectorStats

final class ByteInternerTests: XCTestCase {
    func testIntern_givesDenseIdsInFirstSeenOrder() {
        var interner = ByteInterner()
        XCTAssertEqual(interner.intern("丙集团"), 0)
        XCTAssertEqual(interner.intern(""), 1)
        XCTAssertEqual(interner.intern("Acme, Inc."), 2)
        XCTAssertEqual(interner.intern("丙集团"), 0)
        XCTAssertEqual(interner.intern(""), 1)
        XCTAssertEqual(interner.count, 3)
        XCTAssertEqual(interner.string(2), "Acme, Inc.")
        XCTAssertTrue(interner.precedes(2, 0), "ASCII sorts before CJK by bytes")
        XCTAssertFalse(interner.precedes(0, 0))
    }

    func testIntern_whenManyStrings_survivesRehashing() {
        var interner = ByteInterner()
        let names = (0..<50_000).map { "捐赠方\($0 * 7919 % 50_000)" }
        let ids = names.map { interner.intern($0) }
        XCTAssertEqual(interner.count, 50_000)
        for (name, id) in zip(names, ids) {
            XCTAssertEqual(interner.intern(name), id)
            XCTAssertEqual(interner.string(id), name)
        }
    }
}
