import Foundation
import XCTest
@testable import SectorStats

/// A run that goes through normalize and aggregate takes the aggregate stage's inputs from
/// the rows as the normalize stage writes them (``AggregateFeed``). These tests hold that
/// to the stage's contract (DESIGN.md: "each stage reads only what the stage before it
/// persisted"): the five tables, counts and warnings from the feed must equal those from
/// reading the persisted tables back, on generated exports in every shape, with every
/// defect of DATA.md §5, duplicate record_ids and superseded registrations.
final class AggregateFeedTests: XCTestCase {
    private static let reference = URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference")

    /// The shared set's folder once built. The set lives in a static, which is never
    /// deinitialized, so its folder is removed when the class's tests are done.
    nonisolated(unsafe) private static var sharedFolder: String?

    override class func tearDown() {
        if let sharedFolder { try? FileManager.default.removeItem(atPath: sharedFolder) }
        super.tearDown()
    }

    /// Generated exports, shared by the tests below (built once, then only read).
    nonisolated(unsafe) private static let shared: (dir: Workdir, totals: ExpectedTotals, asOf: CivilDate)? = {
        do {
            let dir = try Workdir()
            sharedFolder = dir.path
            let generator = try ExportGenerator(options: GeneratorOptions(
                organizations: 1_500, fundingRows: 9_000, seed: 11, badRate: 0.05, dupRate: 0.03,
                registrationShapes: FileShape.mixed, fundingShapes: FileShape.mixed,
                outputFolder: URL(fileURLWithPath: dir.path), referenceFolder: reference, jobs: 2))
            return (dir, try generator.run(), generator.options.asOf)
        } catch {
            XCTFail("generation failed: \(error)")
            return nil
        }
    }()

    private func inputs(_ kind: String) throws -> [InputFile] {
        let shared = try XCTUnwrap(Self.shared)
        return shared.totals.files.filter { $0.kind == kind }.map { f in
            InputFile(path: shared.dir.path + "/" + f.path,
                      read: CSVReadOptions(delimiter: f.delimiter == "tab" ? UInt8(ascii: "\t") : UInt8(ascii: ",")))
        }
    }

    /// Normalizes with the feed, then computes the tables both ways; the third way, from the
    /// organizations table and the funding facts file (``FundingFactsFile``), must give what
    /// reading the tables gives, and is checked here every time.
    private func bothWays(threads: Int, chunkBytes: Int, relief: Set<Purpose>, registrations: [InputFile],
                          funding: [InputFile]) throws -> (fed: AggregateOutput, read: AggregateOutput, normalize: NormalizeResult) {
        let shared = try XCTUnwrap(Self.shared)
        let out = try Workdir()
        let regions = try RegionTable(folder: Self.reference)
        let settings = AggregateSettings(asOf: shared.asOf, reliefPurposes: relief, threads: threads, minChunkBytes: 8 << 10)
        let (result, feed) = try NormalizeStage.run(
            registrations: registrations, funding: funding, regions: regions, asOf: shared.asOf, folder: out.path,
            threads: threads, chunkBytes: chunkBytes, feeding: settings)
        let fed = try XCTUnwrap(feed, "no feed although asked for")
        XCTAssertEqual(fed.settings, settings)
        let fromFeed = try AggregateStage.assemble(index: fed.index, funding: fed.funding, regions: regions, settings: settings)
        let fromTables = try AggregateStage.compute(
            organizationsPath: out.path + "/" + NormalizedTables.organizationsFile,
            fundingPath: out.path + "/" + NormalizedTables.fundingFile, regions: regions, settings: settings)
        let fromFacts = try AggregateStage.compute(
            organizationsPath: out.path + "/" + NormalizedTables.organizationsFile,
            factsPath: out.path + "/" + FundingFactsFile.name, regions: regions, settings: settings)
        assertSame(fromFacts, fromTables, "facts file, threads \(threads), chunks of \(chunkBytes) bytes")
        return (fromFeed, fromTables, result)
    }

