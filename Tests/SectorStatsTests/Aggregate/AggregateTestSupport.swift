import Foundation
import XCTest
@testable import SectorStats

/// Shared pieces of the aggregate tests: the region reference, fixture paths, gzip
/// decompression, valid USCCs, and writing records as the normalize stage's tables.
enum AggregateFixtures {
    /// The shipped region reference (datasets/reference), loaded once.
    static let regions: RegionTable = {
        do {
            return try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
        } catch {
            fatalError("the region reference does not load: \(error)")
        }
    }()

    static let smallOrganizations = Fixtures.path("aggregate/small/organizations.csv")
    static let smallFunding = Fixtures.path("aggregate/small/funding.csv")
    static let covidFunding = Fixtures.path("aggregate/covid/funding.csv")

    /// The hand-worked expected table `kind` of the small fixture.
    static func expected(_ kind: AggregateTable.Kind) throws -> String {
        try String(contentsOfFile: Fixtures.path("aggregate/small/expected/\(kind.rawValue).csv"), encoding: .utf8)
    }

    static func date(_ text: String) -> CivilDate {
        let parts = text.split(separator: "-").map { Int($0)! }
        return CivilDate(year: parts[0], month: parts[1], day: parts[2])!
    }

    /// The small fixture's settings: as of 2022-09-30, default relief purposes.
    static func smallSettings(threads: Int = 2, minChunkBytes: Int = 4 << 20) -> AggregateSettings {
        AggregateSettings(asOf: date("2022-09-30"), threads: threads, minChunkBytes: minChunkBytes)
    }

    /// A valid USCC: 5 (civil affairs), `category`, `region`, a GB 11714 code from `serial`
    /// with its check digit, and the GB 32100 check character.
    static func uscc(category: Int, region: Int, serial: Int) -> USCC {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let body = String(format: "%08d", serial)
        let weights = [3, 7, 9, 10, 5, 8, 4, 2]
        let c9 = 11 - zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 } % 11
        let organization = body + (c9 == 10 ? "X" : c9 == 11 ? "0" : String(c9))
        let first17 = "5\(category)" + String(format: "%06d", region) + organization
        var sum = 0
        var weight = 1
        for character in first17 {
            sum += alphabet.firstIndex(of: character)! * weight
            weight = weight * 3 % 31
        }
        return try! USCC(validating: first17 + String(alphabet[(31 - sum % 31) % 31]))
    }

    /// Writes records as the normalize stage's plain CSV tables; returns their paths.
    static func writeNormalized(_ organizations: [Organization], _ funding: [FundingRecord], in dir: Workdir) throws
        -> (organizations: String, funding: String) {
        let organizationsPath = dir.path + "/" + NormalizedTables.organizationsFile
        let fundingPath = dir.path + "/" + NormalizedTables.fundingFile
        let o = try CSVWriter(path: organizationsPath)
        try o.writeRow(NormalizedTables.organizationColumns)
        for organization in organizations { try NormalizedTables.encode(organization, to: o) }
        try o.commit()
        let f = try CSVWriter(path: fundingPath)
        try f.writeRow(NormalizedTables.fundingColumns)
        for record in funding { try NormalizedTables.encode(record, to: f) }
        try f.commit()
        return (organizationsPath, fundingPath)
    }

    /// Reads a persisted table back as records (through the normalize stage's decoders).
    static func readOrganizations(_ path: String) throws -> [Organization] {
        let reader = try CSVReader(path: path)
        var out: [Organization] = []
        try reader.forEachRecord { out.append(try NormalizedTables.decodeOrganization($0)) }
        return out
    }

    static func readFunding(_ path: String) throws -> [FundingRecord] {
        let reader = try CSVReader(path: path)
        var out: [FundingRecord] = []
        try reader.forEachRecord { out.append(try NormalizedTables.decodeFunding($0)) }
        return out
    }
}

/// The decompressed text of a `.gz` file.
func gunzip(_ path: String) throws -> String {
    let source = try GzipByteSource(input: FileByteSource(path: path), name: path)
    var bytes: [UInt8] = []
    let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    defer { block.deallocate() }
    while true {
        let n = try source.read(into: block)
        if n == 0 { break }
        bytes.append(contentsOf: block.prefix(n))
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Compares two CSV texts line by line and reports the first differing line (not the whole text).
func assertSameCSV(_ got: String, _ expected: String, _ message: String = "",
                   file: StaticString = #filePath, line: UInt = #line) {
    if got == expected { return }
    let g = got.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let i = (0..<min(g.count, e.count)).first { g[$0] != e[$0] } ?? min(g.count, e.count)
    XCTFail("\(message): \(g.count) vs \(e.count) lines; first difference at line \(i + 1): got "
            + "\(i < g.count ? String(g[i]) : "nothing"), expected \(i < e.count ? String(e[i]) : "nothing")",
            file: file, line: line)
}

extension AggregateStage {
    /// The tables from clean tables on disk (fixtures in `organizations.csv` / `funding.csv`
    /// form), read back as records: the records path, the merge's oracle.
    static func compute(organizationsPath: String?, fundingPath: String?, regions: RegionTable,
                        settings: AggregateSettings) throws -> AggregateOutput {
        try compute(organizations: try organizationsPath.map(AggregateFixtures.readOrganizations),
                    funding: try fundingPath.map(AggregateFixtures.readFunding), regions: regions, settings: settings)
    }

    static func run(organizationsPath: String?, fundingPath: String?, regions: RegionTable, settings: AggregateSettings,
                    outputFolder: String) throws -> AggregateResult {
        try write(try compute(organizationsPath: organizationsPath, fundingPath: fundingPath, regions: regions, settings: settings),
                  to: outputFolder, gzipLevel: settings.gzipLevel)
    }
}
