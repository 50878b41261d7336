import Foundation
import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

final class ExportGeneratorTests: XCTestCase {
    private static let reference = URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference")

    private func options(_ dir: String, orgs: Int = 2_000, funding: Int = 12_000, seed: UInt64 = 7,
                         badRate: Double = 0.05, jobs: Int = 2, shapes: [FileShape] = FileShape.mixed) -> GeneratorOptions {
        GeneratorOptions(
            organizations: orgs, fundingRows: funding, seed: seed, badRate: badRate, dupRate: 0.02,
            registrationShapes: shapes, fundingShapes: shapes, outputFolder: URL(fileURLWithPath: dir),
            referenceFolder: Self.reference, jobs: jobs)
    }

    private func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The shared set's folder once built. The set lives in a static, which is never
    /// deinitialized, so its folder is removed when the class's tests are done.
    nonisolated(unsafe) private static var sharedFolder: String?

    override class func tearDown() {
        if let sharedFolder { try? FileManager.default.removeItem(atPath: sharedFolder) }
        super.tearDown()
    }

    /// One generated export and its independent recount, shared by the tests below (built
    /// once, lazily, then only read; XCTest runs the tests of a class one at a time).
    nonisolated(unsafe) private static let shared: (dir: Workdir, totals: ExpectedTotals, oracle: ReferenceClassifier)? = {
        do {
            let dir = try Workdir()
            sharedFolder = dir.path
            let generator = try ExportGenerator(options: GeneratorOptions(
                organizations: 2_000, fundingRows: 12_000, seed: 7, badRate: 0.05, dupRate: 0.02,
                registrationShapes: FileShape.mixed, fundingShapes: FileShape.mixed,
                outputFolder: URL(fileURLWithPath: dir.path), referenceFolder: reference, jobs: 2))
            let totals = try generator.run()
            var oracle = ReferenceClassifier(table: try RegionTable(folder: reference), asOf: generator.options.asOf)
            for file in totals.files where file.kind == "registrations" { try oracle.readRegistrations(dir.path + "/" + file.path) }
            for file in totals.files where file.kind == "funding" { try oracle.readFunding(dir.path + "/" + file.path) }
            return (dir, totals, oracle)
        } catch {
            XCTFail("generation failed: \(error)")
            return nil
        }
    }()

    func testRun_whenSameSeed_thenByteIdenticalFilesWhateverTheThreadCount() throws {
        let a = try Workdir()
        let b = try Workdir()
        // One GB18030 file per kind: several blocks per file, so the threads really split the work.
        let shapes = [FileShape(encoding: .gb18030)]
        let generatorA = try ExportGenerator(options: options(a.path, orgs: 400, funding: 20_000, jobs: 1, shapes: shapes))
        try generatorA.run()
        try ExportGenerator(options: options(b.path, orgs: 400, funding: 20_000, jobs: 2, shapes: shapes)).run()
        for path in generatorA.filePaths + ["expected.json"] {
            XCTAssertEqual(try bytes(a.path + "/" + path), try bytes(b.path + "/" + path), path)
        }
    }

    func testRun_whenEarlierAsOfDate_thenNothingCleanIsLaterAndTheRecountHolds() throws {
        let dir = try Workdir()
        var options = options(dir.path, orgs: 800, funding: 3_000, seed: 3, shapes: [FileShape(), FileShape(headers: .english)])
        options.asOf = CivilDate(year: 2018, month: 6, day: 30)!
        let totals = try ExportGenerator(options: options).run()
        var oracle = ReferenceClassifier(table: try RegionTable(folder: Self.reference), asOf: options.asOf)
        for file in totals.files where file.kind == "registrations" { try oracle.readRegistrations(dir.path + "/" + file.path) }
        for file in totals.files where file.kind == "funding" { try oracle.readFunding(dir.path + "/" + file.path) }
        for file in totals.files {
            XCTAssertEqual(oracle.files[file.name]?.quarantinedRecords, file.quarantinedRecords, file.name)
            XCTAssertEqual(oracle.files[file.name]?.accepted, file.accepted, file.name)
        }
        XCTAssertEqual(totals.organizations.lastYear, 2018)
        XCTAssertEqual(ExportGenerator.fundingTotals(oracle.funding), totals.fundingTotals)
        XCTAssertThrowsError(try ExportGenerator(options: { var o = options; o.asOf = CivilDate(year: 2005, month: 1, day: 1)!; return o }()))
    }

