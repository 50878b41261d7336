import Foundation
import XCTest
@testable import SectorStats

/// The stage's published-figure check, CAGR at a rounding boundary end to end, and its
/// error paths and edge rules (as-of date, duplicates, overflow, corrupt input).
final class AggregateStageTests: XCTestCase {
    private let regions = AggregateFixtures.regions

    private func organization(_ id: Int, province: Int = 110_000, region: Int = 110_101, type: OrgType = .association,
                              registered: String, deregistered: String? = nil) -> Organization {
        Organization(
            uscc: USCC(high: UInt64(id), low: 7), name: "组织\(id)", type: type, authority: "",
            registeredOn: AggregateFixtures.date(registered),
            status: nil, deregisteredOn: deregistered.map(AggregateFixtures.date), capitalFen: nil, legalRep: "", supervisor: "",
            scope: "", address: "", regionCode: region, provinceCode: province,
            countyCode: regions.isCountyLevel(region) ? region : nil, isCommunity: nil, isCharity: nil, source: "r.csv", line: id + 2)
    }

    private func funding(_ id: Int, to recipient: String, amount: Int64, cash: Int64? = nil, inKind: Int64? = nil,
                         on day: String, purpose: Purpose = .epidemicControl, funder: String = "") -> FundingRecord {
        FundingRecord(recordID: "F\(id)", recipientUSCC: recipient, recipientName: "", sourceType: .corporate, funder: funder,
                      funderIndustry: "", amountFen: amount, cashFen: cash, inKindFen: inKind,
                      receivedOn: AggregateFixtures.date(day), purpose: purpose, beneficiaryRegionCode: nil, beneficiaries: 1,
                      source: "f.csv", line: id + 2)
    }

    // MARK: - Published figures

    /// DATA.md: 112 companies gave 92.779592亿 yuan for COVID-19, 51.571938亿 of it cash and
    /// securities, 44.41 % in kind. The fixture's firms are made up; its sums are the article's.
    func testRun_whenCovidDonations_reproducesPublishedAggregates() throws {
        let dir = try Workdir()
        let result = try AggregateStage.run(
            organizationsPath: nil, fundingPath: AggregateFixtures.covidFunding, regions: regions,
            settings: AggregateSettings(asOf: AggregateFixtures.date("2020-12-31"), threads: 4, minChunkBytes: 512),
            outputFolder: dir.path)
        XCTAssertEqual(try gunzip(dir.path + "/funding_summary.csv.gz"), """
            year,purpose,source_type,records,total_yuan,cash_yuan,in_kind_yuan,unsplit_yuan,in_kind_share_pct
            2020,疫情防控,corporate,112,9277959200.00,5157193800.00,4120765400.00,0.00,44.41

            """)
        XCTAssertEqual(result.fundingRows, 112)
        XCTAssertEqual(result.unmatchedRecipients, 112, "no registry given")
        let top = try gunzip(dir.path + "/top_funders.csv.gz").split(separator: "\n")
        XCTAssertEqual(top.count, 101, "header + the 100 largest of 112 funders")
        XCTAssertTrue(top[1].hasPrefix("1,企业001,制造业,1,"))
        XCTAssertTrue(top[100].hasPrefix("100,企业100,制造业,1,"))
    }

    // MARK: - CAGR at a rounding boundary

    /// 32,768 organizations at the end of 2017 and 35,937 at the end of 2020 is growth of
    /// exactly (33/32)³: 3.125 % a year → 3.13, where rounding `pow` alone gives 3.12. In 湖北,
    /// 32,768 → 29,791 = (31/32)³: −3.125 % → −3.13.
    func testCompute_whenCAGRIsExactlyOnAHalfHundredth_roundsAwayFromZero() throws {
        var organizations: [Organization] = []
        for i in 0..<32_768 { organizations.append(organization(i, registered: "2017-06-01")) }
        for i in 0..<3_169 { organizations.append(organization(100_000 + i, registered: "2020-06-01")) }
        for i in 0..<32_768 {
            organizations.append(organization(200_000 + i, province: 420_000, region: 420_103, registered: "2017-03-01",
                                              deregistered: i < 2_977 ? "2019-05-05" : nil))
        }
        let output = try AggregateStage.compute(organizations: organizations, funding: nil, regions: regions,
                                                settings: AggregateSettings(asOf: AggregateFixtures.date("2020-12-31"), threads: 2))
        let growth = output[.growthTrends].rows
        XCTAssertEqual(growth.first { $0[0] == "110000" && $0[2] == "2020" },
                       ["110000", "北京市", "2020", "35937", "3169", "9.67", "3.13", ""])
        XCTAssertEqual(growth.first { $0[0] == "420000" && $0[2] == "2020" },
                       ["420000", "湖北省", "2020", "29791", "0", "0.00", "-3.13", ""])
    }

