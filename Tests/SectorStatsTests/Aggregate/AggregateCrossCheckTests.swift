import Foundation
import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// The stage against ``NaiveAggregate`` on a few thousand generated rows: every table equal,
/// in memory for several worker counts and through the persisted files with tiny chunks.
final class AggregateCrossCheckTests: XCTestCase {
    static let asOf = AggregateFixtures.date("2024-06-30")

    /// Regions: counties, prefectures, a province itself, a retired county (110103 崇文区:
    /// no county in the current reference) and national-level organizations.
    static let regionCodes = [110101, 110108, 110000, 110103, 420102, 420103, 420100, 440106, 440100, 510104, 650102,
                              330106, 320106, 230102, 100000]

    struct Generated {
        var organizations: [Organization]
        var funding: [FundingRecord]
    }

    static func generate(organizations count: Int, funding rows: Int, seed: UInt64) -> Generated {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
        func day(from: Int, to: Int) -> CivilDate {
            let start = CivilDate(year: from, month: 1, day: 1)!.dayNumber
            let end = CivilDate(year: to, month: 12, day: 31)!.dayNumber
            return CivilDate(dayNumber: start + Int(rng.next() % UInt64(end - start + 1)))!
        }
        let regions = AggregateFixtures.regions
        var organizations: [Organization] = []
        for i in 0..<count {
            let type = pick(OrgType.allCases)
            let category = [OrgType.association: 1, .socialService: 2, .foundation: 3, .other: 9][type]!
            let region = pick(regionCodes)
            let registered = day(from: 2005, to: 2024)  // some after the as-of date 2024-06-30
            var deregistered: CivilDate?
            if rng.next() % 4 == 0 {
                let d = day(from: registered.year, to: 2024)
                deregistered = d < registered ? registered : d
            }
            organizations.append(Organization(
                uscc: AggregateFixtures.uscc(category: category, region: region, serial: 10_000_000 + i), name: "组织\(i)",
                type: type, authority: "民政局", registeredOn: registered, status: deregistered == nil ? .active : .deregistered,
                deregisteredOn: deregistered, capitalFen: nil, legalRep: "", supervisor: "", scope: "范围, \"\(i)\"\n第二行",
                address: "", regionCode: region, provinceCode: regions.provinceCode(of: region),
                countyCode: regions.isCountyLevel(region) ? region : nil, isCommunity: nil, isCharity: nil,
                source: "registrations.csv", line: i + 2))
        }
        // A few re-sent rows: the same USCC again, later in input order (the last one wins).
        for i in stride(from: 0, to: count, by: 97) {
            var again = organizations[i]
            again.registeredOn = day(from: 2005, to: 2020)
            again.deregisteredOn = nil
            again.provinceCode = 420_000
            again.regionCode = 420_103
            again.countyCode = 420_103
            organizations.append(again)
        }

        let funders = (0..<250).map { i in i % 50 == 0 ? "Funder, No. \(i)" : i % 7 == 0 ? "捐赠\"方\"\(i)" : "捐赠方\(i)" }
        let industries = ["", "", "制造业", "金融业", "建筑业", "房地产业", "批发和零售业"]
        var funding: [FundingRecord] = []
        for i in 0..<rows {
            let recipient: String = switch rng.next() % 20 {
            case 0: "NOTAUSCC\(i)"
            case 1: AggregateFixtures.uscc(category: 1, region: 420103, serial: 90_000_000 + i).description
            default: pick(organizations).uscc.description
            }
            // Amounts in a few sizes; round ones make funder ties likely.
            let amount: Int64 = switch rng.next() % 4 {
            case 0: Int64(rng.next() % 10) * 100_000
            case 1: Int64(rng.next() % 1_000_000_000)
            default: Int64(rng.next() % 10_000_000)
            }
            var cash: Int64?
            var inKind: Int64?
            if rng.next() % 5 < 3 {
                cash = amount == 0 ? 0 : Int64(rng.next() % UInt64(amount + 1))
                inKind = amount - cash!
            }
            let funder = rng.next() % 4 == 0 ? "" : pick(funders)
            funding.append(FundingRecord(
                recordID: "F\(i)", recipientUSCC: recipient, recipientName: "受赠方", sourceType: pick(SourceType.allCases),
                funder: funder, funderIndustry: pick(industries), amountFen: amount, cashFen: cash, inKindFen: inKind,
                receivedOn: day(from: 2012, to: 2024), purpose: pick(Purpose.allCases), beneficiaryRegionCode: nil,
                beneficiaries: Int64(rng.next() % 10_000), source: "funding.csv", line: i + 2))
        }
        return Generated(organizations: organizations, funding: funding)
    }

