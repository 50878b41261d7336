import Foundation
import XCTest
@testable import SectorStats

/// The small hand-made fixture (Tests/Fixtures/aggregate/small: 25 organizations, 32 funding
/// rows; the inputs are listed readably in make_inputs.py) against tables worked out by hand
/// (small/expected/*.csv, never produced by this code). As of 2022-09-30, default relief
/// purposes (疫情防控, 救灾, 应急救援, 脱贫攻坚, 扶贫 — so 乡村振兴 in R30 is not relief).
///
/// How the less obvious numbers were derived:
///
/// Active at year end (registered ≤ Y-12-31, no deregistration ≤ Y-12-31), 2016…2022:
///   北京 110000: 3 4 6 6 6 7 8 — B4 (2017, deregistered 2019-06-30) leaves in 2019 while B7
///     arrives, so 2019 social_service shows new 1, deregistered 1, active 2, yoy 0.00; B8 is
///     registered and deregistered in 2020 (new 1, deregistered 1, never active at a year end);
///     B6 registered 2018-12-31 is active at the end of 2018.
///   湖北 420000: 2 4 5 6 8 8 8 — H4 deregistered 2021-01-01 is active at the end of 2020 but not
///     2021 (association 3 → 2: yoy −1/3 = −33.33); H9 comes 2021 and leaves 2022-08-01.
///   全国性组织 100000: 1 1 2 3 3 3 2 — national-level organizations are their own province.
///   广东 440000: from 2021: 1 2 — G2 registered on the as-of date 2022-09-30 counts.
///   Nation = sum: 6 9 13 15 17 19 20.
/// growth_trends: the first row of a series has net_change = active_end (none before) and an
///   empty yoy (0 denominator). CAGR_N = (now / N years earlier)^(1/N) − 1, empty before the
///   series' first year: nation 2019 (15/6)^(1/3) = 1.357209 → 35.72; 2021 cagr_5y
///   (19/6)^(1/5) = 1.259275 → 25.93; 2022 (20/15)^(1/3) → 10.06, (20/9)^(1/5) → 17.32;
///   100000 2022: (2/3)^(1/3) = 0.873580 → −12.64 and (2/1)^(1/5) → 14.87; 广东 2022 has no
///   CAGR (2019 is before its series starts).
/// funding_summary: 2020 疫情防控 corporate = R02 R03 R04 R06 R11 R13 (6 rows; R06's recipient is
///   inactive and R11's unknown, but funding_summary does not look at recipients): total
///   50,000,000 + 200,000,000 + 30,000,000 + 5,000,000 + 4,000,000 + 3,200,000 fen
///   = 2922000.00; R04 has only a total → unsplit 300000.00; in kind 20,000,000 + 5,000,000 +
///   100,000 = 251000.00 over split cash + in kind 262,200,000 → 9.57. 2021 助残 corporate:
///   10.00 of 320.00 = 3.125 % exactly → 3.13 (half away from zero). Rows sort by the purpose's
///   UTF-8 bytes: 乡 U+4E61 < 儿 < 养 < 助 < 应 < 扶 < 救 < 教 < 疫 < 脱 U+8131.
/// relief_coverage: years 2020…2022 (first and last relief row; 2021 has none, so its rows are
///   zeros). A relief row counts only if its recipient is active at that year's end: R06 (B4,
///   gone 2019), R07 (B8, gone 2020-10-01), R23 (H9, gone 2022-08-01), R29 (N3, gone
///   2022-01-10) do not; R11 and R31 are unmatched. 2020 湖北: H1 H2 H3 H4 H5 H6 H8 = 7 of 8
///   active (87.50), counties 420103, 420106, 420102 (H3 sits on prefecture 420100: no county)
///   = 3 of 103 → 2.91; 北京: B1 twice (R08, R09) is one organization, 1 of 6 → 16.67, 1 of 16
///   counties → 6.25; 100000 has 0 counties → empty coverage. Nation 2020: 9 of 17 → 52.94,
///   4 of 2,847 counties → 0.14. 2022 北京: B6 sits on 110000 itself, so no county.
/// top_funders: grand total over all 32 rows, funder or not = 567,680,938 fen. 己公司 and 戊公司
///   tie at 10000.00: 己 (E5 B7 B1) sorts before 戊 (E6 88 8A). 丙集团's industry: 制造业 4 rows
///   against 批发和零售业 1; 丁公司: 建筑业 1 against 房地产业 1, a tie → the smaller bytes, 建
///   (E5 BB BA) < 房 (E6 88 BF); R31's empty industry does not count. cash/in-kind only over
///   rows with a split (张三's R12 is unsplit). Cumulative shares are from exact sums:
///   rank 8 is 510,832,000 / 567,680,938 = 89.99, not the 90.00 the rounded shares add to.
final class AggregateStageFixtureTests: XCTestCase {
    private func runSmall(threads: Int = 2, minChunkBytes: Int = 4 << 20, in dir: Workdir) throws -> AggregateResult {
        try AggregateStage.run(
            organizationsPath: AggregateFixtures.smallOrganizations, fundingPath: AggregateFixtures.smallFunding,
            regions: AggregateFixtures.regions, settings: AggregateFixtures.smallSettings(threads: threads, minChunkBytes: minChunkBytes),
            outputFolder: dir.path + "/out")
    }

