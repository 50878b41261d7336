import Foundation
import XCTest
@testable import SectorStats

/// The shard forms of a merge against the plain one, on the bundled raw exports (four
/// shapes: GB18030, UTF-8 with BOM and CRLF, gzip, tab; planted defects and duplicates):
/// the merge split by record-id bucket and combined from its states, and the partials of
/// byte ranges of each plain file instead of its whole partial, must give the same table,
/// quarantine bytes and row accounting.
final class BucketAndRangeMergeTests: XCTestCase {
    private let asOf = CivilDate(year: 2021, month: 12, day: 31)!

    private struct Input {
        var kind: PartialKind
        var path: String
        var read: CSVReadOptions
    }

    private func inputs() throws -> [Input] {
        var out: [Input] = []
        for kind in PartialKind.allCases {
            let folder = Fixtures.repoRoot + "/datasets/raw/" + kind.rawValue
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasPrefix(kind.rawValue) {
                let tab = name.hasSuffix(".tsv")
                out.append(Input(kind: kind, path: folder + "/" + name,
                                 read: CSVReadOptions(delimiter: tab ? UInt8(ascii: "\t") : UInt8(ascii: ","))))
            }
        }
        return out
    }

    private func regions() throws -> RegionTable {
        try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
    }

    private var settings: AggregateSettings { AggregateSettings(asOf: asOf, threads: 2) }

    /// The partial of `input` (or of its byte ranges: `ranges` of them, for a plain file).
    private func partials(_ input: Input, ranges: Int = 1, in folder: String, regions: RegionTable) throws -> [Partial] {
        let job = try PartialJob.make(kind: input.kind, path: input.path, read: input.read, asOf: asOf, referenceHash: "test")
        let isGzip = try CSVReader(path: input.path, options: input.read).isGzip
        guard ranges > 1, !isGzip else {
            // The whole file in small parallel chunks: the parallel reader's boundaries too.
            try PartialBuilder.build(job, in: folder, regions: regions, threads: 2, chunkBytes: 32 << 10)
            return [try Partial(folder: folder + "/" + job.key + PartialFormat.suffix, verify: true)]
        }
        return try (0..<Int64(ranges)).map { i in
            var ranged = job
            ranged.range = CSVByteRange(start: job.bytes * i / Int64(ranges), end: job.bytes * (i + 1) / Int64(ranges))
            try PartialBuilder.build(ranged, in: folder, regions: regions, threads: 1)
            return try Partial(folder: folder + "/" + ranged.key + PartialFormat.suffix, verify: true)
        }
    }

    private func all(ranges: Int, in folder: String, regions: RegionTable) throws -> (registrations: [Partial], funding: [Partial]) {
        var regs: [Partial] = [], funds: [Partial] = []
        for input in try inputs() {
            let p = try partials(input, ranges: ranges, in: folder, regions: regions)
            if input.kind == .registrations { regs += p } else { funds += p }
        }
        return (regs, funds)
    }