    private func assertEqualsNaive(_ output: AggregateOutput, _ naive: [AggregateTable.Kind: [[String]]], _ label: String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        for table in output.tables {
            let expected = naive[table.kind]!
            if table.rows == expected { continue }
            let i = zip(table.rows, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(table.rows.count, expected.count)
            XCTFail("\(label) \(table.kind): \(table.rows.count) vs \(expected.count) rows; first difference at row \(i): "
                    + "\(i < table.rows.count ? table.rows[i] : []) vs \(i < expected.count ? expected[i] : [])",
                    file: file, line: line)
        }
    }

    func testCompute_whenGeneratedRows_equalsNaiveImplementation() throws {
        let data = Self.generate(organizations: 3000, funding: 6000, seed: 2024)
        let naive = NaiveAggregate.tables(organizations: data.organizations, funding: data.funding,
                                          regions: AggregateFixtures.regions, asOf: Self.asOf,
                                          relief: AggregateSettings.defaultReliefPurposes)
        XCTAssertGreaterThan(naive[.registrationsByYear]!.count, 500)
        XCTAssertGreaterThan(naive[.reliefCoverage]!.count, 100)
        XCTAssertEqual(naive[.topFunders]!.count, 100)
        for threads in [1, 2, 7] {
            let output = try AggregateStage.compute(
                organizations: data.organizations, funding: data.funding, regions: AggregateFixtures.regions,
                settings: AggregateSettings(asOf: Self.asOf, threads: threads))
            assertEqualsNaive(output, naive, "in memory, \(threads) threads")
        }
    }

    func testRun_whenGeneratedRowsPersistedAndReadInTinyChunks_equalsNaiveImplementation() throws {
        let data = Self.generate(organizations: 2000, funding: 4000, seed: 77)
        let dir = try Workdir()
        let paths = try AggregateFixtures.writeNormalized(data.organizations, data.funding, in: dir)
        let naive = NaiveAggregate.tables(organizations: data.organizations, funding: data.funding,
                                          regions: AggregateFixtures.regions, asOf: Self.asOf, relief: [.education, .healthcare])
        var gz: [[Data]] = []
        for (threads, minChunk) in [(1, 1 << 22), (3, 4096), (16, 1)] {
            let settings = AggregateSettings(asOf: Self.asOf, reliefPurposes: [.education, .healthcare], threads: threads,
                                             minChunkBytes: minChunk, gzipLevel: 1)
            let output = try AggregateStage.compute(organizationsPath: paths.organizations, fundingPath: paths.funding,
                                                    regions: AggregateFixtures.regions, settings: settings)
            assertEqualsNaive(output, naive, "files, \(threads) threads")
            let out = dir.path + "/out\(threads)"
            let result = try AggregateStage.write(output, to: out, gzipLevel: 1)
            XCTAssertEqual(result.tables.map(\.rows), output.tables.map(\.rows.count))
            gz.append(try AggregateTable.Kind.allCases.map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0.fileName)) })
            for table in output.tables {
                assertSameCSV(try gunzip(out + "/" + table.kind.fileName), table.csvText(), "\(table.kind) written")
            }
        }
        XCTAssertEqual(gz[1], gz[0])
        XCTAssertEqual(gz[2], gz[0])
    }

    /// The accumulators merge: any split of the rows gives the same partial tables.
    func testMerge_whenRowsSplitAnywhere_equalsOnePass() throws {
        let data = Self.generate(organizations: 500, funding: 1500, seed: 5)
        let index = OrganizationIndex(organizations: data.organizations, asOf: Self.asOf)
        func partial(_ rows: ArraySlice<FundingRecord>) throws -> FundingPartial {
            var p = FundingPartial(asOf: Self.asOf, index: index, reliefPurposes: AggregateSettings.defaultReliefPurposes)
            for r in rows { try FundingFacts.with(r, index: index) { try p.add($0) } }
            return p
        }
        let whole = try partial(data.funding[...])
        var rng = SplitMix64(seed: 9)
        for _ in 0..<5 {
            let cuts = ([0, data.funding.count] + (0..<6).map { _ in Int(rng.next() % UInt64(data.funding.count)) }).sorted()
            var merged = try partial(data.funding[cuts[0]..<cuts[1]])
            for k in 1..<(cuts.count - 1) { try merged.merge(partial(data.funding[cuts[k]..<cuts[k + 1]])) }
            XCTAssertEqual(try merged.summary.rows(), try whole.summary.rows())
            XCTAssertEqual(try merged.funders.rows(), try whole.funders.rows())
            let active = RegistryPartial.all(index, asOfYear: Self.asOf.year).growth.activeCounts()
            let provinces = index.provinceCodes.map { ProvinceLabel(code: $0, name: "") }
            XCTAssertEqual(try merged.relief!.rows(active: active, provinces: provinces, regions: AggregateFixtures.regions),
                           try whole.relief!.rows(active: active, provinces: provinces, regions: AggregateFixtures.regions))
            XCTAssertEqual(merged.unmatched, whole.unmatched)
        }
    }
}

extension RegistryPartial {
    /// One pass over the whole index (for tests).
    static func all(_ index: OrganizationIndex, asOfYear: Int) -> RegistryPartial {
        var p = RegistryPartial(provinceCount: index.provinceCodes.count, asOfYear: asOfYear)
        for id in 0..<index.count { p.add(index.entries[id]) }
        return p
    }
}
