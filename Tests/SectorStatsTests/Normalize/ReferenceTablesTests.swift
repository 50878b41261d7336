import Foundation
import XCTest
@testable import SectorStats

/// The GB/T 2260 tables built into the binary (issue 18, installable anywhere).
final class ReferenceTablesTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    func testEmbeddedTables_equalDatasetsReferenceByteForByte() throws {
        let b = try ReferenceTables.bytes()
        let regions = try Data(contentsOf: URL(fileURLWithPath: reference + "/regions.csv"))
        let history = try Data(contentsOf: URL(fileURLWithPath: reference + "/regions_history.csv"))
        XCTAssertTrue(b.regions == [UInt8](regions), "regions.csv differs from the built-in copy: run Scripts/embed-reference.sh")
        XCTAssertTrue(b.history == [UInt8](history), "regions_history.csv differs from the built-in copy: run Scripts/embed-reference.sh")
    }

    func testReferenceHash_whenEmbedded_equalsTheFolderOfTheSameBytes() throws {
        XCTAssertEqual(try PartialJob.referenceHash(of: ReferenceTables.embeddedPath), try PartialJob.referenceHash(of: reference))
        // As the runner passes it: made absolute against the current folder.
        let absolute = URL(fileURLWithPath: ReferenceTables.embeddedPath).path
        XCTAssertEqual(try PartialJob.referenceHash(of: absolute), try PartialJob.referenceHash(of: reference))
    }

    func testRegionTable_whenEmbedded_resolvesAsTheFolder() throws {
        let embedded = try RegionTable(folder: URL(fileURLWithPath: ReferenceTables.embeddedPath))
        let folder = try RegionTable(folder: URL(fileURLWithPath: reference))
        XCTAssertEqual(embedded.countyCount, folder.countyCount)
        XCTAssertEqual(embedded.provinces.map(\.code), folder.provinces.map(\.code))
        XCTAssertEqual(Array("湖北省武汉市江汉区".utf8).withUnsafeBufferPointer { embedded.resolvedCode($0) }, 420103)
    }

    /// The binary outside its source tree: an unrelated current folder, a pipeline file
    /// elsewhere, no --reference.
    func testRun_fromAnUnrelatedFolder_usesTheBuiltInTables() throws {
        let data = try CLI.fixtureProject(name: "anywhere"), cwd = try Workdir()
        let r = try CLI.run(["run", data.path + "/p.yml", "--quiet"], in: cwd.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.path + "/out/latest/relief_coverage.csv.gz"))
        // Same tables as with the folder given.
        let withFolder = try CLI.run(["run", data.path + "/p.yml", "--quiet", "--out", cwd.path + "/out2", "--reference", reference], in: cwd.path)
        XCTAssertEqual(withFolder.status, 0, withFolder.stderr)
        for t in ["relief_coverage.csv.gz", "registrations_by_year.csv.gz", "quarantine.csv.gz"] {
            XCTAssertEqual(try gunzip(data.path + "/out/latest/" + t), try gunzip(cwd.path + "/out2/latest/" + t), t)
        }
    }
}