    /// Normalizes once (feeding with the default settings), and returns the folder.
    private func normalized(threads: Int = 2, chunkBytes: Int = 16 << 10) throws -> Workdir {
        let shared = try XCTUnwrap(Self.shared)
        let out = try Workdir()
        let settings = AggregateSettings(asOf: shared.asOf, reliefPurposes: AggregateSettings.defaultReliefPurposes,
                                         threads: threads, minChunkBytes: 8 << 10)
        _ = try NormalizeStage.run(
            registrations: try inputs("registrations"), funding: try inputs("funding"), regions: try RegionTable(folder: Self.reference),
            asOf: shared.asOf, folder: out.path, threads: threads, chunkBytes: chunkBytes, feeding: settings)
        return out
    }

    private func fromFacts(_ out: Workdir, _ settings: AggregateSettings, facts: String? = nil) throws -> AggregateOutput {
        try AggregateStage.compute(
            organizationsPath: out.path + "/" + NormalizedTables.organizationsFile,
            factsPath: facts ?? out.path + "/" + FundingFactsFile.name, regions: try RegionTable(folder: Self.reference),
            settings: settings)
    }

    private func fromTables(_ out: Workdir, _ settings: AggregateSettings) throws -> AggregateOutput {
        try AggregateStage.compute(
            organizationsPath: out.path + "/" + NormalizedTables.organizationsFile,
            fundingPath: out.path + "/" + NormalizedTables.fundingFile, regions: try RegionTable(folder: Self.reference),
            settings: settings)
    }

    /// The facts file holds no settings: an analyst's rerun with another as-of date (rows and
    /// organizations after it, funders seen only after it), other relief purposes or another
    /// thread count reads it to the tables the funding table gives with those settings.
    func testFactsFile_whenOtherSettings_givesWhatTheTablesGive() throws {
        let shared = try XCTUnwrap(Self.shared)
        let out = try normalized()
        let earlier = try XCTUnwrap(CivilDate(year: 2015, month: 6, day: 30))
        XCTAssertLessThan(earlier, shared.asOf)
        for (asOf, relief, threads) in [(earlier, AggregateSettings.defaultReliefPurposes, 2),
                                        (shared.asOf, Set<Purpose>([.education, .elderlyCare]), 1),
                                        (earlier, Set<Purpose>([.children]), 3)] {
            let settings = AggregateSettings(asOf: asOf, reliefPurposes: relief, threads: threads, minChunkBytes: 8 << 10)
            let read = try fromTables(out, settings)
            assertSame(try fromFacts(out, settings), read, "as of \(asOf), relief \(relief.map(\.rawValue).sorted()), \(threads) threads")
            if asOf == earlier {
                XCTAssertTrue(read.warnings.contains { $0.code == "funding_after_as_of" }, "the earlier date leaves rows out")
            }
        }
    }

    /// The extremes the writer accepts read back: Int64.max in every amount (cash and
    /// in_kind are stored + 1), no recipient, funder or industry, the earliest and latest
    /// dates a `CivilDate` holds.
    func testFactsFile_whenExtremeValues_readsThemBack() throws {
        let out = try Workdir()
        let path = out.path + "/" + FundingFactsFile.name
        let writer = try FundingFactsWriter(path: path, organizations: 0)
        let funder = Array("某某基金会".utf8)
        let dates = [CivilDate(year: -32768, month: 1, day: 1), CivilDate(year: 32767, month: 12, day: 31)].compactMap { $0 }
        XCTAssertEqual(dates.count, 2)
        try funder.withUnsafeBufferPointer { name in
            // The second row adds 0, so that the sums stay within Int64.
            for (date, fen) in zip(dates, [Int64.max, 0]) {
                _ = try writer.append(FundingFacts(
                    receivedOn: date, purpose: .other, sourceType: .lotteryFund, amountFen: fen, cashFen: fen, inKindFen: 0,
                    beneficiaries: .max, recipient: nil, funder: name, funderIndustry: UnsafeBufferPointer(start: nil, count: 0)))
            }
        }
        _ = try writer.commit()
        let asOf = try XCTUnwrap(CivilDate(year: 32767, month: 12, day: 31))
        let partial = try FundingFactsReader.read(
            path: path, index: OrganizationIndex([], asOf: asOf),
            settings: AggregateSettings(asOf: asOf, reliefPurposes: [], threads: 1))
        XCTAssertEqual(partial.rows, 2)
        XCTAssertEqual(partial.unmatched, 2)
        XCTAssertEqual(partial.funders.names.count, 1)
        let stats = try XCTUnwrap(partial.funders.stats.first)
        XCTAssertEqual(stats.records, 2)
        XCTAssertEqual(stats.totalFen, .max)
        XCTAssertEqual(stats.cashFen, .max)
        XCTAssertEqual(stats.inKindFen, 0)
    }