    func testRun_whenOtherSeed_thenDifferentFiles() throws {
        let a = try Workdir()
        let b = try Workdir()
        let generator = try ExportGenerator(options: options(a.path, orgs: 300, funding: 500, seed: 1))
        try generator.run()
        try ExportGenerator(options: options(b.path, orgs: 300, funding: 500, seed: 2)).run()
        let path = generator.filePaths[0]
        XCTAssertNotEqual(try bytes(a.path + "/" + path), try bytes(b.path + "/" + path))
    }

    func testRun_whenMixedShapes_thenFilesHaveTheirShapes() throws {
        let (dir, totals, _) = try XCTUnwrap(Self.shared)
        XCTAssertEqual(totals.files.count, 8)
        for file in totals.files {
            let raw = try bytes(dir.path + "/" + file.path)
            let reader = try CSVReader(path: dir.path + "/" + file.path, options: ReferenceClassifier.readOptions())
            XCTAssertEqual(reader.encoding.rawValue, file.encoding, file.name)
            XCTAssertEqual(reader.isGzip, file.gzip, file.name)
            XCTAssertEqual(reader.delimiter, file.delimiter == "tab" ? 0x09 : 0x2C, file.name)
            XCTAssertEqual(reader.header, file.header, file.name)
            if !file.gzip {
                XCTAssertEqual(raw.starts(with: [0xEF, 0xBB, 0xBF]), file.byteOrderMark, file.name)
                XCTAssertEqual(raw.contains(0x0D), file.lineEnding == "crlf", file.name)
            }
        }
        let shapes = Set(totals.files.map { "\($0.encoding) \($0.byteOrderMark) \($0.lineEnding) \($0.gzip) \($0.delimiter)" })
        XCTAssertEqual(shapes.count, 4)
    }

    func testRun_whenReadBack_thenRecordsAndMalformedLinesAreWhereExpectedSays() throws {
        let (_, totals, oracle) = try XCTUnwrap(Self.shared)
        for file in totals.files {
            let counted = try XCTUnwrap(oracle.files[file.name], file.name)
            XCTAssertEqual(counted.rows, file.rows, "\(file.name) rows")
            let structural: Set<String> = ["csv_malformed", "field_count", "encoding"]
            XCTAssertEqual(counted.quarantinedRecords.filter { structural.contains($0.reason) },
                           file.quarantinedRecords.filter { structural.contains($0.reason) }, "\(file.name) malformed records")
            XCTAssertEqual(file.rows, file.accepted + file.quarantinedTotal + file.duplicates, file.name)
        }
    }

    func testRun_whenClassifiedWithTheParsers_thenEveryRowEndsAsExpectedSays() throws {
        let (_, totals, oracle) = try XCTUnwrap(Self.shared)
        for file in totals.files {
            let counted = try XCTUnwrap(oracle.files[file.name], file.name)
            XCTAssertEqual(counted.quarantined, file.quarantined, "\(file.name) quarantined; first details: \(oracle.details)")
            // Row by row: each defect fails with the intended reason, on the intended line.
            XCTAssertEqual(counted.quarantinedRecords, file.quarantinedRecords, "\(file.name) quarantined records")
            XCTAssertEqual(counted.accepted, file.accepted, "\(file.name) accepted")
            XCTAssertEqual(counted.duplicates, file.duplicates, "\(file.name) duplicates")
        }
    }

    func testRun_whenBigEnough_thenEveryReasonAppears() throws {
        let (_, totals, _) = try XCTUnwrap(Self.shared)
        XCTAssertEqual(Set(totals.registrations.quarantined.keys), Set(QuarantineReason.allCases.map(\.rawValue)).subtracting(
            ["split_mismatch", "source_unknown", "count_garbage"]))
        XCTAssertEqual(Set(totals.funding.quarantined.keys), [
            "csv_malformed", "field_count", "encoding", "missing_required", "source_unknown", "amount_garbage",
            "amount_negative", "split_mismatch", "date_impossible", "date_future", "count_garbage",
        ])
        XCTAssertGreaterThan(totals.registrations.duplicates, 0)
        XCTAssertGreaterThan(totals.funding.duplicates, 0)
    }

