import Foundation
import XCTest
@testable import SectorStats

/// Partials and merge end to end (issue: each input file is normalized once): the shard
/// commands by hand against `run`, and runs after adding, removing and reordering files
/// against a fresh `--force` run over the same files.
final class IncrementalRunTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }
    private let tables = ["registrations_by_year.csv.gz", "growth_trends.csv.gz", "funding_summary.csv.gz",
                          "relief_coverage.csv.gz", "top_funders.csv.gz", "quarantine.csv.gz"]

    /// A generated set: the registrations, and the funding rows split into `parts` files
    /// (records cut whole, header repeated), under `dir/data`.
    private func generatedSet(parts: Int) throws -> Workdir {
        let dir = try Workdir()
        let gen = try CLI.run(["generate", "--orgs", "300", "--funding", "3000", "--seed", "11", "--out", "raw",
                               "--reference", reference], in: dir.path)
        XCTAssertEqual(gen.status, 0, gen.stderr)
        try FileManager.default.createDirectory(atPath: dir.path + "/data", withIntermediateDirectories: true)
        let regs = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/raw/registrations")
        try FileManager.default.copyItem(atPath: dir.path + "/raw/registrations/" + XCTUnwrap(regs.first),
                                         toPath: dir.path + "/data/registrations.csv")
        let funds = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/raw/funding")
        let reader = try CSVReader(path: dir.path + "/raw/funding/" + XCTUnwrap(funds.first))
        var records: [String] = []
        try reader.forEachRecord { records.append($0.rawText) }
        let header = reader.header.joined(separator: ",")
        for k in 0..<parts {
            let slice = records[records.count * k / parts..<records.count * (k + 1) / parts]
            _ = try dir.file("data/funding_\(k + 1).csv", ([header] + slice).joined(separator: "\n") + "\n")
        }
        return dir
    }

    private func pipeline(_ dir: Workdir, funding: [String], name: String = "p.yml") throws {
        _ = try dir.file(name, """
            version: 1
            name: inc
            as_of: 2021-12-31
            output: out
            threads: 2
            sources:
              registrations: [data/registrations.csv]
              funding: [\(funding.map { "data/" + $0 }.joined(separator: ", "))]

            """)
    }

    private func run(_ dir: Workdir, _ args: [String] = [], pipeline: String = "p.yml") throws -> CLI.Result {
        let r = try CLI.run(["run", pipeline, "--reference", reference, "--log-format", "json"] + args, in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    private func published(_ dir: Workdir, _ out: String = "out") throws -> [String: Data] {
        var files: [String: Data] = [:]
        for t in tables { files[t] = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + out + "/latest/" + t)) }
        return files
    }

    private func manifest(_ dir: Workdir, _ out: String = "out") throws -> Manifest {
        try JSON.read(Manifest.self, from: dir.path + "/" + out + "/latest/manifest.json")
    }

    /// input base name → built/reused, from the manifest.
    private func partials(_ m: Manifest) -> [String: String] {
        var out: [String: String] = [:]
        for i in m.inputs { out[URL(fileURLWithPath: i.path).lastPathComponent] = i.partial }
        return out
    }

    /// The tables of a fresh, forced run over the same pipeline into another folder.
    private func freshTables(_ dir: Workdir) throws -> [String: Data] {
        try? FileManager.default.removeItem(atPath: dir.path + "/fresh")
        _ = try run(dir, ["--force", "--out", "fresh"])
        XCTAssertEqual(Set(partials(try manifest(dir, "fresh")).values), ["built"])
        return try published(dir, "fresh")
    }

    func testRun_whenFilesAreAddedRemovedAndReordered_normalizesOnlyNewFilesAndEqualsAFreshRun() throws {
        let dir = try generatedSet(parts: 3)
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        _ = try run(dir)
        XCTAssertEqual(partials(try manifest(dir)), ["registrations.csv": "built", "funding_1.csv": "built", "funding_2.csv": "built"])

        // A new export: only it is normalized.
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv", "funding_3.csv"])
        let added = try run(dir)
        XCTAssertEqual(partials(try manifest(dir)),
                       ["registrations.csv": "reused", "funding_1.csv": "reused", "funding_2.csv": "reused", "funding_3.csv": "built"])
        XCTAssertTrue(added.stderr.contains("\"partial\":\"built\""), added.stderr)
        XCTAssertEqual(try published(dir), try freshTables(dir), "after adding a file")

        // A file removed: nothing is normalized.
        try pipeline(dir, funding: ["funding_2.csv", "funding_3.csv"])
        _ = try run(dir)
        XCTAssertEqual(Set(partials(try manifest(dir)).values), ["reused"])
        XCTAssertEqual(try published(dir), try freshTables(dir), "after removing a file")

        // Reordered (with the first one back): nothing is normalized; the tables are a fresh
        // run's over the new order.
        try pipeline(dir, funding: ["funding_3.csv", "funding_1.csv", "funding_2.csv"])
        _ = try run(dir)
        let reordered = try manifest(dir)
        XCTAssertEqual(Set(partials(reordered).values), ["reused"])
        XCTAssertEqual(reordered.inputs.map { URL(fileURLWithPath: $0.path).lastPathComponent },
                       ["registrations.csv", "funding_3.csv", "funding_1.csv", "funding_2.csv"])
        XCTAssertEqual(try published(dir), try freshTables(dir), "after reordering")

        // Row accounting balances per file and per source.
        for i in reordered.inputs {
            XCTAssertEqual(i.rowsRead, i.accepted + i.quarantined + i.duplicates, i.path)
        }
        for (name, s) in reordered.sources {
            XCTAssertEqual(s.rowsRead, s.accepted + s.quarantined + s.duplicates, name)
        }
        XCTAssertEqual(reordered.sources["funding"]?.rowsRead, 3000)
    }

    /// A file added at the end: the merge takes the earlier files' funding accumulators from
    /// the state the last merge saved, and the tables are still a fresh run's, byte for byte —
    /// with a record_id of the new file that an earlier file had (DATA.md §5: the first row
    /// wins), with a damaged state (a full merge instead), and with other relief purposes.
    func testRun_whenAFileIsAddedAtTheEnd_resumesFromTheLastMerge_andEqualsAFreshRun() throws {
        let dir = try generatedSet(parts: 3)
        // funding_3 also re-sends funding_1's first row.
        let first = try CSVReader(path: dir.path + "/data/funding_1.csv")
        var firstRecord = ""
        try first.forEachRecord { r in if firstRecord.isEmpty { firstRecord = r.rawText } }
        let third = try String(contentsOfFile: dir.path + "/data/funding_3.csv", encoding: .utf8)
        _ = try dir.file("data/funding_3.csv", third + firstRecord + "\n")

        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        _ = try run(dir)
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv", "funding_3.csv"])
        let added = try run(dir)
        XCTAssertTrue(added.stderr.contains("\"message\":\"resumed\""), added.stderr)
        XCTAssertTrue(added.stderr.contains("2 accumulated by the last merge, 1 added"), added.stderr)
        let m = try manifest(dir)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(m.inputs.last).duplicates, 1, "funding_1's first row, sent again")
        XCTAssertEqual(try published(dir), try freshTables(dir), "resumed")

        // A damaged state: not used (a full merge), the same tables.
        try pipeline(dir, funding: ["funding_1.csv"])
        _ = try run(dir)
        let state = dir.path + "/out/stages/03_aggregate/" + MergeStage.fundingStateFile
        var bytes = try Data(contentsOf: URL(fileURLWithPath: state))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: state))
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        let damaged = try run(dir)
        XCTAssertFalse(damaged.stderr.contains("\"message\":\"resumed\""), damaged.stderr)
        XCTAssertEqual(try published(dir), try freshTables(dir), "after a damaged state")

        // Other relief purposes with a file added: the state was merged for others, not used.
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv", "funding_3.csv"])
        var yml = try String(contentsOfFile: dir.path + "/p.yml", encoding: .utf8)
        yml += "relief_purposes: [救灾]\n"
        _ = try dir.file("p.yml", yml)
        let other = try run(dir)
        XCTAssertFalse(other.stderr.contains("\"message\":\"resumed\""), other.stderr)
        XCTAssertEqual(try published(dir), try freshTables(dir), "other relief purposes")
    }

    func testPartialAndMergeByHand_equalRunsPublishedTablesByteForByte() throws {
        let dir = try generatedSet(parts: 2)
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        _ = try run(dir)
        var args: [String] = []
        for (kind, file) in [("registrations", "registrations.csv"), ("funding", "funding_1.csv"), ("funding", "funding_2.csv")] {
            let r = try CLI.run(["partial", "data/" + file, "--kind", kind, "--as-of", "2021-12-31", "--out", "shards",
                                 "--reference", reference], in: dir.path)
            XCTAssertEqual(r.status, 0, r.stderr)
            let key = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(key.count, 64, r.stdout)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path + "/stages-unused") == false)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path + "/out/stages/partials/" + key + PartialFormat.suffix),
                          "the shard's key is the run's key for the same file")
            args += ["--\(kind)-partial", "shards/" + key + PartialFormat.suffix]
        }
        let merged = try CLI.run(["merge"] + args + ["--out", "merged", "--as-of", "2021-12-31", "--reference", reference],
                                 in: dir.path)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(try published(dir, "merged"), try published(dir))
        let m = try manifest(dir, "merged")
        XCTAssertEqual(m.inputs.map(\.partial), ["given", "given", "given"])
        XCTAssertEqual(m.inputs.map(\.rowsRead), try manifest(dir).inputs.map(\.rowsRead))
        // Wrong kind: a usage error naming the partial.
        let wrong = try CLI.run(["merge", "--registrations-partial", args[3], "--out", "bad", "--reference", reference], in: dir.path)
        XCTAssertEqual(wrong.status, 64, wrong.stderr)
    }

    /// DATA.md §4: funding — the first row of a record_id wins across files; registrations —
    /// a later file's row of a USCC supersedes. Which file's partial was built first must not
    /// matter.
    func testDuplicatesAcrossFiles_resolveAsDataSays_whicheverPartialWasCachedFirst() throws {
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/data", withIntermediateDirectories: true)
        let header = "记录编号,受赠组织统一社会信用代码,受赠组织名称,资金来源,捐赠方,捐赠方行业,金额,捐赠日期,用途\n"
        _ = try dir.file("data/fund_a.csv", header + "X1,53420000MJ0003B24T,湖北省慈善总会,企业捐赠,甲公司,制造业,100元,2020-02-01,救灾\n")
        _ = try dir.file("data/fund_b.csv", header + "X1,53420000MJ0003B24T,湖北省慈善总会,企业捐赠,乙公司,制造业,900元,2020-02-01,救灾\n"
                         + "X2,53420000MJ0003B24T,湖北省慈善总会,企业捐赠,乙公司,制造业,5元,2020-03-01,救灾\n")
        let regHeader = "统一社会信用代码,社会组织名称,社会组织类型,成立登记日期\n"
        _ = try dir.file("data/reg_a.csv", regHeader + "53420000MJ0003B24T,旧名称,基金会,2019-01-01\n")
        _ = try dir.file("data/reg_b.csv", regHeader + "53420000MJ0003B24T,新名称,基金会,2019-01-01\n")
        func write(_ regs: [String], _ funds: [String]) throws {
            _ = try dir.file("p.yml", """
                version: 1
                name: dup
                as_of: 2021-12-31
                output: out
                sources:
                  registrations: [\(regs.map { "data/" + $0 }.joined(separator: ", "))]
                  funding: [\(funds.map { "data/" + $0 }.joined(separator: ", "))]

                """)
        }
        // The later files' partials first, then both.
        try write(["reg_b.csv"], ["fund_b.csv"])
        _ = try run(dir)
        try write(["reg_a.csv", "reg_b.csv"], ["fund_a.csv", "fund_b.csv"])
        _ = try run(dir)
        let m = try manifest(dir)
        XCTAssertEqual(partials(m), ["reg_a.csv": "built", "reg_b.csv": "reused", "fund_a.csv": "built", "fund_b.csv": "reused"])
        XCTAssertEqual(m.inputs.map(\.duplicates), [1, 0, 0, 1], "reg_a superseded by reg_b; fund_b's X1 is fund_a's")
        let summary = try gunzip(dir.path + "/out/latest/funding_summary.csv.gz")
        XCTAssertTrue(summary.contains("2020,救灾,corporate,2,105.00,"), summary)  // X1 from fund_a (100) + X2 (5)
        let top = try gunzip(dir.path + "/out/latest/top_funders.csv.gz").split(separator: "\n")
        XCTAssertTrue(top[1].hasPrefix("1,甲公司,制造业,1,100.00,"), "\(top)")
        XCTAssertTrue(top[2].hasPrefix("2,乙公司,制造业,1,5.00,"), "\(top)")
        let orgs = try CLI.run(["export", "organizations", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(orgs.status, 0, orgs.stderr)
        XCTAssertTrue(orgs.stdout.contains("新名称") && !orgs.stdout.contains("旧名称"), orgs.stdout)
        let funding = try CLI.run(["export", "funding", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(funding.stdout.split(separator: "\n").count, 3, funding.stdout)  // header, X1 (fund_a), X2
        XCTAssertTrue(funding.stdout.contains("X1,53420000MJ0003B24T,湖北省慈善总会,corporate,甲公司"), funding.stdout)
        // The same as a run that built them in input order.
        XCTAssertEqual(try published(dir), try freshTables(dir))
    }

    func testPrune_whenNoKeptRunRefersToAPartial_itIsRemoved() throws {
        let dir = try generatedSet(parts: 2)
        try pipeline(dir, funding: ["funding_1.csv"])
        _ = try run(dir)
        let firstKeys = Set(try manifest(dir).inputs.compactMap(\.partialKey))
        // Six more runs with other funding files: the first run's funding partial leaves the
        // five kept runs.
        let reader = try CSVReader(path: dir.path + "/data/funding_2.csv")
        var records: [String] = []
        try reader.forEachRecord { records.append($0.rawText) }
        for k in 0..<6 {
            // Another file each time: the second file less its first k + 1 records.
            _ = try dir.file("data/extra_\(k).csv",
                             ([reader.header.joined(separator: ",")] + records.dropFirst(k + 1)).joined(separator: "\n") + "\n")
            try pipeline(dir, funding: ["extra_\(k).csv"])
            _ = try run(dir)
        }
        let cached = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/stages/partials")
            .map { String($0.dropLast(PartialFormat.suffix.count)) })
        let fundingKey = try XCTUnwrap(try JSON.read(Manifest.self, from: dir.path + "/out/latest/manifest.json").inputs.first?.partialKey)
        XCTAssertTrue(cached.contains(fundingKey), "the registrations partial is still used")
        XCTAssertEqual(cached.intersection(firstKeys), [fundingKey], "only the still-used registrations partial of the first run is kept")
        XCTAssertEqual(cached.count, 1 + 5, "the registrations partial and one funding partial per kept run")
    }

    func testStages_whenAnInputChanged_saysWhichPartialIsStaleAndWhy() throws {
        let dir = try generatedSet(parts: 2)
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        _ = try run(dir)
        var text = try String(contentsOfFile: dir.path + "/data/funding_2.csv", encoding: .utf8)
        text += text.split(separator: "\n").dropFirst().first.map { String($0) + "\n" } ?? ""
        try text.write(toFile: dir.path + "/data/funding_2.csv", atomically: true, encoding: .utf8)
        _ = try dir.file("data/funding_3.csv", try String(contentsOfFile: dir.path + "/data/funding_1.csv", encoding: .utf8))
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv", "funding_3.csv"])
        let r = try CLI.run(["stages", "--pipeline", "p.yml", "--reference", reference], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        func line(_ file: String) -> String { lines.first { $0.contains("data/" + file + ":") } ?? "" }
        XCTAssertTrue(line("funding_1.csv").contains("partial fresh"), r.stdout)
        XCTAssertTrue(line("funding_2.csv").contains("partial stale: sha256 changed"), r.stdout)
        // Same bytes as funding_1.csv under another name: its partial is the cached one.
        XCTAssertTrue(line("funding_3.csv").contains("partial fresh"), r.stdout)
        XCTAssertTrue(line("registrations.csv").contains("partial fresh"), r.stdout)
        XCTAssertTrue(r.stdout.contains("01_ingest     stale: inputs.funding changed"), r.stdout)
    }

    func testCleanTables_whenAskedByThePipeline_arePublishedAndEqualTheExport() throws {
        let dir = try generatedSet(parts: 2)
        try pipeline(dir, funding: ["funding_1.csv", "funding_2.csv"])
        var text = try String(contentsOfFile: dir.path + "/p.yml", encoding: .utf8)
        text = text.replacingOccurrences(of: "threads: 2\n", with: "threads: 2\nclean_tables: true\n")
        try text.write(toFile: dir.path + "/p.yml", atomically: true, encoding: .utf8)
        _ = try run(dir)
        let m = try manifest(dir)
        for name in ["organizations", "funding"] {
            let published = try gunzip(dir.path + "/out/latest/\(name).csv.gz")
            let export = try CLI.run(["export", name, "--pipeline", "p.yml"], in: dir.path)
            XCTAssertEqual(export.status, 0, export.stderr)
            XCTAssertEqual(published, export.stdout, name)
            let rows = published.split(separator: "\n").count - 1
            XCTAssertEqual(m.outputs.first { $0.file == "\(name).csv.gz" }?.rows, m.sources[name == "organizations" ? "registrations" : "funding"]?.accepted)
            XCTAssertGreaterThan(rows, 0)
        }
        XCTAssertTrue(try gunzip(dir.path + "/out/latest/funding.csv.gz").hasPrefix(CleanTables.fundingColumns.joined(separator: ",") + "\n"))
    }
}
