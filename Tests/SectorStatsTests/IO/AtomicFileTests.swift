import Crypto
import Foundation
import XCTest
@testable import SectorStats

/// ``AtomicFile``: the committed file holds exactly the bytes written, in order, whatever
/// the way they were written (through the page cache, direct from the aligned staging
/// buffer, or direct first and then the ordinary way after giving direct I/O up), and its
/// content hash is the SHA-256 of those bytes.
final class AtomicFileTests: XCTestCase {
    /// Deterministic, non-repeating bytes (a repeating pattern could hide a block written
    /// twice or at the wrong offset).
    private func bytes(_ n: Int, seed: UInt64) -> [UInt8] {
        var x = seed | 1
        var out = [UInt8](repeating: 0, count: n)
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < n {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
                withUnsafeBytes(of: x) { w in
                    for k in 0..<min(8, n - i) { raw[i + k] = w[k] }
                }
                i += 8
            }
        }
        return out
    }

    /// Writes `data` in pieces of the given sizes (cycled), optionally giving direct I/O up
    /// after `dropAfter` pieces, and checks the file and its hash.
    private func check(_ data: [UInt8], pieces: [Int], direct: Bool, dropAfter: Int? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try Workdir()
        let path = dir.path + "/t.csv"
        let f = try AtomicFile(path: path, hashing: true, direct: direct)
        var off = 0, k = 0
        try data.withUnsafeBytes { all in
            while off < all.count {
                if let dropAfter, k == dropAfter { try f.dropDirect() }
                let n = min(pieces[k % pieces.count], all.count - off)
                try f.write(UnsafeRawBufferPointer(rebasing: all[off..<(off + n)]))
                off += n
                k += 1
            }
        }
        try f.commit()
        let back = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(back.count, data.count, "size", file: file, line: line)
        XCTAssertTrue(back == Data(data), "content", file: file, line: line)
        let expected = ContentHash.hex(SHA256.hash(data: data))  // computed from the whole, not streamed
        XCTAssertEqual(f.contentHash?.sha256, expected, file: file, line: line)
        XCTAssertEqual(f.contentHash?.bytes, Int64(data.count), file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testDirect_whenSizesAroundTheBlock_thenTheSameBytesAsWritten() throws {
        let block = AtomicFile.directBlock
        for size in [0, 1, 4095, 4096, block - 1, block, block + 1, 2 * block + 12_345] {
            let data = bytes(size, seed: UInt64(size) + 7)
            try check(data, pieces: [size == 0 ? 1 : size], direct: true)
            // Odd piece sizes, so that pieces straddle the staging buffer's end.
            try check(data, pieces: [1, 4097, 999_983, 3], direct: true)
        }
    }

    func testDirect_whenGivenUpHalfway_thenTheRestIsWrittenTheOrdinaryWay() throws {
        let data = bytes(3 * AtomicFile.directBlock + 777, seed: 99)
        for dropAfter in [0, 1, 5, 40] {
            try check(data, pieces: [65_537, 1_000_003], direct: true, dropAfter: dropAfter)
        }
    }

    func testOrdinary_whenNotDirect_thenTheSameBytesAsWritten() throws {
        let data = bytes(AtomicFile.directBlock + 4_321, seed: 5)
        try check(data, pieces: [333_333], direct: false)
    }

    /// On Linux file systems that do direct I/O (ext4, xfs, btrfs: what the tests and the
    /// benchmark run on here), a direct writer really is direct; elsewhere it falls back.
    func testDirect_onThisFileSystem_thenDirectOrAFallbackThatWorks() throws {
        let dir = try Workdir()
        let f = try AtomicFile(path: dir.path + "/d.csv", direct: true)
        if AtomicFile.directFlag == nil { XCTAssertFalse(f.isDirect) }
        if AtomicFile.directFlag != nil, let type = fileSystemType(of: dir.path), ["ext4", "xfs"].contains(type) {
            XCTAssertTrue(f.isDirect, "direct I/O refused on \(type)")
        }
        let data = bytes(AtomicFile.directBlock + 1, seed: 3)
        try data.withUnsafeBytes { try f.write($0) }
        try f.commit()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/d.csv")), Data(data))
    }

    /// The type of the file system holding `path`, from /proc/mounts (the longest mount
    /// point that is a prefix of it); nil where there is no /proc/mounts.
    private func fileSystemType(of path: String) -> String? {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return nil }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = String(f[1])
            let inside = real == point || real.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(f[2])) }
        }
        return best?.type
    }

    func testDropped_whenNotCommitted_thenNoFileIsLeft() throws {
        let dir = try Workdir()
        do {
            let f = try AtomicFile(path: dir.path + "/x.csv", direct: true)
            let data = bytes(AtomicFile.directBlock + 10, seed: 1)
            try data.withUnsafeBytes { try f.write($0) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