    func testRun_whenRecounted_thenOrganizationTotalsMatch() throws {
        let (_, totals, oracle) = try XCTUnwrap(Self.shared)
        let orgs = totals.organizations
        XCTAssertEqual(oracle.organizations.count, orgs.count)
        XCTAssertEqual(oracle.activeEnd(firstYear: orgs.firstYear, lastYear: orgs.lastYear), orgs.activeEnd)
        for type in OrgType.allCases {
            XCTAssertEqual(oracle.activeEnd(firstYear: orgs.firstYear, lastYear: orgs.lastYear) { $0.type == type },
                           orgs.activeEndByType[type.rawValue], type.rawValue)
        }
        let province = 440_000
        XCTAssertEqual(oracle.activeEnd(firstYear: orgs.firstYear, lastYear: orgs.lastYear) { $0.province == province },
                       orgs.activeEndByProvince[String(province)])
        XCTAssertEqual(oracle.organizations.values.filter(\.mismatch).count, orgs.typeUSCCMismatch)
        XCTAssertEqual(oracle.organizations.values.reduce(0) { $0 + $1.capital }, orgs.capitalFen)
        // Growth: more organizations active at the end of 2020 than of 2012.
        XCTAssertGreaterThan(orgs.activeEnd["2020"] ?? 0, 2 * (orgs.activeEnd["2012"] ?? 0))
    }

    func testRun_whenRecounted_thenFundingTotalsMatch() throws {
        let (_, totals, oracle) = try XCTUnwrap(Self.shared)
        XCTAssertEqual(ExportGenerator.fundingTotals(oracle.funding), totals.fundingTotals)
        XCTAssertGreaterThan(totals.fundingTotals.unmatchedRecords, 0)
        XCTAssertGreaterThan(totals.fundingTotals.splitRecords, 0)
        XCTAssertGreaterThan(totals.fundingTotals.unsplitRecords, 0)
    }

    func testRun_whenExpectedJSONDecoded_thenItEqualsTheReturnedTotals() throws {
        let (dir, totals, _) = try XCTUnwrap(Self.shared)
        let data = try bytes(dir.path + "/expected.json")
        XCTAssertEqual(try JSONDecoder().decode(ExpectedTotals.self, from: data), totals)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"active_end\""))
        XCTAssertTrue(text.contains("\"funding_totals\""))
    }

    func testBundledDatasets_whenRecounted_thenExpectedJSONHolds() throws {
        let root = Fixtures.repoRoot + "/datasets/raw"
        let totals = try JSONDecoder().decode(ExpectedTotals.self, from: try bytes(root + "/expected.json"))
        let asOf = try XCTUnwrap(try DateParser.parse(totals.settings.asOf, asOf: nil))
        var oracle = ReferenceClassifier(table: try RegionTable(folder: Self.reference), asOf: asOf)
        for file in totals.files where file.kind == "registrations" { try oracle.readRegistrations(root + "/" + file.path) }
        for file in totals.files where file.kind == "funding" { try oracle.readFunding(root + "/" + file.path) }
        for file in totals.files {
            let counted = try XCTUnwrap(oracle.files[file.name], file.name)
            XCTAssertEqual(counted.rows, file.rows, file.name)
            XCTAssertEqual(counted.accepted, file.accepted, file.name)
            XCTAssertEqual(counted.quarantined, file.quarantined, file.name)
            XCTAssertEqual(counted.duplicates, file.duplicates, file.name)
            XCTAssertEqual(counted.quarantinedRecords, file.quarantinedRecords, file.name)
        }
        XCTAssertEqual(ExportGenerator.fundingTotals(oracle.funding), totals.fundingTotals)
        let orgs = totals.organizations
        XCTAssertEqual(oracle.activeEnd(firstYear: orgs.firstYear, lastYear: orgs.lastYear), orgs.activeEnd)
        let size = try FileManager.default.subpathsOfDirectory(atPath: root).reduce(0) { sum, path in
            sum + ((try? FileManager.default.attributesOfItem(atPath: root + "/" + path)[.size] as? Int) ?? 0)
        }
        XCTAssertLessThan(size, 10_000_000, "datasets/raw must stay under 10 MB")
    }
}
