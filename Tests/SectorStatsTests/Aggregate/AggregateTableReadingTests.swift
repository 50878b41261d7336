import Foundation
import XCTest
@testable import SectorStats

/// The aggregate stage reads the normalize stage's tables with the fast reader of our own
/// tables; the tables and the errors must be exactly those of the careful libcsv path.
final class AggregateTableReadingTests: XCTestCase {
    private let regions = AggregateFixtures.regions

    /// Text our writer quotes (commas, quotes, line breaks) next to plain text.
    private static let names = ["甲基金会", "Acme, Inc.", "say \"hi\"", "两行\n名称", "cr\r名称", "", "乙, \"丙\"\r\n丁", "普通公司"]

    private func tables(rows: Int, in dir: Workdir) throws -> (organizations: String, funding: String) {
        var organizations: [Organization] = []
        for i in 0..<60 {
            organizations.append(Organization(
                uscc: AggregateFixtures.uscc(category: 1, region: 420_103, serial: 1000 + i), name: Self.names[i % Self.names.count], type: .association,
                authority: "", registeredOn: AggregateFixtures.date("201\(i % 9)-03-01"), status: nil,
                deregisteredOn: i % 11 == 0 ? AggregateFixtures.date("2020-05-05") : nil, capitalFen: nil, legalRep: "",
                supervisor: "", scope: "", address: Self.names[(i + 3) % Self.names.count], regionCode: 420_103,
                provinceCode: i % 4 == 0 ? 100_000 : 420_000, countyCode: i % 4 == 0 ? nil : 420_103, isCommunity: nil,
                isCharity: nil, source: "r.csv", line: i + 2))
        }
        var funding: [FundingRecord] = []
        var rng = SplitMix64(seed: 7)
        for i in 0..<rows {
            let recipient = organizations[Int(rng.next() % 70) % organizations.count].uscc.description
            let amount = Int64(rng.next() % 1_000_000)
            let split = i % 3 == 0
            funding.append(FundingRecord(
                recordID: "F\(i)", recipientUSCC: i % 13 == 0 ? "UNKNOWN" : recipient,
                recipientName: Self.names[i % Self.names.count], sourceType: SourceType.allCases[i % SourceType.allCases.count],
                funder: Self.names[Int(rng.next() % UInt64(Self.names.count))],
                funderIndustry: Self.names[Int(rng.next() % UInt64(Self.names.count))], amountFen: amount,
                cashFen: split ? amount / 2 : nil, inKindFen: split ? amount - amount / 2 : nil,
                receivedOn: AggregateFixtures.date("20\(15 + i % 7)-0\(1 + i % 9)-1\(i % 9)"),
                purpose: Purpose.allCases[i % Purpose.allCases.count], beneficiaryRegionCode: nil,
                beneficiaries: Int64(i % 50), source: "f.csv", line: i + 2))
        }
        return try AggregateFixtures.writeNormalized(organizations, funding, in: dir)
    }

    private func output(_ paths: (organizations: String, funding: String), threads: Int,
                        reading: AggregateStage.TableReading) throws -> [[[String]]] {
        let settings = AggregateSettings(asOf: AggregateFixtures.date("2021-12-31"), threads: threads, minChunkBytes: 1)
        let index = try AggregateStage.readOrganizations(path: paths.organizations, settings: settings, reading: reading)
        let funding = try AggregateStage.readFunding(path: paths.funding, index: index, settings: settings, reading: reading)
        let output = try AggregateStage.assemble(index: index, funding: funding, regions: regions, settings: settings)
        return output.tables.map(\.rows)
    }

    func testRead_whenNamesHoldCommasQuotesAndLineBreaks_tablesEqualTheLibcsvPath() throws {
        let dir = try Workdir()
        let paths = try tables(rows: 800, in: dir)
        let careful = try output(paths, threads: 1, reading: .careful)
        XCTAssertFalse(careful[AggregateTable.Kind.allCases.firstIndex(of: .topFunders) ?? 0].isEmpty)
        for threads in [1, 2, 3, 4, 8] {
            XCTAssertEqual(try output(paths, threads: threads, reading: .fast), careful, "\(threads) threads")
        }
    }

