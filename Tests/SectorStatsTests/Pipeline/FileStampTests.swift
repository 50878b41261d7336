import Foundation
import XCTest

@testable import SectorStats

/// A driver's plan hashes each input once and hands shard tasks the hash with the file's
/// stamp; a task uses the hash only while the file keeps that stamp.
final class FileStampTests: XCTestCase {
    private let csv = "record_id,recipient_uscc,amount\nR1,91110000MA00000000,100\n"

    func testStamp_readsSizeAndInode_andRoundTripsAsText() throws {
        let dir = try Workdir()
        let path = try dir.file("f.csv", csv)
        let stamp = try XCTUnwrap(FileStamp(path: path))
        XCTAssertEqual(stamp.size, Int64(csv.utf8.count))
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(stamp.inode, UInt64(st.st_ino))
        XCTAssertEqual(FileStamp(stamp.description), stamp)
        for junk in ["", "1:2:3", "1:2:3:4:5", "a:2:3:4", "1:2:3:-4"] { XCTAssertNil(FileStamp(junk), junk) }
        XCTAssertNil(FileStamp(path: dir.path), "a folder has no stamp")
        XCTAssertNil(FileStamp(path: dir.path + "/missing.csv"))
    }

    func testSettled_whenWrittenWithinThreeSecondsOfTheStamp_orChangedWhileHashed_isNil() throws {
        let dir = try Workdir()
        let stamp = try XCTUnwrap(FileStamp(path: try dir.file("f.csv", csv)))
        let written = max(stamp.modified, stamp.changed)
        XCTAssertEqual(FileStamp.settled(before: stamp, at: written + 3_000_000_001, after: stamp), stamp)
        // Written within 3 s of the stamp: a file system keeping 2-second times could hide a rewrite.
        XCTAssertNil(FileStamp.settled(before: stamp, at: written + 2_999_999_999, after: stamp))
        var grown = stamp
        grown.size += 1
        XCTAssertNil(FileStamp.settled(before: stamp, at: written + 5_000_000_000, after: grown), "changed while hashed")
        XCTAssertNil(FileStamp.settled(before: nil, at: written + 5_000_000_000, after: stamp))
    }

    func testPartialJob_whenPlannedStampStillHolds_takesThePlannedHash_elseHashesTheFile() throws {
        let dir = try Workdir()
        let path = try dir.file("funding.csv", csv)
        // The file's SHA-256 worked out from its bytes in memory (not the mapped-file path).
        let actual = ContentHash.bytes(Array(csv.utf8))
        let stamp = try XCTUnwrap(FileStamp(path: path))
        // A hash no file has: taken as given while the stamp holds, so the file was not read for it.
        let planned = String(repeating: "ab", count: 32)
        let trusted = try PartialJob.make(kind: .funding, path: path, asOf: CivilDate(year: 2021, month: 12, day: 31)!,
                                          referenceHash: "test", planned: (planned, stamp))
        XCTAssertEqual(trusted.sha256, planned)
        XCTAssertEqual(trusted.bytes, stamp.size)
        var stale = stamp
        stale.modified -= 1
        let rehashed = try PartialJob.make(kind: .funding, path: path, asOf: CivilDate(year: 2021, month: 12, day: 31)!,
                                           referenceHash: "test", planned: (planned, stale))
        XCTAssertEqual(rehashed.sha256, actual)
        let plain = try PartialJob.make(kind: .funding, path: path, asOf: CivilDate(year: 2021, month: 12, day: 31)!, referenceHash: "test")
        XCTAssertEqual(plain.sha256, actual)
        XCTAssertEqual(rehashed.key, plain.key)
        XCTAssertNotEqual(trusted.key, plain.key)
    }

    func testBuild_whenTheFileChangesAfterItsHashWasTaken_refusesToPublishThePartial() throws {
        let dir = try Workdir()
        let regions = try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
        let asOf = try XCTUnwrap(CivilDate(year: 2021, month: 12, day: 31))
        let funding = "record_id,recipient_uscc,received_on,purpose,amount\nR1,51110000MJ0000000X,2020-02-03,救灾,100\n"
        for planned in [true, false] {
            let path = try dir.file("funding-\(planned).csv", funding)
            let stamp = try XCTUnwrap(FileStamp(path: path))
            let job = try PartialJob.make(kind: .funding, path: path, asOf: asOf, referenceHash: "test",
                                          planned: planned ? (ContentHash.bytes(Array(funding.utf8)), stamp) : nil)
            XCTAssertEqual(job.stamp, stamp)
            // Another record appended after the hash: the bytes read are not those of the key.
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("R2,51110000MJ0000000X,2020-02-04,救灾,200\n".utf8))
            try handle.close()
            XCTAssertThrowsError(try PartialBuilder.build(job, in: dir.path + "/partials", regions: regions)) { error in
                XCTAssertEqual((error as? SectorStatsError)?.code, .inputChanged, "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/partials/" + job.key + PartialFormat.suffix))
            // Hashed again, the file gives another key, and its partial builds.
            let again = try PartialJob.make(kind: .funding, path: path, asOf: asOf, referenceHash: "test")
            XCTAssertNotEqual(again.key, job.key)
            XCTAssertNoThrow(try PartialBuilder.build(again, in: dir.path + "/partials", regions: regions))
        }
    }
}
