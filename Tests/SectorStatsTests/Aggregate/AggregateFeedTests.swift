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

    /// Generated exports, shared by the tests below (built once, then only read).
    nonisolated(unsafe) private static let shared: (dir: Workdir, totals: ExpectedTotals, asOf: CivilDate)? = {
        do {
            let dir = try Workdir()
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

    /// Normalizes with the feed, then computes the tables both ways.
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
        return (fromFeed, fromTables, result)
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
