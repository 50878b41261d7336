import XCTest
@testable import SectorStats

/// The splitter against libcsv's rules worked out by hand from `csv_parse` (strict mode,
/// default space function: space or tab unless it is the delimiter), and each case also
/// against libcsv itself (the reader with the fast path off).
final class QuoteFreeSplitterTests: XCTestCase {
    /// The splitter's fields for `line`, nil when it calls the line blank.
    private func split(_ line: [UInt8], delimiter: UInt8) throws -> [[UInt8]]? {
        let splitter = try XCTUnwrap(QuoteFreeSplitter(delimiter: delimiter))
        let a = UnsafeMutablePointer<FieldAssembly>.allocate(capacity: 1)
        a.initialize(to: FieldAssembly())
        defer { a.pointee.free(); a.deallocate() }
        // As in the scanner, the line is followed by its terminator in the buffer.
        let buffer = line + [0x0A]
        buffer.withUnsafeBufferPointer { b in
            splitter.split(b.baseAddress!, count: line.count, readable: b.count, into: a)
        }
        guard a.pointee.ended else {
            XCTAssertEqual(a.pointee.fieldCount, 0)
            return nil
        }
        let ends = (0..<a.pointee.fieldCount).map { a.pointee.ends[$0] }
        return ends.indices.map { i in
            let start = i == 0 ? 0 : ends[i - 1]
            return Array(UnsafeBufferPointer(start: a.pointee.bytes + start, count: ends[i] - start))
        }
    }

    /// libcsv's fields for `line` read as a one-record file after a header (nil: no record).
    private func libcsv(_ line: [UInt8], delimiter: UInt8) throws -> [[UInt8]]? {
        let dir = try Workdir()
        let path = try dir.file("one.csv", Array("h".utf8) + [0x0A] + line + [0x0A])
        var options = CSVReadOptions(encoding: .fixed(.utf8), delimiter: delimiter)
        options.quoteFreeFastPath = false
        let reader = try CSVReader(path: path, options: options)
        var fields: [[UInt8]]?
        try reader.forEachRecord { r in
            XCTAssertNil(fields, "one record")
            XCTAssertNotEqual(r.issue?.kind, .csvMalformed)
            fields = (0..<r.parsedCount).map { Array(r[$0]) }
        }
        return fields
    }

    private func assertSplit(_ line: String, _ delimiter: Character, _ expected: [String]?,
                             file: StaticString = #filePath, line sourceLine: UInt = #line) throws {
        let bytes = Array(line.utf8)
        let d = try XCTUnwrap(delimiter.asciiValue)
        let want = expected.map { $0.map { Array($0.utf8) } }
        XCTAssertEqual(try split(bytes, delimiter: d), want, "splitter: \(line.debugDescription)", file: file, line: sourceLine)
        XCTAssertEqual(try libcsv(bytes, delimiter: d), want, "libcsv: \(line.debugDescription)", file: file, line: sourceLine)
    }

    func testSplit_whenSpacesAndTabsAroundFields_trimsThemAsLibcsvDoes() throws {
        try assertSplit("  a , b\t,\t c  ", ",", ["a", "b", "c"])
        try assertSplit(" a b ,x\t y", ",", ["a b", "x\t y"])
        try assertSplit("a;  ;b", ";", ["a", "", "b"])
    }

    func testSplit_whenTabIsTheDelimiter_trimsOnlySpaces() throws {
        try assertSplit(" a \t b ", "\t", ["a", "b"])
        try assertSplit("\t\t", "\t", ["", "", ""])
        try assertSplit("\t", "\t", ["", ""])
        try assertSplit(" \t ", "\t", ["", ""])
    }

    func testSplit_whenOnlySpacesAndTabs_isABlankLine() throws {
        try assertSplit("", ",", nil)
        try assertSplit("   ", ",", nil)
        try assertSplit(" \t \t", ";", nil)
        try assertSplit("  ", "\t", nil)
    }

    func testSplit_whenEmptyFields_keepsThem() throws {
        try assertSplit(",", ",", ["", ""])
        try assertSplit(",,a,,", ",", ["", "", "a", "", ""])
        try assertSplit(" , ", ",", ["", ""])
    }

    func testSplit_whenHighBytesAndControlBytes_keepsThemAsContent() throws {
        let bytes: [UInt8] = [0x20, 0xE5, 0x8C, 0x97, 0x00, 0x0B, 0x2C, 0xFF, 0x80, 0x09]
        XCTAssertEqual(try split(bytes, delimiter: 0x2C), [[0xE5, 0x8C, 0x97, 0x00, 0x0B], [0xFF, 0x80]])
        XCTAssertEqual(try libcsv(bytes, delimiter: 0x2C), [[0xE5, 0x8C, 0x97, 0x00, 0x0B], [0xFF, 0x80]])
    }

    func testSplit_whenLongFieldsAndManyFields_growsItsBuffers() throws {
        let long = String(repeating: "长字段 with spaces ", count: 400)
        try assertSplit(long + "," + long, ",", [String(long.dropLast()), String(long.dropLast())])
        let many = (0..<300).map { "f\($0)" }
        try assertSplit(many.joined(separator: " ; "), ";", many)
    }

    func testSplit_whenDelimiterNextToLookalikeBytes_findsExactlyTheDelimiters() throws {
        // '-' is ',' + 1 and '+' is ',' - 1: a borrowing SWAR test would flag them.
        try assertSplit("a,-b-,+,c-d,,-,--------,x", ",", ["a", "-b-", "+", "c-d", "", "-", "--------", "x"])
        try assertSplit(";<;:;;;<<<<<<<<;", ";", ["", "<", ":", "", "", "<<<<<<<<", ""])
    }

    func testSwitch_whenEnvironmentValueIsZero_turnsTheFastPathOff() {
        XCTAssertFalse(CSVFastPath.enabled(byValue: "0"))
        XCTAssertTrue(CSVFastPath.enabled(byValue: nil))
        XCTAssertTrue(CSVFastPath.enabled(byValue: "1"))
        XCTAssertTrue(CSVFastPath.enabled(byValue: ""))
        XCTAssertEqual(CSVReadOptions().quoteFreeFastPath, CSVFastPath.enabledByEnvironment)
    }

    func testInit_whenDelimiterIsQuoteOrTerminator_declines() {
        XCTAssertNil(QuoteFreeSplitter(delimiter: 0x22))
        XCTAssertNil(QuoteFreeSplitter(delimiter: 0x0A))
        XCTAssertNil(QuoteFreeSplitter(delimiter: 0x0D))
        XCTAssertNotNil(QuoteFreeSplitter(delimiter: 0x09))
    }
}