    func testRun_whenSmallFixture_matchesHandWorkedTables() throws {
        let dir = try Workdir()
        _ = try runSmall(in: dir)
        for kind in AggregateTable.Kind.allCases {
            assertSameCSV(try gunzip(dir.path + "/out/" + kind.fileName), try AggregateFixtures.expected(kind), kind.rawValue)
        }
    }

    func testRun_whenSmallFixture_returnsRowCountsUnmatchedAndWarnings() throws {
        let dir = try Workdir()
        let result = try runSmall(in: dir)
        XCTAssertEqual(result.tables.map(\.file), [
            "registrations_by_year.csv.gz", "growth_trends.csv.gz", "funding_summary.csv.gz", "relief_coverage.csv.gz",
            "top_funders.csv.gz",
        ])
        XCTAssertEqual(result.tables.map(\.rows), [57, 30, 22, 14, 11])
        XCTAssertEqual(result.organizations, 25)
        XCTAssertEqual(result.fundingRows, 32)
        XCTAssertEqual(result.unmatchedRecipients, 3, "R11 (not a code), R22 (an I), R31 (valid but unregistered)")
        XCTAssertEqual(result.warnings.map(\.code), ["relief_recipient_inactive", "relief_recipient_unmatched"])
        XCTAssertEqual(result.warnings.map(\.count), [4, 2], "R06 R07 R23 R29; R11 R31")
    }

    /// 1, 2 and 8 workers, and chunks forced down to a row or two: the same `.gz` bytes.
    func testRun_whenThreadsAndChunkingVary_outputsAreByteIdentical() throws {
        let dir = try Workdir()
        var outputs: [[Data]] = []
        for (threads, minChunk) in [(1, 4 << 20), (2, 1), (8, 1), (64, 1), (1, 4 << 20)] {
            let run = try Workdir()
            _ = try runSmall(threads: threads, minChunkBytes: minChunk, in: run)
            outputs.append(try AggregateTable.Kind.allCases.map {
                try Data(contentsOf: URL(fileURLWithPath: run.path + "/out/" + $0.fileName))
            })
        }
        for (i, output) in outputs.enumerated().dropFirst() {
            XCTAssertEqual(output, outputs[0], "run \(i)")
        }
        _ = dir
    }

    /// The in-memory entry point gives the same tables as the file path.
    func testCompute_whenRecordsInMemory_equalsFilePath() throws {
        let organizations = try AggregateFixtures.readOrganizations(AggregateFixtures.smallOrganizations)
        let funding = try AggregateFixtures.readFunding(AggregateFixtures.smallFunding)
        for threads in [1, 3, 8] {
            let output = try AggregateStage.compute(organizations: organizations, funding: funding,
                                                    regions: AggregateFixtures.regions,
                                                    settings: AggregateFixtures.smallSettings(threads: threads))
            for table in output.tables {
                assertSameCSV(table.csvText(), try AggregateFixtures.expected(table.kind), "\(table.kind) threads \(threads)")
            }
            XCTAssertEqual(output.unmatchedRecipients, 3)
        }
    }

