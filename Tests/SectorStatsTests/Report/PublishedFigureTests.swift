import XCTest
@testable import SectorStats

final class PublishedFigureTests: XCTestCase {
    func testLoad_theBundledExample() throws {
        let figures = try PublishedFigure.load(path: Fixtures.repoRoot + "/datasets/published/figures.csv")
        let stock = figures.filter { $0.metric == .activeStock }
        XCTAssertEqual(stock.map(\.year), [2012, 2015, 2016, 2019, 2020])
        XCTAssertEqual(stock.last?.value, 890_000)
        XCTAssertEqual(figures.first { $0.metric == .donationsYuan && $0.year == 2018 }?.value, 9_197_000_000_000)
    }

    func testLoad_whenMissing_namesTheFile() throws {
        XCTAssertThrowsError(try PublishedFigure.load(path: "/nonexistent/figures.csv")) { error in
            let e = error as? SectorStatsError
            XCTAssertEqual(e?.code, .inputRefused)
            XCTAssertEqual(e?.file, "/nonexistent/figures.csv")
        }
    }

    func testLoad_whenMalformed_namesFileAndLine() throws {
        let dir = try Workdir()
        let cases: [(String, Int, String)] = [
            ("year,metric,value,source\n2012,active_stock,320000,a\n2015,stock,530000,b\n", 3, "metric"),
            ("year,metric,value,source\n20x2,active_stock,320000,a\n", 2, "year"),
            ("year,metric,value,source\n2012,active_stock,32万,a\n", 2, "value"),
            ("year,metric,value,source\n2012,donations_yuan,1.234,a\n", 2, "value"),
            ("year,metric,value,source\n2012,active_stock,1,a,extra\n", 2, ""),
            ("year,metric,amount,source\n", 1, ""),
        ]
        for (i, (text, line, field)) in cases.enumerated() {
            let path = try dir.file("bad\(i).csv", text)
            XCTAssertThrowsError(try PublishedFigure.load(path: path), text) { error in
                let e = error as? SectorStatsError
                XCTAssertEqual(e?.code, .corruptData, text)
                XCTAssertEqual(e?.file, path, text)
                XCTAssertEqual(e?.line, line, text)
                if !field.isEmpty { XCTAssertEqual(e?.field, field, text) }
            }
        }
    }

    func testPipelineKey_published_isOptional() throws {
        let base = "version: 1\nname: t\n"
        XCTAssertNil(try PipelineDefinition.parse(base, file: "t.yml").published)
        XCTAssertEqual(try PipelineDefinition.parse(base + "published: ../datasets/published/figures.csv\n", file: "t.yml").published,
                       "../datasets/published/figures.csv")
        XCTAssertThrowsError(try PipelineDefinition.parse(base + "published: [a, b]\n", file: "t.yml")) { error in
            XCTAssertEqual((error as? SectorStatsError)?.field, "published")
        }
    }

    func testComparison_differencePercent() {
        let f = PublishedFigure(year: 2020, metric: .activeStock, value: 890_000, source: "", line: 2)
        XCTAssertEqual(ReportFigures.Comparison(figure: f, computed: 979_000).differencePct ?? 0, 10, accuracy: 1e-9)
        XCTAssertNil(ReportFigures.Comparison(figure: f, computed: nil).differencePct)
    }
}
