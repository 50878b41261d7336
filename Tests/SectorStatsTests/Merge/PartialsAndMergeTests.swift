import Foundation
import XCTest
@testable import SectorStats

/// Normalizing into partials and merging them, on fixtures holding one row per problem DATA.md lists
/// (Tests/Fixtures/normalize/make_fixtures.py writes them, with a comment per line).
/// Every expected value below is worked out by hand from DATA.md:
/// - capital is under a `注册资金(万元)` header, so a bare number is 万元: `10` → 100,000
///   yuan → 10,000,000 fen; an explicit unit wins: `300万` → 300,000,000 fen; `8000万元` →
///   8,000,000,000 fen; full-width `１０` folds to `10`.
/// - funding line 2: 7.4亿元 total, cash 5亿 → in-kind derived 2.4亿 = 24,000,000,000 fen;
///   `1.2万` beneficiaries = 12000; line 19: 4600.50万 = 46,005,000 yuan = 4,600,500,000 fen,
///   Excel serial 44173 = 2020-12-08; line 20: `１００` yuan = 10,000 fen, 60 + 40 yuan split.
/// - line 2 and line 24 of the registrations share a USCC (24 in lower case): the later
///   row wins (DATA.md §4), so line 2 counts as a duplicate and the name is 24's, with
///   （）folded to ().
/// - line 26's region 110103 (崇文区) is retired: it resolves, but it is not a county of the
///   current reference, so county_code is empty; line 25 is national-level (100000).
final class PartialsAndMergeTests: XCTestCase {
    private let asOf = CivilDate(year: 2021, month: 12, day: 31)!

    private func regions() throws -> RegionTable {
        try RegionTable(folder: URL(fileURLWithPath: Fixtures.repoRoot + "/datasets/reference"))
    }

    private func run(_ dir: Workdir, suffix: String, as name: (String, String)? = nil) throws -> NormalizeResult {
        var regPath = Fixtures.path("normalize/registrations_every_defect_\(suffix).csv")
        var fundPath = Fixtures.path("normalize/funding_every_defect_\(suffix).csv")
        if let name {
            // Same base names for both encodings, so the `source` column is the same.
            let r = dir.path + "/in-\(suffix)-" + name.0
            try? FileManager.default.createDirectory(atPath: r, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: regPath, toPath: r + "/" + name.0)
            try FileManager.default.copyItem(atPath: fundPath, toPath: r + "/" + name.1)
            regPath = r + "/" + name.0
            fundPath = r + "/" + name.1
        }
        let out = dir.path + "/out-" + suffix
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        return try PartialsAndMerge.run(registrations: [InputFile(path: regPath)], funding: [InputFile(path: fundPath)],
                                      regions: try regions(), asOf: asOf, folder: out)
    }