    private func assertSameOutputs(_ folder: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: expected).filter { $0.hasSuffix(".csv.gz") }.sorted()
        XCTAssertEqual(names.count, 6, file: file, line: line)
        for name in names {
            let a = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: expected + "/" + name))
            XCTAssertEqual(a, b, "\(name) differs", file: file, line: line)
        }
    }

    func testCombine_whenSplitIntoBuckets_givesThePlainMergesTablesAndAccounting() throws {
        let dir = try Workdir()
        let regions = try regions()
        let (regs, funds) = try all(ranges: 1, in: dir.path + "/partials", regions: regions)
        let plain = try MergeStage.run(registrations: regs, funding: funds, regions: regions, settings: settings,
                                       folder: dir.path + "/plain")
        XCTAssertGreaterThan(plain.normalize.funding.duplicates, 0)
        for k in [1, 2, 5] {
            var states: [String] = []
            var kept = 0
            // Any order of the states: the combine places them by bucket.
            for i in (0..<k).reversed() {
                let state = dir.path + "/state-\(i)-of-\(k)"
                let bucket = try XCTUnwrap(RecordBucket(index: i, count: k))
                kept += try MergeStage.mergeBucket(registrations: regs, funding: funds, bucket: bucket, settings: settings,
                                                   stateFile: state).rows
                states.append(state)
            }
            XCTAssertEqual(kept, plain.normalize.funding.accepted, "K = \(k)")
            let combined = try MergeStage.combine(registrations: regs, funding: funds, states: states, regions: regions,
                                                  settings: settings, folder: dir.path + "/combined-\(k)")
            XCTAssertEqual(combined, plain, "K = \(k)")
            try assertSameOutputs(dir.path + "/combined-\(k)", dir.path + "/plain")
        }
    }

    func testCombine_whenAStateIsMissingDamagedOrForeign_refuses() throws {
        let dir = try Workdir()
        let regions = try regions()
        let (regs, funds) = try all(ranges: 1, in: dir.path + "/partials", regions: regions)
        var states: [String] = []
        for i in 0..<3 {
            states.append(dir.path + "/state-\(i)")
            try MergeStage.mergeBucket(registrations: regs, funding: funds, bucket: try XCTUnwrap(RecordBucket(index: i, count: 3)),
                                       settings: settings, stateFile: states[i])
        }
        func code(_ states: [String], funding: [Partial]? = nil) -> SectorStatsError.Code? {
            do {
                _ = try MergeStage.combine(registrations: regs, funding: funding ?? funds, states: states, regions: regions,
                                           settings: settings, folder: dir.path + "/out")
                return nil
            } catch let e as SectorStatsError { return e.code } catch { return nil }
        }
        XCTAssertEqual(code(Array(states.prefix(2))), .invalidArgument)
        XCTAssertEqual(code(states + [states[0]]), .invalidArgument)
        XCTAssertEqual(code(states, funding: funds.reversed()), .invalidArgument)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: states[1]))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: states[1]))
        XCTAssertEqual(code(states), .corruptData)
    }

    func testRangePartials_whenSeveralRangeCounts_giveTheWholeFilesTablesAndAccounting() throws {
        let dir = try Workdir()
        let regions = try regions()
        let whole = try all(ranges: 1, in: dir.path + "/partials", regions: regions)
        let plain = try MergeStage.run(registrations: whole.registrations, funding: whole.funding, regions: regions,
                                       settings: settings, folder: dir.path + "/plain")
        // Ranges of tens of KiB: boundaries in CRLF, BOM and GB18030 files, some inside
        // quoted fields and at defective rows.
        for n in [3, 11] {
            let (regs, funds) = try all(ranges: n, in: dir.path + "/partials", regions: regions)
            XCTAssertGreaterThan(regs.count + funds.count, whole.registrations.count + whole.funding.count)
            let merged = try MergeStage.run(registrations: regs, funding: funds, regions: regions, settings: settings,
                                            folder: dir.path + "/ranges-\(n)")
            XCTAssertEqual(merged, plain, "\(n) ranges")
            try assertSameOutputs(dir.path + "/ranges-\(n)", dir.path + "/plain")
            // The manifest lists each file once, under its whole partial's key.
            XCTAssertEqual(try FileGroups.manifestMetas(funds).map(\.key), whole.funding.map(\.meta.key))
            XCTAssertEqual(try FileGroups.manifestMetas(regs).map(\.key), whole.registrations.map(\.meta.key))
        }
    }

    func testRangePartials_whenOutOfOrderOrMissing_areRefused() throws {
        let dir = try Workdir()
        let regions = try regions()
        let input = try XCTUnwrap(try inputs().first { $0.kind == .funding && !$0.path.hasSuffix(".gz") })
        let ranges = try partials(input, ranges: 3, in: dir.path + "/partials", regions: regions)
        XCTAssertNoThrow(try FileGroups.of(ranges))
        for broken in [[ranges[0], ranges[2], ranges[1]], [ranges[0], ranges[1]], [ranges[1], ranges[2]]] {
            XCTAssertThrowsError(try FileGroups.of(broken)) { e in
                XCTAssertEqual((e as? SectorStatsError)?.code, .invalidArgument)
            }
        }
        // The same file's ranges twice over: two files.
        XCTAssertEqual(try FileGroups.of(ranges + ranges), [0..<3, 3..<6])
    }

    func testRangePartial_whenStartLineGiven_beginsThere() throws {
        let dir = try Workdir()
        let regions = try regions()
        let input = try XCTUnwrap(try inputs().first { $0.kind == .funding && !$0.path.hasSuffix(".gz") })
        let ranges = try partials(input, ranges: 2, in: dir.path + "/partials", regions: regions)
        let bounds = try XCTUnwrap(ranges[1].meta.range?.bounds)
        var job = try PartialJob.make(kind: input.kind, path: input.path, read: input.read, asOf: asOf, referenceHash: "test")
        job.range = CSVByteRange(start: 0, end: job.bytes, startLine: bounds.startLine)
        let meta = try PartialBuilder.build(job, in: dir.path + "/partials", regions: regions)
        XCTAssertEqual(meta.range?.bounds, bounds)
        XCTAssertEqual(meta.accounting, ranges[1].meta.accounting)
        XCTAssertNotEqual(job.key, ranges[1].meta.key)
    }

    func testRecordBucket_isTheTopSixBitsOfFNV1a64_modK() {
        func bucket(_ s: String, _ k: Int) -> Int? {
            (0..<k).first { i in Array(s.utf8).withUnsafeBufferPointer { RecordBucket(index: i, count: k)?.contains($0) ?? false } }
        }
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (top six bits 0b101011 = 43); of "" the
        // offset basis 0xcbf29ce484222325 (0b110010 = 50).
        XCTAssertEqual(Array("a".utf8).withUnsafeBufferPointer { RecordBucket.hash($0) }, 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(Array("a".utf8).withUnsafeBufferPointer { RecordBucket.shard($0) }, 43)
        XCTAssertEqual(bucket("a", 7), 43 % 7)
        XCTAssertEqual(bucket("", 5), 50 % 5)
        XCTAssertEqual(bucket("a", 64), 43)
        XCTAssertNil(RecordBucket("3/3"))
        XCTAssertNil(RecordBucket("0/65"), "at most one bucket per shard")
        XCTAssertEqual(RecordBucket("2/3")?.index, 2)
    }
}
