import Foundation
import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// Where the checked-in fixtures live.
enum Fixtures {
    static let root: String = {
        // Tests/SectorStatsTests/TestSupport.swift → Tests/Fixtures
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The repository root.
    static let repoRoot: String = URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent().path
}

/// A unique temporary folder, removed when the test ends.
final class Workdir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sectorstats-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }
}

/// A record copied out of the reader, for comparisons.
struct ReadRecord: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]
    var issue: CSVIssue.Kind?
    var raw: String

    init(line: Int, fields: [String], issue: CSVIssue.Kind? = nil, raw: String? = nil) {
        self.line = line
        self.fields = fields
        self.issue = issue
        self.raw = raw ?? ""
    }

    init(_ r: CSVRecord) {
        line = r.line
        fields = r.issue == nil || r.issue?.kind != .csvMalformed ? r.fields() : []
        issue = r.issue?.kind
        raw = r.rawText
    }

    var description: String { "line \(line) \(issue.map { $0.rawValue + " " } ?? "")\(fields) raw=\(raw.debugDescription)" }
}

/// Deterministic PRNG for generated test data (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func readAll(_ path: String, _ options: CSVReadOptions = CSVReadOptions()) throws -> (header: [String], records: [ReadRecord]) {
    let reader = try CSVReader(path: path, options: options)
    var records: [ReadRecord] = []
    try reader.forEachRecord { records.append(ReadRecord($0)) }
    return (reader.header, records)
}

/// Records without their raw text (for comparing fields and lines only).
func stripRaw(_ records: [ReadRecord]) -> [ReadRecord] {
    records.map { var r = $0; r.raw = ""; return r }
}

/// Compares record lists and reports the first difference (not the whole lists).
func assertSameRecords(_ got: [ReadRecord], _ expected: [ReadRecord], _ message: String = "",
                       file: StaticString = #filePath, line: UInt = #line) {
    if got == expected { return }
    let n = min(got.count, expected.count)
    let i = (0..<n).first { got[$0] != expected[$0] } ?? n
    let g = i < got.count ? got[i].description : "nothing"
    let e = i < expected.count ? expected[i].description : "nothing"
    XCTFail("\(message): \(got.count) vs \(expected.count) records; first difference at \(i): got \(g), expected \(e)", file: file, line: line)
}

/// The normalize and merge stages of a run, as the runner does them, into `folder`: a
/// partial per file under `folder/partials`, the merge's tables and `quarantine.csv.gz`, and
/// the clean tables (`organizations.csv`, `funding.csv`) exported from the partials.
enum PartialsAndMerge {
    static let asOfDefault = CivilDate(year: 2021, month: 12, day: 31)!

    @discardableResult
    static func run(registrations: [InputFile], funding: [InputFile], regions: RegionTable, asOf: CivilDate,
                    folder: String, threads: Int = 1, chunkBytes: Int = PartialBuilder.defaultChunkBytes,
                    reliefPurposes: Set<Purpose> = AggregateSettings.defaultReliefPurposes) throws -> NormalizeResult {
        let partials = folder + "/partials"
        func build(_ kind: PartialKind, _ input: InputFile) throws -> Partial {
            let job = try PartialJob.make(kind: kind, path: input.path, read: input.read, aliases: input.aliases, asOf: asOf,
                                          referenceHash: "test")
            try PartialBuilder.build(job, in: partials, regions: regions, threads: threads, chunkBytes: chunkBytes)
            return try Partial(folder: partials + "/" + job.key + PartialFormat.suffix, verify: true)
        }
        let regs = try registrations.map { try build(.registrations, $0) }
        let funds = try funding.map { try build(.funding, $0) }
        let settings = AggregateSettings(asOf: asOf, reliefPurposes: reliefPurposes, threads: threads)
        let merged = try MergeStage.run(registrations: regs, funding: funds, regions: regions, settings: settings, folder: folder)
        let o = try CSVWriter(path: folder + "/" + CleanTables.organizationsFile)
        try CleanTables.writeOrganizations(regs, to: o)
        try o.commit()
        let f = try CSVWriter(path: folder + "/" + CleanTables.fundingFile)
        try CleanTables.writeFunding(funds, to: f)
        try f.commit()
        return merged.normalize
    }
}