    private func text(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    func testRun_whenEveryRegistrationDefect_acceptsExactlyTheGoodRows() throws {
        let dir = try Workdir()
        let result = try run(dir, suffix: "utf8")
        let f = "registrations_every_defect_utf8.csv"
        XCTAssertEqual(try text(dir.path + "/out-utf8/organizations.csv"), """
            uscc,name,org_type,authority,registered_on,status,deregistered_on,capital_fen,legal_rep,supervisor,scope,address,region_code,province_code,county_code,is_community,is_charity,source,line
            53420000MJ0003B24T,湖北省慈善总会,foundation,湖北省民政厅,2020-12-08,active,,300000000,,,,,420000,420000,,false,,\(f),3
            59440106MJ0200E51N,广州市越秀区某组织,other,越秀区民政局,2018-05-20,,,5000000,,,,,440106,440000,440106,true,,\(f),22
            51510107MJ0300F674,成都市武侯区某协会,foundation,武侯区民政局,2016-09-01,active,,3000000,,,,,510107,510000,510107,false,,\(f),23
            51110108MJ0012A125,北京市海淀区社区养老服务协会(更名),association,海淀区民政局,2015-03-12,active,,10000000,,,,,110108,110000,110108,true,,\(f),24
            53100000MJ0000D459,中国乡村发展基金会,foundation,民政部,2020-12-08,active,,8000000000,,,,,100000,100000,,false,,\(f),25
            52110103MJ0500H882,北京市崇文区某服务中心,social_service,崇文区民政局,2005-06-01,active,,2000000,,,,,110103,110000,,false,,\(f),26
            52420103MJ0100C31Q,武汉市江汉区阳光助残服务中心,social_service,江汉区民政局,2018-05-20,active,,5000000,,,,,420103,420000,420103,true,,\(f),27
            51310115MJ0400G723,上海市浦东新区环保志愿者协会,association,浦东新区民政局,2010-01-05,deregistered,2019-05-01,20000000,,,,,310115,310000,310115,false,,\(f),28

            """)
        let acc = try XCTUnwrap(result.registrationFiles.first)
        XCTAssertEqual(acc.rowsRead, 27)
        XCTAssertEqual(acc.accepted, 8)
        XCTAssertEqual(acc.quarantined, 18)
        XCTAssertEqual(acc.duplicates, 1)
        XCTAssertEqual(acc.unknownColumns, ["备注"])
        XCTAssertEqual(result.warnings["type_uscc_mismatch"], 1)
    }

    func testRun_whenEveryFundingDefect_acceptsExactlyTheGoodRows() throws {
        let dir = try Workdir()
        let result = try run(dir, suffix: "utf8")
        let f = "funding_every_defect_utf8.csv"
        XCTAssertEqual(try text(dir.path + "/out-utf8/funding.csv"), """
            record_id,recipient_uscc,recipient_name,source_type,funder,funder_industry,amount_fen,cash_fen,in_kind_fen,received_on,purpose,beneficiary_region_code,beneficiaries,source,line
            F1,53420000MJ0003B24T,湖北省慈善总会,corporate,某科技公司,信息传输、软件和信息技术服务业,74000000000,50000000000,24000000000,2020-02-01,疫情防控,420000,12000,\(f),2
            F16,52420103MJ0100C31Q,武汉市江汉区阳光助残服务中心,individual,张三,,123450,,,2021-03-05,其他,,0,\(f),17
            F17,52999999ZZZZZZZZZZ,不存在的组织,foundation_grant,某基金会,,500000000,,,2019-12-31,扶贫,,300,\(f),18
            F18,53100000MJ0000D459,中国乡村发展基金会,other,某企业,制造业,4600500000,,,2020-12-08,脱贫攻坚,100000,0,\(f),19
            F19,51310115MJ0400G723,上海市浦东新区环保志愿者协会,foundation_grant,某基金会,,10000,6000,4000,2018-06-01,环保,310115,20000,\(f),20

            """)
        let acc = try XCTUnwrap(result.fundingFiles.first)
        XCTAssertEqual(acc.rowsRead, 19)
        XCTAssertEqual(acc.accepted, 5)
        XCTAssertEqual(acc.quarantined, 13)
        XCTAssertEqual(acc.duplicates, 1)
        XCTAssertEqual(result.warnings["purpose_unknown"], 1)
    }

    func testRun_whenEveryDefect_quarantinesEachRowWithItsFieldAndReason() throws {
        let dir = try Workdir()
        let result = try run(dir, suffix: "utf8")
        let (header, rows) = try readAll(dir.path + "/out-utf8/quarantine.csv.gz")
        XCTAssertEqual(header, MergeStage.quarantineColumns)
        let got = rows.map { [$0.fields[0], $0.fields[1], $0.fields[2], $0.fields[3]] }
        let fund = "funding_every_defect_utf8.csv", reg = "registrations_every_defect_utf8.csv"
        // Sorted by source (UTF-8 bytes: "funding…" < "registrations…"), then line.
        let expected: [[String]] = [
            [fund, "3", "record", "csv_malformed"], [fund, "4", "record", "field_count"], [fund, "5", "record", "encoding"],
            [fund, "6", "record_id", "missing_required"], [fund, "7", "purpose", "missing_required"],
            [fund, "8", "source_type", "source_unknown"], [fund, "9", "amount", "amount_garbage"],
            [fund, "10", "cash", "amount_negative"], [fund, "11", "amount", "missing_required"],
            [fund, "12", "amount", "split_mismatch"], [fund, "13", "received_on", "date_impossible"],
            [fund, "14", "received_on", "date_future"], [fund, "15", "beneficiaries", "count_garbage"],
            [reg, "4", "record", "csv_malformed"], [reg, "5", "record", "field_count"], [reg, "6", "record", "encoding"],
            [reg, "7", "name", "missing_required"], [reg, "8", "uscc", "uscc_format"], [reg, "9", "uscc", "uscc_check"],
            [reg, "10", "uscc", "orgcode_check"], [reg, "11", "type", "type_unknown"], [reg, "12", "type", "missing_required"],
            [reg, "13", "status", "status_unknown"], [reg, "14", "registered_on", "date_impossible"],
            [reg, "15", "registered_on", "date_future"], [reg, "16", "deregistered_on", "date_impossible"],
            [reg, "17", "deregistered_on", "dereg_date_missing"], [reg, "18", "deregistered_on", "date_order"],
            [reg, "19", "region", "region_unknown"], [reg, "20", "capital", "amount_garbage"],
            [reg, "21", "capital", "amount_negative"],
        ]
        XCTAssertEqual(got, expected)
        XCTAssertEqual(result.quarantineRows, expected.count)
        // Every reason code of DATA.md §5 appears.
        XCTAssertEqual(Set(rows.map { $0.fields[3] }), Set(QuarantineReason.allCases.map(\.rawValue)))
        // raw is the record as read; detail is a message, not empty.
        let stray = try XCTUnwrap(rows.first { $0.fields[0] == reg && $0.fields[1] == "4" })
        XCTAssertTrue(stray.fields[5].hasPrefix("四川省某\"协会,"), stray.fields[5])
        XCTAssertTrue(rows.allSatisfy { !$0.fields[4].isEmpty })
        let check = try XCTUnwrap(rows.first { $0.fields[0] == reg && $0.fields[1] == "9" })
        XCTAssertTrue(check.fields[4].contains("expected 5"), check.fields[4])
        // Accounting identity per source.
        XCTAssertEqual(result.registrations.rowsRead, result.registrations.accepted + result.registrations.quarantined + result.registrations.duplicates)
        XCTAssertEqual(result.funding.rowsRead, result.funding.accepted + result.funding.quarantined + result.funding.duplicates)
    }

    func testRun_whenGB18030AndUTF8VersionsOfTheSameFixture_giveIdenticalTables() throws {
        let dir = try Workdir()
        let names = ("registrations.csv", "funding.csv")
        let utf8 = try run(dir, suffix: "utf8", as: names)
        let gb = try run(dir, suffix: "gb18030", as: names)
        XCTAssertEqual(gb.registrationFiles.first?.encoding, "gb18030")
        XCTAssertEqual(utf8.registrationFiles.first?.encoding, "utf-8")
        for file in ["organizations.csv", "funding.csv"] {
            XCTAssertEqual(try text(dir.path + "/out-utf8/" + file), try text(dir.path + "/out-gb18030/" + file), file)
        }
        let (_, q1) = try readAll(dir.path + "/out-utf8/quarantine.csv.gz")
        let (_, q2) = try readAll(dir.path + "/out-gb18030/quarantine.csv.gz")
        // Same rows, fields and reasons; only the raw text of the encoding rows differs
        // (the invalid bytes decode differently).
        XCTAssertEqual(q1.map { Array($0.fields.prefix(4)) }, q2.map { Array($0.fields.prefix(4)) })
    }

    func testRun_whenRequiredColumnMissing_refusesTheFileNamingIt() throws {
        let dir = try Workdir()
        let path = try dir.file("no_uscc.csv", "社会组织名称,社会组织类型,成立登记日期\n某协会,社会团体,2020-01-01\n")
        XCTAssertThrowsError(try PartialsAndMerge.run(registrations: [InputFile(path: path)], funding: [], regions: try regions(),
                                                    asOf: asOf, folder: dir.path)) { error in
            let e = error as? SectorStatsError
            XCTAssertEqual(e?.code, .inputRefused)
            let message = "\(error)"
            XCTAssertTrue(message.contains("no_uscc.csv"), message)
            XCTAssertTrue(message.contains("uscc"), message)
            XCTAssertTrue(message.contains("\"社会组织名称\""), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/organizations.csv"))
    }

    func testNormalizedTables_whenWrittenAndReadBack_roundTrip() throws {
        let dir = try Workdir()
        _ = try run(dir, suffix: "utf8")
        var orgs: [Organization] = []
        let reader = try CSVReader(path: dir.path + "/out-utf8/organizations.csv")
        try reader.forEachRecord { orgs.append(try NormalizedTables.decodeOrganization($0)) }
        XCTAssertEqual(orgs.count, 8)
        let w = CSVWriter()
        try w.writeRow(NormalizedTables.organizationColumns)
        for o in orgs { try NormalizedTables.encode(o, to: w) }
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), try text(dir.path + "/out-utf8/organizations.csv"))

        var funding: [FundingRecord] = []
        let fr = try CSVReader(path: dir.path + "/out-utf8/funding.csv")
        try fr.forEachRecord { funding.append(try NormalizedTables.decodeFunding($0)) }
        let w2 = CSVWriter()
        try w2.writeRow(NormalizedTables.fundingColumns)
        for f in funding { try NormalizedTables.encode(f, to: w2) }
        XCTAssertEqual(String(decoding: w2.bytes, as: UTF8.self), try text(dir.path + "/out-utf8/funding.csv"))
    }

    func testEncodingStraightFromTheRecord_givesTheBytesOfEncodingTheNormalizedRecord() throws {
        // The stage writes rows straight from the record's bytes; the table must be what
        // NormalizedTables.encode writes for the record normalize(_:) builds, row by row,
        // and both paths must take the same rows.
        let regions = try regions()
        for suffix in ["utf8", "gb18030"] {
            let reg = try CSVReader(path: Fixtures.path("normalize/registrations_every_defect_\(suffix).csv"))
            let orgNormalizer = try RegistrationNormalizer(header: reg.header, source: reg.name, asOf: asOf, regions: regions)
            var accepted = 0
            try reg.forEachRecord { r in
                let direct = CSVWriter()
                let outcome = try orgNormalizer.normalize(r, encodingInto: direct)
                switch (orgNormalizer.normalize(r), outcome) {
                case (.accepted(let org, let warnings), .passed(let checked)):
                    let viaRecord = CSVWriter()
                    try NormalizedTables.encode(org, to: viaRecord)
                    XCTAssertEqual(String(decoding: direct.bytes, as: UTF8.self), String(decoding: viaRecord.bytes, as: UTF8.self))
                    XCTAssertEqual(checked.uscc, org.uscc)
                    XCTAssertEqual(checked.warnings.list, warnings)
                    accepted += 1
                case (.quarantined(let a), .failed(let b)):
                    XCTAssertEqual(a, b)
                    XCTAssertTrue(direct.bytes.isEmpty, "line \(r.line)")
                default:
                    XCTFail("\(suffix) registrations line \(r.line): the two paths disagree")
                }
            }
            XCTAssertEqual(accepted, 9, suffix)  // 8 organizations + 1 superseded by a later row

            // Funding rows go into the partial as values and normalized text: the same as the
            // record normalize(_:) builds, field by field.
            let fund = try CSVReader(path: Fixtures.path("normalize/funding_every_defect_\(suffix).csv"))
            let fundNormalizer = try FundingNormalizer(header: fund.header, source: fund.name, asOf: asOf, regions: regions)
            accepted = 0
            try fund.forEachRecord { r in
                var chunk = FundingChunk(expectedRows: 1)
                fundNormalizer.normalize(r, into: &chunk)
                switch fundNormalizer.normalize(r) {
                case .accepted(let record, let warnings):
                    guard let row = chunk.rows.first else { return XCTFail("line \(r.line): kept by one path only") }
                    let text = chunk.text
                    func field(_ from: Int, _ to: Int) -> String { String(decoding: text[from..<to], as: UTF8.self) }
                    XCTAssertEqual(field(0, row.ends.0), record.recordID)
                    // The recipient as interned: the code's length (a varint), the code, the name.
                    var key: [UInt8] = []
                    var n = record.recipientUSCC.utf8.count
                    while n >= 0x80 {
                        key.append(UInt8(truncatingIfNeeded: n) | 0x80)
                        n >>= 7
                    }
                    key.append(UInt8(n))
                    XCTAssertEqual(Array(text[row.ends.0..<row.ends.1]), key + Array(record.recipientUSCC.utf8))
                    text.withUnsafeBufferPointer { t in
                        XCTAssertEqual(row.recipientHash, ByteInterner.hash(UnsafeBufferPointer(rebasing: t[row.ends.0..<row.ends.2])))
                        XCTAssertEqual(row.funderHash, ByteInterner.hash(UnsafeBufferPointer(rebasing: t[row.ends.2..<row.ends.3])))
                    }
                    XCTAssertEqual(field(row.ends.1, row.ends.2), record.recipientName)
                    XCTAssertEqual(field(row.ends.2, row.ends.3), record.funder)
                    XCTAssertEqual(field(row.ends.3, row.ends.4), record.funderIndustry)
                    XCTAssertEqual([row.amount, row.cash, row.inKind, row.beneficiaries],
                                   [record.amountFen, record.cashFen, record.inKindFen, record.beneficiaries])
                    XCTAssertEqual(row.received, record.receivedOn)
                    XCTAssertEqual(row.purpose, record.purpose)
                    XCTAssertEqual(row.sourceType, record.sourceType)
                    XCTAssertEqual(row.region, record.beneficiaryRegionCode)
                    XCTAssertEqual(row.line, record.line)
                    XCTAssertEqual(row.warnings.list, warnings)
                    accepted += 1
                case .quarantined(let q):
                    XCTAssertEqual(chunk.quarantine, [q])
                    XCTAssertTrue(chunk.rows.isEmpty, "line \(r.line)")
                }
            }
            XCTAssertEqual(accepted, 6, suffix)  // 5 written + 1 duplicate record_id
        }
    }

    func testRun_whenInputsAreReadInAnotherOrderThanTheirNames_quarantineIsStillSortedBySourceThenLine() throws {
        // Each partial holds its file's quarantine in line order; the merge writes the files
        // in name order. Read order: z_reg, b_reg, m_fund, a_fund; output order: a_fund,
        // b_reg, m_fund, z_reg.
        // Each copy quarantines what the single fixture does (the test above): funding lines
        // 3–15, registration lines 4–21 (duplicates across files are not quarantined).
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/in", withIntermediateDirectories: true)
        func copy(_ fixture: String, as name: String) throws -> InputFile {
            try FileManager.default.copyItem(atPath: Fixtures.path("normalize/" + fixture), toPath: dir.path + "/in/" + name)
            return InputFile(path: dir.path + "/in/" + name)
        }
        let regs = [try copy("registrations_every_defect_utf8.csv", as: "z_reg.csv"),
                    try copy("registrations_every_defect_utf8.csv", as: "b_reg.csv")]
        let funds = [try copy("funding_every_defect_utf8.csv", as: "m_fund.csv"),
                     try copy("funding_every_defect_utf8.csv", as: "a_fund.csv")]
        let fundLines = Array(3...15), regLines = Array(4...21)
        let expected = [("a_fund.csv", fundLines), ("b_reg.csv", regLines), ("m_fund.csv", fundLines), ("z_reg.csv", regLines)]
            .flatMap { name, lines in lines.map { [name, String($0)] } }
        for (threads, chunkBytes) in [(1, 1 << 30), (2, 64)] {
            let out = dir.path + "/out-\(threads)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let result = try PartialsAndMerge.run(registrations: regs, funding: funds, regions: try regions(), asOf: asOf,
                                                folder: out, threads: threads, chunkBytes: chunkBytes)
            let rows = try readAll(out + "/quarantine.csv.gz").records.map { [$0.fields[0], $0.fields[1]] }
            XCTAssertEqual(rows, expected, "threads \(threads)")
            XCTAssertEqual(result.quarantineRows, 2 * 13 + 2 * 18)
        }
    }