    /// Damage to the file is a `corruptData` error naming it, never a crash and never other
    /// tables silently: a cut, a foreign trailer, another registry, and random byte changes
    /// (which may also give a readable file with other values: then it is read, not trusted
    /// more than the tables are).
    func testFactsFile_whenDamaged_isRefusedWithAClearError() throws {
        let shared = try XCTUnwrap(Self.shared)
        let out = try normalized()
        let settings = AggregateSettings(asOf: shared.asOf, reliefPurposes: AggregateSettings.defaultReliefPurposes,
                                         threads: 2, minChunkBytes: 8 << 10)
        let good = try Data(contentsOf: URL(fileURLWithPath: out.path + "/" + FundingFactsFile.name))
        XCTAssertGreaterThan(good.count, 1_000)
        let damaged = out.path + "/damaged.facts"
        func read(_ bytes: Data) throws -> AggregateOutput {
            try bytes.write(to: URL(fileURLWithPath: damaged))
            return try fromFacts(out, settings, facts: damaged)
        }
        func assertCorrupt(_ bytes: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try read(bytes), what, file: file, line: line) { error in
                let e = error as? SectorStatsError
                XCTAssertEqual(e?.code, .corruptData, "\(what): \(error)", file: file, line: line)
                XCTAssertEqual(e?.file, FundingFactsFile.name, "\(what): \(error)", file: file, line: line)
            }
        }
        XCTAssertEqual(try read(good), try fromTables(out, settings))
        assertCorrupt(good.prefix(good.count - 1), "cut by one byte")
        assertCorrupt(good.prefix(40), "shorter than the trailer")
        assertCorrupt(Data(), "empty")
        var foreign = good
        foreign[foreign.count - FundingFactsFile.trailerBytes] ^= 0xFF
        assertCorrupt(foreign, "no magic number")
        var version = good
        version[version.count - FundingFactsFile.trailerBytes + 8] = 9
        assertCorrupt(version, "another version")
        var rows = good
        rows[rows.count - FundingFactsFile.trailerBytes + 16] &+= 1
        assertCorrupt(rows, "one row more than written")