    // MARK: - As-of date, duplicates

    /// Records dated after the as-of date (the normalize stage quarantines them; in memory they
    /// can occur) are read as unknown on the as-of date, and counted.
    func testCompute_whenDatesAfterAsOf_leavesThemOutAndCountsThem() throws {
        let organizations = [
            organization(1, registered: "2020-01-01"),
            organization(2, registered: "2020-01-01", deregistered: "2021-03-01"),  // not yet deregistered
            organization(3, registered: "2021-02-01"),  // not yet registered
        ]
        let code1 = organizations[0].uscc.description
        let code3 = organizations[2].uscc.description
        let rows = [
            funding(1, to: code1, amount: 100, on: "2020-05-05"),
            funding(2, to: code1, amount: 200, on: "2021-01-02"),  // after the as-of date
            funding(3, to: code3, amount: 400, on: "2020-12-31"),  // recipient registered later: not active
        ]
        let output = try AggregateStage.compute(organizations: organizations, funding: rows, regions: regions,
                                                settings: AggregateSettings(asOf: AggregateFixtures.date("2020-12-31"), threads: 2))
        XCTAssertEqual(output[.registrationsByYear].rows, [["2020", "110000", "北京市", "association", "2", "0", "2", ""]])
        XCTAssertEqual(output[.fundingSummary].rows, [["2020", "疫情防控", "corporate", "2", "5.00", "0.00", "0.00", "5.00", ""]])
        XCTAssertEqual(output[.reliefCoverage].rows.first,
                       ["2020", "000000", "全国", "2", "1", "50.00", "1.00", "1", "2847", "1", "0.04"])
        XCTAssertEqual(output.fundingRows, 3)
        XCTAssertEqual(output.unmatchedRecipients, 0)
        XCTAssertEqual(output.warnings.map(\.code), [
            "organization_after_as_of", "deregistration_after_as_of", "relief_recipient_inactive", "funding_after_as_of",
        ])
    }

    /// The same USCC twice (the normalize stage removes these; in memory they can occur): the
    /// last one wins, as DATA.md §4 says for registrations.
    func testCompute_whenDuplicateUSCC_lastOneWins() throws {
        let first = organization(1, registered: "2019-01-01")
        var second = organization(1, province: 420_000, region: 420_103, registered: "2020-01-01")
        second.type = .foundation
        let output = try AggregateStage.compute(organizations: [first, second], funding: nil, regions: regions,
                                                settings: AggregateSettings(asOf: AggregateFixtures.date("2020-12-31")))
        XCTAssertEqual(output.organizations, 1)
        XCTAssertEqual(output[.registrationsByYear].rows, [["2020", "420000", "湖北省", "foundation", "1", "0", "1", ""]])
        XCTAssertEqual(output.warnings.map(\.code), ["duplicate_organization"])
    }

    // MARK: - Errors

    func testCompute_whenFenSumOverflows_throwsArithmeticOverflow() {
        let rows = [
            funding(1, to: "X", amount: 5_000_000_000_000_000_000, on: "2020-01-01", funder: "甲"),
            funding(2, to: "X", amount: 5_000_000_000_000_000_000, on: "2020-01-02", funder: "甲"),
        ]
        for threads in [1, 2] {  // within one partial, and when merging two
            XCTAssertThrowsError(try AggregateStage.compute(
                organizations: nil, funding: rows, regions: regions,
                settings: AggregateSettings(asOf: AggregateFixtures.date("2020-12-31"), threads: threads))) { error in
                XCTAssertEqual((error as? SectorStatsError)?.code, .arithmeticOverflow, "threads \(threads): \(error)")
            }
        }
    }
}
