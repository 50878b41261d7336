import XCTest
@testable import SectorStats

final class DecodingSourceTests: XCTestCase {
    private final class EmptySource: ByteSource {
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { 0 }
    }

    /// Everything `source` gives, read `size` bytes at a time.
    private func drain(_ source: DecodingSource, size: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }

    func testTranscode_whenInvalidByteRightAfterAFullOutputBuffer_marksItInTheNextRead() throws {
        // iconv fills the 8-byte output with "abcdefgh" and then meets 0xFF: the marker must
        // go into the next read, not past the end of this one.
        for prefix in 4...12 {
            let text = Array(String(repeating: "x", count: prefix).utf8) + [0xFF] + Array("ij".utf8) + [0xB1, 0xB1, 0xBE, 0xA9]
            let source = try DecodingSource(input: PrefixedSource(prefix: text, rest: EmptySource()), encoding: .gb18030,
                                            stripBOM: false, name: "t")
            let expected = Array(String(repeating: "x", count: prefix).utf8) + [invalidByteMarker] + Array("ij北京".utf8)
            XCTAssertEqual(try drain(source, size: 8), expected, "prefix \(prefix)")
        }
    }
}
