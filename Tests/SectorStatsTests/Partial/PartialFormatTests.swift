import Foundation
import XCTest
@testable import SectorStats

/// The partial on disk: sections round-trip (stored and zlib-block), a damaged or cut
/// partial is refused, and the key depends on content and settings, never the path.
final class PartialFormatTests: XCTestCase {
    private let asOf = CivilDate(year: 2021, month: 12, day: 31)!

    private func records(_ n: Int) -> [[UInt8]] {
        var state: UInt64 = 7
        return (0..<n).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 58)  // 0…63 bytes
            return (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
        }
    }

    func testSectionWriter_whenDeflated_readsBackTheSameRecordsAcrossBlocks() throws {
        let dir = try Workdir()
        let input = records(120_000)  // ~3.8 MB: several blocks
        for deflate in [false, true] {
            let path = dir.path + "/s\(deflate)"
            let w = try SectionWriter(path: path, deflate: deflate)
            for r in input {
                r.withUnsafeBufferPointer { w.string($0) }
                try w.flushIfFull()
            }
            let section = try w.finish()
            XCTAssertEqual(section.blocks == nil, !deflate)
            if deflate { XCTAssertGreaterThan(section.blocks?.count ?? 0, 2) }
            XCTAssertEqual(Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count), section.bytes)
            // Read back through a partial whose only interesting section is this one.
            let partial = try makePartial(dir, section: section, path: path)
            let stream = SectionStream(partial, PartialFormat.quarantineFile)
            var got: [[UInt8]] = []
            while let s = try stream.string() { got.append(Array(s)) }
            XCTAssertEqual(got, input, "deflate \(deflate)")
            XCTAssertTrue(try stream.atEnd())
            var viaBlocks: [[UInt8]] = []
            try partial.forEachBlock(PartialFormat.quarantineFile) { block in
                var c = SectionCursor(block)
                while !c.atEnd { viaBlocks.append(Array(try XCTUnwrap(c.string()))) }
            }
            XCTAssertEqual(viaBlocks, input)
        }
    }

    /// PartialFormat: a funding partial's rows are stored in shard blocks (at most
    /// `fundingBlockRows` rows, one record-id shard each); every row's id is in its block's
    /// shard, a bucket reads exactly the ids of its shards, and the clean funding export
    /// still lists the rows in input (line) order.
    func testFundingPartial_storesRowsInShardBlocks_andExportsThemInLineOrder() throws {
        let dir = try Workdir()
        // Ids of two shards only, 20,000 rows interleaved: each shard fills two blocks and
        // half of a third; plus ids of every other shard, a few each.
        func shard(_ s: String) -> Int { Array(s.utf8).withUnsafeBufferPointer { RecordBucket.shard($0) } }
        var ids: [String] = []
        var n = 0
        var perShard = [Int](repeating: 0, count: RecordBucket.shards)
        while n < 10_000_000 {
            let id = "R\(n)"
            n += 1
            let s = shard(id)
            if s == 3 || s == 41 ? perShard[s] < 10_000 : perShard[s] < 4 {
                perShard[s] += 1
                ids.append(id)
            }
            if perShard[3] == 10_000, perShard[41] == 10_000, perShard.allSatisfy({ $0 >= 4 || $0 == 10_000 }) { break }
        }
        var csv = "记录编号,受赠组织统一社会信用代码,受赠组织名称,资金来源,捐赠方,捐赠方行业,金额,其中现金及有价证券,物资折价,捐赠日期,用途,受益地区,受益人次\n"
        for (i, id) in ids.enumerated() {
            csv += "\(id),53420000MJ0003B24T,湖北省慈善总会,企业捐赠,公司\(i % 97),制造业,\(i + 1),,,2020-02-01,救灾,湖北省,\(i % 13)\n"
        }
        let input = try dir.file("funding.csv", csv)
        let job = try PartialJob.make(kind: .funding, path: input, asOf: asOf, referenceHash: "t")
        let regions = try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
        try PartialBuilder.build(job, in: dir.path + "/partials", regions: regions, threads: 2, chunkBytes: 64 << 10)
        let partial = try Partial(folder: dir.path + "/partials/" + job.key + PartialFormat.suffix, verify: true)
        XCTAssertEqual(partial.meta.rows, ids.count)
        let meta = partial.meta
        // Shards 3 and 41 hold 10,000 rows each: 8,192 + 1,808 rows in two blocks.
        for s in [3, 41] {
            let blocks = meta.blockShards.indices.filter { meta.blockShards[$0] == s }
            XCTAssertEqual(blocks.map { partial.rows(ofBlock: $0).count }, [PartialFormat.fundingBlockRows, 10_000 - PartialFormat.fundingBlockRows])
        }
        XCTAssertEqual(meta.blockShards.count, RecordBucket.shards + 2)
        // Each block's ids are of its shard; all ids once.
        var seen: [String: Int] = [:]
        let read = try partial.forEachRecordID(in: nil) { row, id, _ in
            let text = String(decoding: id, as: UTF8.self)
            XCTAssertNil(seen[text])
            seen[text] = row
            let b = try XCTUnwrap(meta.blockStarts.lastIndex { $0 <= row })
            XCTAssertEqual(meta.blockShards[b], shard(text))
        }
        XCTAssertEqual(read, ids.count)
        XCTAssertEqual(Set(seen.keys), Set(ids))
        // A bucket of 5 reads the ids of its shards and no other.
        for i in 0..<5 {
            var got: [String] = []
            try partial.forEachRecordID(in: RecordBucket(index: i, count: 5)) { _, id, _ in got.append(String(decoding: id, as: UTF8.self)) }
            XCTAssertEqual(Set(got), Set(ids.filter { shard($0) % 5 == i }))
            XCTAssertEqual(got.count, ids.filter { shard($0) % 5 == i }.count)
        }
        // The export: rows in input order, whatever block they are stored in.
        let w = CSVWriter()
        try CleanTables.writeFunding([partial], to: w)
        let lines = String(decoding: w.bytes, as: UTF8.self).split(separator: "\n").dropFirst()
        XCTAssertEqual(lines.map { String($0.prefix { $0 != "," }) }, ids)
        XCTAssertEqual(lines.map { Int($0.split(separator: ",").last ?? "") }, (0..<ids.count).map { $0 + 2 })
    }

    /// A registrations partial folder holding `section` as its quarantine section.
    private func makePartial(_ dir: Workdir, section: PartialMeta.Section, path: String) throws -> Partial {
        let folder = dir.path + "/p-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path, toPath: folder + "/" + PartialFormat.quarantineFile)
        for f in [PartialFormat.entriesFile, PartialFormat.rowsFile] { _ = FileManager.default.createFile(atPath: folder + "/" + f, contents: Data()) }
        var acc = RowAccounting(file: "x.csv", path: "x.csv", encoding: "utf-8")
        acc.rowsRead = 0
        let meta = PartialMeta(format: PartialFormat.version, program: SectorStatsVersion.string, key: "k", kind: .registrations,
                               path: "x.csv", file: "x.csv", bytes: 0, sha256: "", encoding: "utf-8", accounting: acc, rows: 0,
                               rowBlocks: [], recipients: 0, funders: 0, industries: 0, quarantineEntries: 0,
                               sections: [PartialFormat.entriesFile: .init(bytes: 0, crc32: 0), PartialFormat.rowsFile: .init(bytes: 0, crc32: 0),
                                          PartialFormat.quarantineFile: section])
        try JSON.write(meta, to: folder + "/" + PartialFormat.metaFile)
        return try Partial(folder: folder, verify: true)
    }

    private func buildFixturePartial(_ dir: Workdir, kind: PartialKind, fixture: String) throws -> String {
        let job = try PartialJob.make(kind: kind, path: Fixtures.path("normalize/" + fixture), asOf: asOf, referenceHash: "t")
        let regions = try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
        try PartialBuilder.build(job, in: dir.path, regions: regions, threads: 2, chunkBytes: 256)
        return dir.path + "/" + job.key + PartialFormat.suffix
    }

    func testPartial_whenASectionIsDamagedOrCut_isRefused() throws {
        let dir = try Workdir()
        let folder = try buildFixturePartial(dir, kind: .funding, fixture: "funding_every_defect_utf8.csv")
        XCTAssertNoThrow(try Partial(folder: folder, verify: true))
        // A flipped byte in a stored section: only the CRC check sees it.
        let facts = folder + "/" + PartialFormat.factsFile
        var bytes = try Data(contentsOf: URL(fileURLWithPath: facts))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: facts))
        XCTAssertNoThrow(try Partial(folder: folder, verify: false))
        XCTAssertThrowsError(try Partial(folder: folder, verify: true)) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .corruptData)
            XCTAssertTrue("\(error)".contains("CRC-32"), "\(error)")
        }
        // A section cut short: refused even without the CRC check.
        let ids = folder + "/" + PartialFormat.idsFile
        let cut = try Data(contentsOf: URL(fileURLWithPath: ids)).dropLast(3)
        try cut.write(to: URL(fileURLWithPath: ids))
        XCTAssertThrowsError(try Partial(folder: folder, verify: false))
        // No meta: not a partial (a build killed before its rename leaves no final folder).
        try FileManager.default.removeItem(atPath: folder + "/" + PartialFormat.metaFile)
        XCTAssertThrowsError(try Partial(folder: folder))
    }

    func testPartial_whenACompressedBlockIsDamaged_readingItFailsClearly() throws {
        let dir = try Workdir()
        let folder = try buildFixturePartial(dir, kind: .registrations, fixture: "registrations_every_defect_utf8.csv")
        let partial = try Partial(folder: folder, verify: true)
        XCTAssertNotNil(partial.meta.sections[PartialFormat.rowsFile]?.blocks)
        let rows = folder + "/" + PartialFormat.rowsFile
        var bytes = try Data(contentsOf: URL(fileURLWithPath: rows))
        for i in stride(from: 2, to: bytes.count, by: 7) { bytes[i] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: rows))
        let damaged = try Partial(folder: folder, verify: false)
        XCTAssertThrowsError(try CleanTables.writeOrganizations([damaged], to: CSVWriter())) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .corruptData, "\(error)")
        }
    }

    func testKey_dependsOnContentAndSettings_notOnThePath() throws {
        let dir = try Workdir()
        for sub in ["a", "b"] { try FileManager.default.createDirectory(atPath: dir.path + "/" + sub, withIntermediateDirectories: true) }
        let a = try dir.file("a/x.csv", "统一社会信用代码,社会组织名称,社会组织类型,成立登记日期\n53420000MJ0003B24T,某会,基金会,2019-01-01\n")
        let b = try dir.file("b/renamed.csv", try String(contentsOfFile: a, encoding: .utf8))
        func key(_ path: String, asOf: CivilDate? = nil, aliases: [String: String] = [:], reference: String = "r") throws -> String {
            try PartialJob.make(kind: .registrations, path: path, aliases: aliases, asOf: asOf ?? self.asOf, referenceHash: reference).key
        }
        XCTAssertEqual(try key(a), try key(b), "same bytes, another path and name")
        XCTAssertNotEqual(try key(a), try key(a, asOf: CivilDate(year: 2022, month: 1, day: 1)!))
        XCTAssertNotEqual(try key(a), try key(a, aliases: ["机构名称": "name"]))
        XCTAssertNotEqual(try key(a), try key(a, reference: "other tables"))
        _ = try dir.file("a/x.csv", "统一社会信用代码,社会组织名称,社会组织类型,成立登记日期\n53420000MJ0003B24T,某会,基金会,2019-01-02\n")
        XCTAssertNotEqual(try key(a), try key(b), "one byte of content changed")
    }

    func testKilledBuild_leavesOnlyATemporaryFolder_thatIsNeverUsedAndIsSweptAway() throws {
        // A build writes into `.tmp-<key>-<pid>` and renames it into place whole: a build
        // killed before the rename leaves that folder, which no look-up by key sees.
        let dir = try Workdir()
        let folder = try buildFixturePartial(dir, kind: .funding, fixture: "funding_every_defect_utf8.csv")
        let key = String(URL(fileURLWithPath: folder).lastPathComponent.dropLast(PartialFormat.suffix.count))
        let dead: Int32 = 999_999  // above the usual pid_max: no such process
        let leftover = dir.path + "/.tmp-" + key + "-\(dead)"
        try FileManager.default.moveItem(atPath: folder, toPath: leftover)
        XCTAssertFalse(PartialStage.present(key, in: dir.path))
        PartialStage.prune(folder: dir.path, keeping: [key])
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        // A live process's build in progress is left alone.
        let live = dir.path + "/.tmp-" + key + "-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        PartialStage.prune(folder: dir.path, keeping: [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    }
}
