import Foundation
import XCTest
@testable import SectorStats

/// A NUL byte in a record (issue 18, defect 6): the record is quarantined as `encoding` on
/// `record`, the detail names the column, and no published table holds a NUL.
final class NULByteTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    private func quarantine(_ fixture: String, _ make: ([String], String) throws -> (CSVRecord) -> QuarantineEntry?) throws -> [QuarantineEntry] {
        let reader = try CSVReader(path: Fixtures.path(fixture))
        let check = try make(reader.header, reader.name)
        var out: [QuarantineEntry] = []
        try reader.forEachRecord { if let q = check($0) { out.append(q) } }
        return out
    }

    func testNormalize_whenNULInARegistrationField_quarantinesTheRecordNamingTheColumn() throws {
        let regions = try RegionTable(folder: URL(fileURLWithPath: reference))
        let asOf = try XCTUnwrap(CivilDate(year: 2021, month: 12, day: 31))
        let got = try quarantine("normalize/nul_byte_in_field.csv") { header, name in
            let n = try RegistrationNormalizer(header: header, source: name, asOf: asOf, regions: regions)
            return { r in if case .quarantined(let q) = n.normalize(r) { return q } else { return nil } }
        }
        XCTAssertEqual(got.count, 1)
        let q = try XCTUnwrap(got.first)
        XCTAssertEqual(q.line, 4)
        XCTAssertEqual(q.field, "record")
        XCTAssertEqual(q.reason, .encoding)
        XCTAssertTrue(q.detail.contains("column 1 (社会组织名称)"), q.detail)
        XCTAssertFalse(q.raw.contains("\0"))
        XCTAssertTrue(q.raw.hasPrefix("海淀区\u{FFFD}养老协会,"), q.raw)
    }

    func testNormalize_whenNULInAFundingField_quarantinesTheRecordNamingTheColumn() throws {
        let regions = try RegionTable(folder: URL(fileURLWithPath: reference))
        let asOf = try XCTUnwrap(CivilDate(year: 2021, month: 12, day: 31))
        let got = try quarantine("normalize/nul_byte_in_field_funding.csv") { header, name in
            let n = try FundingNormalizer(header: header, source: name, asOf: asOf, regions: regions)
            return { r in if case .quarantined(let q) = n.normalize(r) { return q } else { return nil } }
        }
        XCTAssertEqual(got.map(\.line), [3])
        XCTAssertEqual(got.first?.reason, .encoding)
        XCTAssertEqual(got.first?.field, "record")
        XCTAssertTrue(got.first?.detail.contains("column 5 (捐赠方)") ?? false, got.first?.detail ?? "")
    }

    func testRun_whenInputsHoldNULBytes_noPublishedTableHoldsOne() throws {
        let dir = try Workdir()
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/nul_byte_in_field.csv"), toPath: dir.path + "/registrations.csv")
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/nul_byte_in_field_funding.csv"), toPath: dir.path + "/funding.csv")
        let r = try CLI.run(["run", "--registrations", "registrations.csv", "--funding", "funding.csv", "--out", "out",
                             "--as-of", "2021-12-31", "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let latest = dir.path + "/out/latest"
        let files = try FileManager.default.contentsOfDirectory(atPath: latest)
        XCTAssertTrue(files.contains("top_funders.csv.gz"))
        // (report.xlsx is a zip of the tables' values, so it is checked through the tables.)
        for f in files where !f.hasSuffix(".xlsx") {
            let text = f.hasSuffix(".gz") ? try gunzip(latest + "/" + f) : try String(contentsOfFile: latest + "/" + f, encoding: .utf8)
            XCTAssertFalse(text.contains("\0"), "\(f) holds a NUL byte")
        }
        let quarantine = try gunzip(latest + "/quarantine.csv.gz").split(separator: "\n").dropFirst()
        let rows = quarantine.map { $0.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
        XCTAssertEqual(rows, ["funding.csv,3,record,encoding", "registrations.csv,4,record,encoding"])
        // The clean funder of the same file is published; the one with a NUL is not.
        let top = try gunzip(latest + "/top_funders.csv.gz")
        XCTAssertTrue(top.contains("某科技公司"))
        XCTAssertFalse(top.contains("某\u{FFFD}公司"))
    }
}