    func testRun_whenAFundingFileIsRefused_leavesNoTableAndNoUnfinishedPartial() throws {
        // The registrations file's partial is built first; the funding file is then refused
        // (no required columns). Nothing is merged, and no unfinished partial is left: only
        // the complete partial of the file that was normalized.
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/in", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("normalize/registrations_every_defect_utf8.csv"),
                                         toPath: dir.path + "/in/a_reg.csv")
        let refused = try dir.file("in/b_fund.csv", "foo,bar\n1,2\n")
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for threads in [1, 2] {
            XCTAssertThrowsError(try PartialsAndMerge.run(
                registrations: [InputFile(path: dir.path + "/in/a_reg.csv")], funding: [InputFile(path: refused)],
                regions: try regions(), asOf: asOf, folder: out, threads: threads, chunkBytes: 64)) { error in
                XCTAssertEqual((error as? SectorStatsError)?.file, "b_fund.csv", "\(error)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["partials"], "threads \(threads)")
            let partials = try FileManager.default.contentsOfDirectory(atPath: out + "/partials")
            XCTAssertEqual(partials.count, 1, "\(partials)")
            XCTAssertTrue(partials.allSatisfy { $0.hasSuffix(PartialFormat.suffix) }, "\(partials)")
        }
    }

    func testRun_whenChunkedAndParallel_givesTheSameTablesAsSerial() throws {
        // Duplicates and quarantine must be settled in file order whatever the chunking.
        let dir = try Workdir()
        let reg = InputFile(path: Fixtures.path("normalize/registrations_every_defect_utf8.csv"))
        let fund = InputFile(path: Fixtures.path("normalize/funding_every_defect_utf8.csv"))
        var outputs: [[String]] = []
        var results: [NormalizeResult] = []
        for (threads, chunkBytes) in [(1, 1 << 30), (2, 64), (3, 200)] {
            let out = dir.path + "/t\(threads)-\(chunkBytes)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            results.append(try PartialsAndMerge.run(registrations: [reg, reg], funding: [fund, fund], regions: try regions(), asOf: asOf,
                                                  folder: out, threads: threads, chunkBytes: chunkBytes))
            outputs.append(try ["organizations.csv", "funding.csv"].map { try text(out + "/" + $0) }
                           + [readAll(out + "/quarantine.csv.gz").records.map(\.description).joined(separator: "\n")])
        }
        XCTAssertEqual(outputs[1], outputs[0])
        XCTAssertEqual(outputs[2], outputs[0])
        XCTAssertEqual(results[1], results[0])
        // The same files twice: the second copy of each organization supersedes the first
        // (8 + 1 duplicates in file 1), funding rows of the second file are all duplicates.
        XCTAssertEqual(results[0].registrationFiles.map(\.duplicates), [9, 1])
        XCTAssertEqual(results[0].fundingFiles.map(\.duplicates), [1, 6])
        XCTAssertEqual(results[0].organizationsWritten, 8)
        XCTAssertEqual(results[0].fundingWritten, 5)
    }

    /// A merge that resumes from the state the merge of the first funding partials saved
    /// accumulates only the added ones, and gives the plain merge's tables and accounting,
    /// byte for byte — with an added file that repeats an earlier file's record_id (DATA.md
    /// §5: the first row wins) and one of its own. In-process, so that TSan sees the
    /// threads that stream the earlier ids.
    func testMerge_whenResumedFromTheStateOfTheFirstPartials_equalsThePlainMerge() throws {
        let dir = try Workdir()
        let header = "记录编号,受赠组织统一社会信用代码,受赠组织名称,资金来源,捐赠方,捐赠方行业,金额,其中现金及有价证券,物资折价,捐赠日期,用途,受益地区,受益人次\n"
        func row(_ id: String, _ amount: Int) -> String {
            "\(id),53420000MJ0003B24T,湖北省慈善总会,企业捐赠,某公司,制造业,\(amount),,,2020-02-01,救灾,湖北省,1\n"
        }
        let added = try dir.file("c_fund.csv", header + row("N1", 7) + row("F1", 99) + row("N2", 8) + row("N1", 9))
        func build(_ kind: PartialKind, _ path: String) throws -> Partial {
            let job = try PartialJob.make(kind: kind, path: path, asOf: asOf, referenceHash: "test")
            try PartialBuilder.build(job, in: dir.path + "/partials", regions: try regions(), threads: 2)
            return try Partial(folder: dir.path + "/partials/" + job.key + PartialFormat.suffix, verify: true)
        }
        let regs = [try build(.registrations, Fixtures.path("normalize/registrations_every_defect_utf8.csv"))]
        let fund = try build(.funding, Fixtures.path("normalize/funding_every_defect_utf8.csv"))
        let funds = [fund, fund, try build(.funding, added)]
        let settings = AggregateSettings(asOf: asOf, threads: 2)
        func tables(_ folder: String) throws -> [String: Data] {
            var out: [String: Data] = [:]
            for f in try FileManager.default.contentsOfDirectory(atPath: folder) where f.hasSuffix(".csv.gz") {
                out[f] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + f))
            }
            return out
        }
        let plain = try MergeStage.run(registrations: regs, funding: funds, regions: try regions(), settings: settings,
                                       folder: dir.path + "/plain")
        let state = dir.path + "/first.state"
        let first = try MergeStage.run(registrations: regs, funding: Array(funds.prefix(2)), regions: try regions(), settings: settings,
                                       folder: dir.path + "/first", reusingQuarantine: nil, resumingFrom: nil, savingState: state)
        XCTAssertEqual(first.resumed, 0)
        let resumed = try MergeStage.run(registrations: regs, funding: funds, regions: try regions(), settings: settings,
                                         folder: dir.path + "/resumed", reusingQuarantine: nil, resumingFrom: state,
                                         savingState: dir.path + "/resumed.state")
        XCTAssertEqual(resumed.resumed, 2)
        XCTAssertEqual(resumed.result, plain)
        // The added file: F1 is the first file's, N1 its own second row (the file settled that).
        XCTAssertEqual(resumed.result.normalize.fundingFiles.map(\.duplicates), [1, 6, 2])
        XCTAssertEqual(try tables(dir.path + "/resumed"), try tables(dir.path + "/plain"))
        XCTAssertFalse(try tables(dir.path + "/plain").isEmpty)
        // A state of other partials (not a prefix): a plain merge, the same tables.
        let other = try MergeStage.run(registrations: regs, funding: [funds[2], fund], regions: try regions(), settings: settings,
                                       folder: dir.path + "/other", reusingQuarantine: nil, resumingFrom: state, savingState: nil)
        XCTAssertEqual(other.resumed, 0)
    }
}