    func testRead_whenARowIsCorrupt_fastAndCarefulPathsThrowTheSameError() throws {
        let dir = try Workdir()
        let paths = try tables(rows: 400, in: dir)
        var text = try String(contentsOfFile: paths.funding, encoding: .utf8)
        // The record F321 (after records with line breaks in quoted names) gets a field too many.
        guard let range = text.range(of: "\nF321,") else { return XCTFail("F321 not in the table") }
        // Physical lines before it: LF, and CR not followed by LF (DATA.md §5 "Records").
        let before = Array(text[..<range.upperBound].utf8)
        let breaks = before.indices.filter { before[$0] == 0x0A || (before[$0] == 0x0D && before[$0 + 1] != 0x0A) }.count
        let lineOfF321 = breaks + 1
        text = text.replacingOccurrences(of: "\nF321,", with: "\nF321,BAD,")
        let path = try dir.file("funding.csv", text)
        var errors: [String] = []
        for (threads, reading) in [(1, AggregateStage.TableReading.careful), (1, .fast), (2, .fast), (4, .fast), (7, .fast)] {
            let settings = AggregateSettings(asOf: AggregateFixtures.date("2021-12-31"), threads: threads, minChunkBytes: 1)
            let index = try AggregateStage.readOrganizations(path: paths.organizations, settings: settings, reading: reading)
            XCTAssertThrowsError(try AggregateStage.readFunding(path: path, index: index, settings: settings, reading: reading)) {
                let e = $0 as? SectorStatsError
                XCTAssertEqual(e?.code, .corruptData)
                XCTAssertEqual(e?.file, "funding.csv")
                XCTAssertEqual(e?.field, "record", "one field too many")
                XCTAssertEqual(e?.line, lineOfF321, "\(threads) threads, \(reading)")
                errors.append("\($0)")
            }
        }
        XCTAssertEqual(Set(errors).count, 1, "\(errors)")
    }

    func testRead_whenInvalidUTF8_onlyTheColumnsWhoseTextIsKeptAreRefused() throws {
        // The fast reader checks UTF-8 only in funder and funder_industry (their text reaches
        // top_funders); a bad byte in recipient_name changes no table, one in funder is a
        // corrupt row named by its line (through the careful path).
        let dir = try Workdir()
        let paths = try tables(rows: 200, in: dir)
        let expected = try output(paths, threads: 2, reading: .careful)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: paths.funding)))
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: "\nF120,") else { return XCTFail("F120 not in the table") }
        // Physical lines before it: LF, and CR not followed by LF (DATA.md §5 "Records").
        let before = Array(text[..<range.upperBound].utf8)
        let line = before.indices.filter { before[$0] == 0x0A || (before[$0] == 0x0D && before[$0 + 1] != 0x0A) }.count + 1
        // F120,<recipient_uscc>,<recipient_name>,…: spoil the first byte of recipient_name.
        var commas = 0
        var k = text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound.samePosition(in: text.utf8) ?? text.utf8.endIndex)
        while commas < 1 { if bytes[k] == 0x2C { commas += 1 }; k += 1 }
        let nameStart = k
        bytes[nameStart] = 0xFF
        let spoiltName = dir.path + "/name.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: spoiltName))
        XCTAssertEqual(try output((paths.organizations, spoiltName), threads: 2, reading: .fast), expected)

        // Now the funder (column 5): skip recipient_name and source_type.
        bytes[nameStart] = Array(text.utf8)[nameStart]
        var f = nameStart
        commas = 0
        while commas < 2 { if bytes[f] == 0x2C { commas += 1 }; f += 1 }
        bytes[f] = 0xFF
        let spoiltFunder = dir.path + "/funder.csv"
        try Data(bytes).write(to: URL(fileURLWithPath: spoiltFunder))
        let settings = AggregateSettings(asOf: AggregateFixtures.date("2021-12-31"), threads: 2, minChunkBytes: 1)
        let index = try AggregateStage.readOrganizations(path: paths.organizations, settings: settings, reading: .fast)
        XCTAssertThrowsError(try AggregateStage.readFunding(path: spoiltFunder, index: index, settings: settings, reading: .fast)) {
            let e = $0 as? SectorStatsError
            XCTAssertEqual(e?.code, .corruptData)
            XCTAssertEqual(e?.line, line)
        }
    }
}
