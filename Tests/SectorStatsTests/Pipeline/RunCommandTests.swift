import Foundation
import XCTest
@testable import SectorStats

/// End-to-end: the built binary in a temporary folder, as cron or an analyst runs it.
final class RunCommandTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    /// A project folder: data/, pipelines/test.yml writing to out/.
    private func project(relief: String = "[疫情防控, 救灾, 应急救援, 脱贫攻坚, 扶贫]", extra: String = "") throws -> Workdir {
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/pipelines", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/registrations_every_defect_utf8.csv"), toPath: dir.path + "/data/registrations.csv")
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/funding_every_defect_gb18030.csv"), toPath: dir.path + "/data/funding.csv")
        try writePipeline(dir, relief: relief, extra: extra)
        return dir
    }

    private func writePipeline(_ dir: Workdir, relief: String, extra: String = "", fundingEncoding: String = "gb18030") throws {
        _ = try dir.file("pipelines/test.yml", """
            version: 1
            name: test
            as_of: 2021-12-31
            output: ../out
            threads: 2
            relief_purposes: \(relief)
            \(extra)
            sources:
              registrations:
                - ../data/registrations*.csv
              funding:
                - path: ../data/funding.csv
                  encoding: \(fundingEncoding)

            """)
    }

    private func run(_ dir: Workdir, _ args: [String] = []) throws -> CLI.Result {
        try CLI.run(["run", "pipelines/test.yml", "--reference", reference, "--log-format", "json"] + args, in: dir.path)
    }

    /// stage → action, from the JSON log lines ("running" / "fresh, skipped").
    private func actions(_ r: CLI.Result) -> [String: String] {
        var out: [String: String] = [:]
        for line in r.stderr.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let stage = obj["stage"] as? String, let message = obj["message"] as? String else { continue }
            if message == "running" { out[stage] = "ran" }
            if message == "fresh, skipped" { out[stage] = "skipped" }
        }
        return out
    }

    /// input file → built/reused, from the JSON log lines of the normalize stage.
    private func partialActions(_ r: CLI.Result) -> [String: String] {
        var out: [String: String] = [:]
        for line in r.stderr.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  obj["message"] as? String == "partial", let counts = obj["counts"] as? [String: Any],
                  let file = counts["file"] as? String, let action = counts["partial"] as? String else { continue }
            out[file] = action
        }
        return out
    }

    private func latestFiles(_ dir: Workdir) throws -> [String: Data] {
        let latest = dir.path + "/out/latest"
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: latest) {
            out[f] = try Data(contentsOf: URL(fileURLWithPath: latest + "/" + f))
        }
        return out
    }

    func testRun_firstRunComputesAllStages_secondSkipsAll() throws {
        let dir = try project()
        let first = try run(dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(actions(first), ["ingest": "ran", "normalize": "ran", "aggregate": "ran", "export": "ran"])
        let files = try latestFiles(dir)
        XCTAssertEqual(Set(files.keys), ["registrations_by_year.csv.gz", "growth_trends.csv.gz", "funding_summary.csv.gz",
                                         "relief_coverage.csv.gz", "top_funders.csv.gz", "quarantine.csv.gz", "manifest.json",
                                         "report.xlsx", "report.html"])
        XCTAssertTrue(first.stdout.contains("published:"), first.stdout)
        XCTAssertTrue(first.stdout.contains("registrations: 27 rows read, 8 accepted, 18 quarantined, 1 duplicates"), first.stdout)

        let second = try run(dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(actions(second), ["ingest": "skipped", "normalize": "skipped", "aggregate": "skipped", "export": "skipped"])
        XCTAssertEqual(try latestFiles(dir), files)
    }

    func testRun_stageRecordsHoldTheOutputsSHA256() throws {
        // Every recorded hash must be the file's SHA-256 computed again from the file.
        let dir = try project()
        let r = try run(dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let stages = dir.path + "/out/stages"
        var checked: [String] = []
        for stage in try FileManager.default.contentsOfDirectory(atPath: stages).sorted() where !stage.hasPrefix(".") && stage != "partials" {
            let record = try JSON.read(StageRecord.self, from: stages + "/" + stage + "/stage.json")
            for output in record.outputs {
                let again = try ContentHash.file(stages + "/" + stage + "/" + output.file)
                XCTAssertEqual(output.sha256, again.sha256, "\(stage)/\(output.file)")
                XCTAssertEqual(output.bytes, again.bytes, "\(stage)/\(output.file)")
                checked.append(output.file)
            }
        }
        XCTAssertTrue(checked.contains(PartialList.file) && checked.contains(MergeStage.quarantineFile), "\(checked)")
    }

    func testRun_whenFundingContentChanges_rerunsFromIngest() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        // Same size, different content: one digit of an amount.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/data/funding.csv"))
        let i = try XCTUnwrap(bytes.firstRange(of: Data("5000000,,,2019".utf8))).lowerBound
        bytes[i] = UInt8(ascii: "6")
        try bytes.write(to: URL(fileURLWithPath: dir.path + "/data/funding.csv"))
        let again = try run(dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(actions(again), ["ingest": "ran", "normalize": "ran", "aggregate": "ran", "export": "ran"])
    }

    func testRun_whenOnlyReliefPurposesChange_rerunsAggregateAndExportOnly() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        try writePipeline(dir, relief: "[疫情防控]")
        let again = try run(dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(actions(again), ["ingest": "skipped", "normalize": "skipped", "aggregate": "ran", "export": "ran"])
        let stages = try CLI.run(["stages", "--pipeline", "pipelines/test.yml", "--reference", reference], in: dir.path)
        XCTAssertEqual(stages.status, 0, stages.stderr)
        XCTAssertTrue(stages.stdout.contains("03_aggregate"), stages.stdout)
    }

    /// The aggregate stage's tables (file name → bytes).
    private func aggregateTables(_ dir: Workdir) throws -> [String: Data] {
        let folder = dir.path + "/out/stages/03_aggregate"
        var tables: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: folder) where f.hasSuffix(".csv.gz") {
            tables[f] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + f))
        }
        return tables
    }

    /// `--stage aggregate` merges the partials the normalize stage listed: the same bytes.
    func testRunStage_whenAggregateOutputsDeleted_rebuildsThemIdentically() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let folder = dir.path + "/out/stages/03_aggregate"
        let before = try aggregateTables(dir)
        for f in before.keys { try FileManager.default.removeItem(atPath: folder + "/" + f) }
        XCTAssertEqual(before.count, 6, "five tables and the quarantine")
        let again = try run(dir, ["--stage", "aggregate"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(actions(again), ["aggregate": "ran"])
        XCTAssertEqual(try aggregateTables(dir), before)
    }

    /// Other relief purposes rerun the merge, which copies the quarantine the last merge
    /// wrote from the same partials; one whose bytes are not those recorded is written anew.
    func testRunStage_whenReliefPurposesChange_theQuarantineIsReusedOnlyWhenIntact() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let folder = dir.path + "/out/stages/03_aggregate"
        let quarantine = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + MergeStage.quarantineFile))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + MergeStage.quarantineKeyFile))
        try writePipeline(dir, relief: "[救灾]")
        let other = try run(dir)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertEqual(actions(other)["aggregate"], "ran")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + MergeStage.quarantineFile)), quarantine)
        // Damaged in place (same size): not reused.
        var damaged = quarantine
        damaged[damaged.count / 2] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: folder + "/" + MergeStage.quarantineFile))
        let again = try run(dir, ["--stage", "aggregate"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + MergeStage.quarantineFile)), quarantine)
    }

    /// The normalize stage on its own, then the aggregate stage on its own: the tables of a
    /// full run; the partials were reused, not built again.
    func testRunStage_whenNormalizeRanAlone_aggregateGivesTheFullRunsTables() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let full = try aggregateTables(dir)
        let normalizeOnly = try run(dir, ["--stage", "normalize"])
        XCTAssertEqual(normalizeOnly.status, 0, normalizeOnly.stderr)
        XCTAssertEqual(partialActions(normalizeOnly), ["registrations.csv": "reused", "funding.csv": "reused"])
        let again = try run(dir, ["--stage", "aggregate"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(full.count, 6)
        XCTAssertEqual(try aggregateTables(dir), full)
    }

    /// A partial whose bytes changed (same size, so it looks complete) or that was cut short
    /// is not trusted: the normalize stage rebuilds it, to the same tables.
    func testRun_whenAPartialIsDamagedOrTruncated_itIsRebuilt() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let full = try aggregateTables(dir)
        let partials = dir.path + "/out/stages/partials"
        let list = try JSON.read(PartialList.self, from: dir.path + "/out/stages/02_normalize/" + PartialList.file)
        let funding = try XCTUnwrap(list.entries.first { $0.kind == .funding })
        let registrations = try XCTUnwrap(list.entries.first { $0.kind == .registrations })
        let facts = partials + "/" + funding.key + PartialFormat.suffix + "/" + PartialFormat.factsFile
        var bytes = try Data(contentsOf: URL(fileURLWithPath: facts))
        bytes[bytes.count / 3] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: facts))
        let rows = partials + "/" + registrations.key + PartialFormat.suffix + "/" + PartialFormat.rowsFile
        let cut = try Data(contentsOf: URL(fileURLWithPath: rows)).prefix(100)
        try cut.write(to: URL(fileURLWithPath: rows))
        let again = try run(dir, ["--from", "normalize"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(partialActions(again), ["registrations.csv": "built", "funding.csv": "built"])
        XCTAssertEqual(try aggregateTables(dir), full)
        // Another program version's partial is not used either.
        let meta = partials + "/" + funding.key + PartialFormat.suffix + "/" + PartialFormat.metaFile
        let text = try String(contentsOfFile: meta, encoding: .utf8)
            .replacingOccurrences(of: "\"program\" : \"\(SectorStatsVersion.string)\"", with: "\"program\" : \"0.0.1\"")
        XCTAssertTrue(text.contains("0.0.1"), text)
        try text.write(toFile: meta, atomically: true, encoding: .utf8)
        let third = try run(dir, ["--from", "normalize"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(partialActions(third), ["registrations.csv": "reused", "funding.csv": "built"])
    }

    func testRunStage_whenNormalizeOutputsMissing_failsWithAClearMessage() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        try FileManager.default.removeItem(atPath: dir.path + "/out/stages/02_normalize")
        let again = try run(dir, ["--stage", "aggregate"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("normalize"), again.stderr)
        XCTAssertTrue(again.stderr.contains("missing"), again.stderr)
    }

    func testRun_whenAnotherRunHoldsTheLock_exits75() throws {
        let dir = try project()
        try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
        let lock = try RunLock(folder: dir.path + "/out")   // another run, as far as the binary can tell
        let r = try run(dir)
        withExtendedLifetime(lock) {}
        XCTAssertEqual(r.status, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("another sectorstats run holds this output folder"), r.stderr)
    }

    func testRun_whenTwoRunsStartTogether_oneExits75() throws {
        let dir = try project()
        try makeBigFunding(dir, rows: 200_000)
        let a = try CLI.start(["run", "pipelines/test.yml", "--reference", reference], in: dir.path)
        // Wait until the first run holds the lock (its stage folders appear).
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: dir.path + "/out/.lock") && Date() < deadline { usleep(20_000) }
        let b = try run(dir)
        let ra = try a.wait()
        XCTAssertEqual(ra.status, 0, ra.stderr)
        XCTAssertEqual(b.status, 75, b.stderr)
    }

    /// A funding export big enough that a run takes a moment: unique record ids.
    private func makeBigFunding(_ dir: Workdir, rows: Int) throws {
        var text = "记录编号,受赠组织统一社会信用代码,资金来源,金额,捐赠日期,用途\n"
        text.reserveCapacity(rows * 70)
        for i in 0..<rows {
            text += "B\(i),53420000MJ0003B24T,企业捐赠,\(i % 1000 + 1).5万,2020-0\(i % 9 + 1)-15,救灾\n"
        }
        _ = try dir.file("data/funding_big.csv", text)
        _ = try dir.file("pipelines/test.yml", """
            version: 1
            name: test
            as_of: 2021-12-31
            output: ../out
            threads: 2
            sources:
              registrations:
                - ../data/registrations.csv
              funding:
                - ../data/funding_big.csv

            """)
    }

    /// Starts a run and returns once it is building the normalize or aggregate stage (so
    /// that a signal lands mid-way).
    private func startAndWaitForStageBuild(_ dir: Workdir) throws -> CLI.Running {
        let victim = try CLI.start(["run", "pipelines/test.yml", "--reference", reference], in: dir.path)
        let deadline = Date().addingTimeInterval(60)
        var building = false
        while Date() < deadline && victim.process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/stages")) ?? []
            if names.contains(where: { $0.hasPrefix(".tmp-02_normalize") || $0.hasPrefix(".tmp-03_aggregate") }) { building = true; break }
            usleep(5_000)
        }
        XCTAssertTrue(building, "the run finished before it could be stopped")
        return victim
    }

    func testRun_whenKilledMidway_nextRunStartsAndPublishedOutputsAreUntouched() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let published = try latestFiles(dir)
        try makeBigFunding(dir, rows: 300_000)
        let victim = try startAndWaitForStageBuild(dir)
        kill(victim.process.processIdentifier, SIGKILL)
        _ = try victim.wait()
        XCTAssertEqual(try latestFiles(dir), published, "published outputs are byte-identical after the killed run")
        let next = try run(dir)
        XCTAssertEqual(next.status, 0, next.stderr)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/stages").filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testRun_whenSIGTERM_removesPartialWorkAndKeepsPublishedOutputs() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let published = try latestFiles(dir)
        try makeBigFunding(dir, rows: 300_000)
        let victim = try startAndWaitForStageBuild(dir)
        kill(victim.process.processIdentifier, SIGTERM)
        let r = try victim.wait()
        XCTAssertEqual(r.status, 128 + SIGTERM, r.stderr)
        XCTAssertTrue(r.stderr.contains("stopped by signal"), r.stderr)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/stages").filter { $0.hasPrefix(".tmp-") }
        XCTAssertEqual(leftovers, [])
        XCTAssertEqual(try latestFiles(dir), published)
    }

    // MARK: - Exit codes

    func testExitCode_64_whenUsageErrorOrInvalidPipeline() throws {
        let dir = try project()
        let bad = try CLI.run(["run", "pipelines/test.yml", "--stage", "nonsense"], in: dir.path)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        _ = try dir.file("pipelines/bad.yml", "version: 1\nname: x\ncolour: red\n")
        let invalid = try CLI.run(["run", "pipelines/bad.yml", "--reference", reference], in: dir.path)
        XCTAssertEqual(invalid.status, 64, invalid.stderr)
        XCTAssertTrue(invalid.stderr.contains("colour"), invalid.stderr)
    }

    func testExitCode_65_whenASourceMissesRequiredColumns() throws {
        let dir = try project()
        _ = try dir.file("data/registrations_extra.csv", "名称,类型\n某协会,社会团体\n")
        let r = try run(dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("registrations_extra.csv"), r.stderr)
        XCTAssertTrue(r.stderr.contains("uscc"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/out/latest"))
    }

    func testExitCode_65_whenQuarantinedShareAboveTheLimit() throws {
        let dir = try project()
        // 31 of 46 rows are quarantined in the fixtures: 67%.
        let r = try run(dir, ["--max-quarantine-pct", "50"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("above the limit"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/out/latest"))
        let ok = try run(dir, ["--max-quarantine-pct", "80"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    /// Twelve rows of 9,999,999,999,999,999.99 元 (the largest amount DATA.md's 18 digits of
    /// fen allow): each is accepted, but their sum, 1.2e19 fen, is beyond Int64 (9.2e18).
    /// That is the aggregate stage's (the merge's) error, in a full run as in a rerun of the
    /// stage: normalize stays committed with its partials, and the run fails in aggregate.
    func testRun_whenFundingSumsOverflow_failsInTheAggregateStageWithNormalizeCommitted() throws {
        let dir = try project()
        var rows = "记录编号,受赠组织统一社会信用代码,受赠组织名称,资金来源,捐赠方,捐赠方行业,金额,其中现金及有价证券,物资折价,捐赠日期,用途,受益地区,受益人次\n"
        for i in 1...12 {
            rows += "H\(i),53420000MJ0003B24T,湖北省慈善总会,企业捐赠,某公司,制造业,9999999999999999.99元,,,2020-02-0\(i % 9 + 1),救灾,,1\n"
        }
        rows += "bad,53420000MJ0003B24T,湖北省慈善总会,企业捐赠,某公司,制造业,1元,,,2020-13-45,救灾,,1\n"
        try Data(rows.utf8).write(to: URL(fileURLWithPath: dir.path + "/data/funding.csv"))
        try writePipeline(dir, relief: "[救灾]", fundingEncoding: "utf-8")
        let r = try run(dir)
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("\"stage\":\"aggregate\""), r.stderr)
        XCTAssertTrue(r.stderr.contains("funding_summary sum for 2020") && r.stderr.contains("Int64"), r.stderr)
        let normalize = dir.path + "/out/stages/02_normalize"
        XCTAssertTrue(FileManager.default.fileExists(atPath: normalize + "/stage.json"), "normalize was not committed")
        let list = try JSON.read(PartialList.self, from: normalize + "/" + PartialList.file)
        let funding = try XCTUnwrap(list.entries.first { $0.kind == .funding })
        let partial = try Partial(folder: dir.path + "/out/stages/partials/" + funding.key + PartialFormat.suffix, verify: true)
        XCTAssertEqual(partial.meta.accounting.accepted, 12)
        XCTAssertEqual(partial.meta.accounting.quarantined, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/out/stages/03_aggregate/stage.json"))
        // A rerun of the stage alone fails the same way.
        let again = try run(dir, ["--stage", "aggregate"])
        XCTAssertEqual(again.status, r.status, again.stderr)
    }

    func testExitCode_1_whenAnInputFileDisappears() throws {
        let dir = try project()
        try FileManager.default.removeItem(atPath: dir.path + "/data/funding.csv")
        let r = try run(dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("funding.csv"), r.stderr)
    }

    func testRun_whenFilesGivenOnTheCommandLine_needsNoPipelineFile() throws {
        let dir = try project()
        let r = try CLI.run(["run", "--registrations", "data/registrations.csv", "--out", "adhoc", "--as-of", "2021-12-31",
                             "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        // No funding source: the tables that need it are written with their header only.
        let (header, rows) = try readAll(dir.path + "/adhoc/latest/funding_summary.csv.gz")
        XCTAssertEqual(header.first, "year")
        XCTAssertEqual(rows.count, 0)
        let status = try CLI.run(["status", "--out-dir", "adhoc"], in: dir.path)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("outcome:   success"), status.stdout)
    }

    func testShowAndExport_whenTablePublished_printAndNeutraliseFormulas() throws {
        let dir = try project()
        XCTAssertEqual(try run(dir).status, 0)
        let show = try CLI.run(["show", "quarantine", "--where", "reason=uscc_check", "--pipeline", "pipelines/test.yml"], in: dir.path)
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("uscc_check"), show.stdout)
        XCTAssertEqual(show.stdout.split(separator: "\n").count, 3, show.stdout)  // header, rule, one row
        let md = try CLI.run(["export", "top_funders", "--format", "md", "--pipeline", "pipelines/test.yml"], in: dir.path)
        XCTAssertEqual(md.status, 0, md.stderr)
        XCTAssertTrue(md.stdout.hasPrefix("| rank |"), md.stdout)
    }

    func testGenerateThenRun_whenSmallSyntheticSet_manifestMatchesExpectedJSON() throws {
        let dir = try Workdir()
        let gen = try CLI.run(["generate", "--orgs", "400", "--funding", "2500", "--seed", "7", "--mixed-shapes", "--bad-rate", "0.03",
                               "--out", "raw", "--reference", reference], in: dir.path)
        XCTAssertEqual(gen.status, 0, gen.stderr)
        _ = try dir.file("p.yml", """
            version: 1
            name: gen
            as_of: 2021-12-31
            output: out
            sources:
              registrations:
                - raw/registrations/*.csv*
                - path: raw/registrations/registrations_04_utf8_zh.tsv
                  delimiter: tab
              funding:
                - raw/funding/*.csv*
                - path: raw/funding/funding_04_utf8_zh.tsv
                  delimiter: tab

            """)
        let r = try CLI.run(["run", "p.yml", "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let check = try CLI.run(["check-expected", "--published", "out/latest", "--expected", "raw/expected.json"], in: dir.path)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        // Same inputs, forced rerun: byte-identical tables.
        let before = try latestFiles(dir, folder: "out")
        XCTAssertEqual(try CLI.run(["run", "p.yml", "--reference", reference, "--quiet", "--force", "--threads", "1"], in: dir.path).status, 0)
        let after = try latestFiles(dir, folder: "out")
        // (The manifest's timings and the reports' "ran at" are a run's own.)
        for (f, data) in before where f != "manifest.json" && !f.hasPrefix("report.") { XCTAssertEqual(after[f], data, f) }
    }

    private func latestFiles(_ dir: Workdir, folder: String) throws -> [String: Data] {
        let latest = dir.path + "/" + folder + "/latest"
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: latest) {
            out[f] = try Data(contentsOf: URL(fileURLWithPath: latest + "/" + f))
        }
        return out
    }
}
