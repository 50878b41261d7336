import XCTest
@testable import SectorStats

/// Pipeline files: version 1, every key checked, errors name the key path.
final class PipelineDefinitionTests: XCTestCase {
    func testParse_whenFullFile_readsEverySetting() throws {
        let p = try PipelineDefinition.parse("""
            version: 1
            name: demo
            as_of: 2021-12-31
            output: ../outputs/demo
            gzip_level: 9
            threads: 3
            max_quarantine_pct: 5
            relief_purposes: [疫情防控, 救灾]
            sources:
              registrations:
                - ../datasets/raw/registrations/*.csv
                - path: ../x.tsv
                  encoding: gb18030
                  delimiter: tab
                  aliases: {机构名称: name}
              funding:
                - path: f.csv.gz
            """, file: "demo.yml")
        XCTAssertEqual(p.name, "demo")
        XCTAssertEqual(p.asOf, CivilDate(year: 2021, month: 12, day: 31))
        XCTAssertEqual(p.gzipLevel, 9)
        XCTAssertEqual(p.threads, 3)
        XCTAssertEqual(p.maxQuarantinePct, 5)
        XCTAssertEqual(p.reliefPurposes, [.epidemicControl, .disasterRelief])
        XCTAssertEqual(p.registrations.count, 2)
        XCTAssertEqual(p.registrations[1].encoding, .fixed(.gb18030))
        XCTAssertEqual(p.registrations[1].delimiter, UInt8(ascii: "\t"))
        XCTAssertEqual(p.registrations[1].aliases, ["机构名称": "name"])
        XCTAssertEqual(p.funding.first?.path, "f.csv.gz")
    }

    func testParse_whenDefaults_useDataMdReliefList() throws {
        let p = try PipelineDefinition.parse("version: 1\nname: x\n", file: "x.yml")
        XCTAssertEqual(Set(p.reliefPurposes.map(\.rawValue)), ["疫情防控", "救灾", "应急救援", "脱贫攻坚", "扶贫"])
        XCTAssertNil(p.asOf)
        XCTAssertEqual(p.gzipLevel, 6)
    }

    private func assertRejected(_ yaml: String, path: String, _ contains: String, line: UInt = #line) {
        XCTAssertThrowsError(try PipelineDefinition.parse(yaml, file: "p.yml"), line: line) { error in
            let e = error as? SectorStatsError
            XCTAssertEqual(e?.code, .invalidPipeline, line: line)
            XCTAssertEqual(e?.field, path, line: line)
            XCTAssertTrue("\(error)".contains(contains), "\(error)", line: line)
        }
    }

    func testParse_whenUnknownKeyOrVersion_namesTheKeyPath() {
        assertRejected("version: 1\nname: x\ncolour: red\n", path: "colour", "unknown key")
        assertRejected("version: 2\nname: x\n", path: "version", "unsupported version 2")
        assertRejected("name: x\n", path: "version", "missing")
        assertRejected("version: 1\nname: x\nsources:\n  funding:\n    - path: a.csv\n      delimiter: '|'\n", path: "sources.funding[0].delimiter", "use")
        assertRejected("version: 1\nname: x\nsources:\n  funding:\n    - path: a.csv\n      encodng: utf-8\n", path: "sources.funding[0].encodng", "unknown key")
        assertRejected("version: 1\nname: x\nrelief_purposes: [救灾, 旅游]\n", path: "relief_purposes[1]", "not a purpose")
        assertRejected("version: 1\nname: x\nas_of: 2021-02-30\n", path: "as_of", "expected a date")
        assertRejected("version: 1\nname: x\ngzip_level: 0\n", path: "gzip_level", "1…9")
    }
}