        // Another registry: the organizations of a normalize run over fewer registrations.
        let fewer = try Workdir()
        _ = try NormalizeStage.run(
            registrations: Array(try inputs("registrations").prefix(1)), funding: [], regions: try RegionTable(folder: Self.reference),
            asOf: shared.asOf, folder: fewer.path, threads: 1)
        XCTAssertThrowsError(try AggregateStage.compute(
            organizationsPath: fewer.path + "/" + NormalizedTables.organizationsFile,
            factsPath: out.path + "/" + FundingFactsFile.name, regions: try RegionTable(folder: Self.reference),
            settings: settings)) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .corruptData, "\(error)")
            XCTAssertTrue("\(error)".contains("organizations"), "\(error)")
        }

        // Random changes to one to four bytes anywhere: read or refused, never a crash. (Only
        // the file is read here: a changed date may be read as the year 32767, and tables
        // spanning that many years are slow to assemble, not wrong.)
        let index = try AggregateStage.readOrganizations(path: out.path + "/" + NormalizedTables.organizationsFile, settings: settings)
        var rng = SplitMix64(seed: 5)
        var refused = 0
        for _ in 0..<120 {
            var bytes = good
            for _ in 0...(rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                try bytes.write(to: URL(fileURLWithPath: damaged))
                _ = try FundingFactsReader.read(path: damaged, index: index, settings: settings)
            } catch let e as SectorStatsError {
                refused += 1
                XCTAssertTrue(e.file == FundingFactsFile.name || e.code != .corruptData, "\(e)")
            }
        }
        XCTAssertGreaterThan(refused, 0)
    }

    private func assertSame(_ a: AggregateOutput, _ b: AggregateOutput, _ context: String) {
        for (x, y) in zip(a.tables, b.tables) {
            XCTAssertEqual(x.kind, y.kind, context)
            XCTAssertEqual(x.rows.count, y.rows.count, "\(context): \(x.kind.rawValue) rows")
            for (i, (rx, ry)) in zip(x.rows, y.rows).enumerated() where rx != ry {
                XCTFail("\(context): \(x.kind.rawValue) row \(i): fed \(rx) ≠ read \(ry)")
                break
            }
        }
        XCTAssertEqual(a.organizations, b.organizations, context)
        XCTAssertEqual(a.fundingRows, b.fundingRows, context)
        XCTAssertEqual(a.unmatchedRecipients, b.unmatchedRecipients, context)
        XCTAssertEqual(a.warnings, b.warnings, context)
        XCTAssertEqual(a, b, context)
    }

    func testFeed_whenGeneratedExportsInEveryShape_givesTheTablesReadingTheWrittenTablesGives() throws {
        let registrations = try inputs("registrations")
        let funding = try inputs("funding")
        XCTAssertGreaterThanOrEqual(registrations.count, 4)
        XCTAssertGreaterThanOrEqual(funding.count, 4)
        // One chunk per file on one thread; and small chunks on two threads, so that rows
        // reach the feed from many chunks, windows and restarts.
        for (threads, chunkBytes) in [(1, NormalizeStage.defaultChunkBytes), (2, 16 << 10)] {
            let context = "threads \(threads), chunks of \(chunkBytes) bytes"
            let (fed, read, normalize) = try bothWays(
                threads: threads, chunkBytes: chunkBytes, relief: AggregateSettings.defaultReliefPurposes,
                registrations: registrations, funding: funding)
            assertSame(fed, read, context)
            // The set is one where the feed has something to get wrong: duplicate record_ids
            // skipped, superseded organizations, unmatched recipients, relief rows.
            XCTAssertGreaterThan(normalize.funding.duplicates, 0, context)
            XCTAssertGreaterThan(normalize.registrations.duplicates, 0, context)
            XCTAssertEqual(read.fundingRows, normalize.fundingWritten, context)
            XCTAssertEqual(read.organizations, normalize.organizationsWritten, context)
            XCTAssertGreaterThan(read.unmatchedRecipients, 0, context)
            for table in read.tables { XCTAssertFalse(table.rows.isEmpty, "\(context): \(table.kind.rawValue) is empty") }
        }
    }

    func testFeed_whenOtherReliefPurposes_followsThem() throws {
        let relief: Set<Purpose> = [.education, .elderlyCare]
        let (fed, read, _) = try bothWays(threads: 2, chunkBytes: 32 << 10, relief: relief,
                                          registrations: try inputs("registrations"), funding: try inputs("funding"))
        assertSame(fed, read, "relief = education, elderly care")
        let (defaultFed, _, _) = try bothWays(threads: 2, chunkBytes: 32 << 10, relief: AggregateSettings.defaultReliefPurposes,
                                              registrations: try inputs("registrations"), funding: try inputs("funding"))
        XCTAssertNotEqual(fed.tables.first { $0.kind == .reliefCoverage }, defaultFed.tables.first { $0.kind == .reliefCoverage })
    }

    func testFeed_whenASourceHasNoFiles_givesWhatTheHeaderOnlyTableGives() throws {
        let (fedNoFunding, readNoFunding, _) = try bothWays(
            threads: 2, chunkBytes: 16 << 10, relief: AggregateSettings.defaultReliefPurposes,
            registrations: try inputs("registrations"), funding: [])
        assertSame(fedNoFunding, readNoFunding, "no funding files")
        XCTAssertEqual(readNoFunding.fundingRows, 0)
        let (fedNoOrgs, readNoOrgs, _) = try bothWays(
            threads: 2, chunkBytes: 16 << 10, relief: AggregateSettings.defaultReliefPurposes,
            registrations: [], funding: try inputs("funding"))
        assertSame(fedNoOrgs, readNoOrgs, "no registration files")
        XCTAssertEqual(readNoOrgs.organizations, 0)
    }
}