    func testRun_whenOrganizationsAbsent_writesFundingTablesAndHeaderOnlyRegistryTables() throws {
        let dir = try Workdir()
        let result = try AggregateStage.run(
            organizationsPath: nil, fundingPath: AggregateFixtures.smallFunding, regions: AggregateFixtures.regions,
            settings: AggregateFixtures.smallSettings(), outputFolder: dir.path)
        for kind in AggregateTable.Kind.allCases {
            let text = try gunzip(dir.path + "/" + kind.fileName)
            if kind == .fundingSummary || kind == .topFunders {
                assertSameCSV(text, try AggregateFixtures.expected(kind), kind.rawValue)
            } else {
                XCTAssertEqual(text, kind.columns.joined(separator: ",") + "\n", kind.rawValue)
            }
        }
        XCTAssertEqual(result.tables.map(\.rows), [0, 0, 22, 0, 11])
        XCTAssertNil(result.organizations)
        XCTAssertEqual(result.unmatchedRecipients, 32, "no registry: no recipient matches")
        XCTAssertEqual(result.warnings.map(\.code), ["organizations_absent"])
    }

    func testRun_whenFundingAbsent_writesRegistryTablesAndHeaderOnlyFundingTables() throws {
        let dir = try Workdir()
        let result = try AggregateStage.run(
            organizationsPath: AggregateFixtures.smallOrganizations, fundingPath: nil, regions: AggregateFixtures.regions,
            settings: AggregateFixtures.smallSettings(), outputFolder: dir.path)
        for kind in AggregateTable.Kind.allCases {
            let text = try gunzip(dir.path + "/" + kind.fileName)
            if kind == .registrationsByYear || kind == .growthTrends {
                assertSameCSV(text, try AggregateFixtures.expected(kind), kind.rawValue)
            } else {
                XCTAssertEqual(text, kind.columns.joined(separator: ",") + "\n", kind.rawValue)
            }
        }
        XCTAssertEqual(result.tables.map(\.rows), [57, 30, 0, 0, 0])
        XCTAssertNil(result.fundingRows)
        XCTAssertEqual(result.unmatchedRecipients, 0)
        XCTAssertEqual(result.warnings, [])
    }

    func testRun_whenBothAbsent_writesFiveHeaderOnlyFiles() throws {
        let dir = try Workdir()
        let result = try AggregateStage.run(organizationsPath: nil, fundingPath: nil, regions: AggregateFixtures.regions,
                                            settings: AggregateFixtures.smallSettings(), outputFolder: dir.path + "/new/folder")
        XCTAssertEqual(result.tables.map(\.rows), [0, 0, 0, 0, 0])
        for kind in AggregateTable.Kind.allCases {
            XCTAssertEqual(try gunzip(dir.path + "/new/folder/" + kind.fileName), kind.columns.joined(separator: ",") + "\n")
        }
    }

    /// Relief purposes come from the settings: with only 教育 as relief, 2019 (R01) and 2021
    /// (R16, R18, R19, R22) are the relief years.
    func testRun_whenReliefPurposesConfigured_reliefYearsFollowThem() throws {
        var settings = AggregateFixtures.smallSettings()
        settings.reliefPurposes = [.education]
        let output = try AggregateStage.compute(
            organizationsPath: AggregateFixtures.smallOrganizations, fundingPath: AggregateFixtures.smallFunding,
            regions: AggregateFixtures.regions, settings: settings)
        let relief = output[.reliefCoverage].rows
        XCTAssertEqual(Set(relief.map { $0[0] }), ["2019", "2020", "2021"])
        // 2021: B5 (R16) and B7 (R19) in 北京, G1 (R18) in 广东; R22 is unmatched.
        XCTAssertEqual(relief.first { $0[0] == "2021" && $0[1] == "000000" },
                       ["2021", "000000", "全国", "19", "3", "15.79", "220000.00", "0", "2847", "2", "0.07"])
    }
}
