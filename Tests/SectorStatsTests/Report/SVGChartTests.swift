import XCTest
@testable import SectorStats

final class SVGChartTests: XCTestCase {
    func testLinearScale_roundsToNiceTicks() {
        let s = LinearScale(min: 0, max: 4896, from: 300, to: 0)
        XCTAssertEqual(s.lower, 0)
        XCTAssertEqual(s.upper, 5000)
        XCTAssertEqual(s.ticks, [0, 1000, 2000, 3000, 4000, 5000])
        XCTAssertEqual(s(0), 300)
        XCTAssertEqual(s(5000), 0)
        XCTAssertEqual(s(2500), 150)
    }

    func testLinearScale_whenNegativeValues_includesZeroAndTheMinimum() {
        let s = LinearScale(min: -3.2, max: 12, from: 0, to: 100)
        XCTAssertEqual(s.lower, -5)
        XCTAssertEqual(s.upper, 15)
        XCTAssertTrue(s.ticks.contains(0))
    }

    func testLinearScale_whenAllZero_stillHasARange() {
        let s = LinearScale(min: 0, max: 0, from: 0, to: 100)
        XCTAssertGreaterThan(s.upper, s.lower)
        XCTAssertFalse(s(0).isNaN)
    }

    func testBandScale_splitsTheRangeEvenly() {
        let b = BandScale(count: 4, from: 0, to: 400, padding: 0.2)
        XCTAssertEqual(b.step, 100)
        XCTAssertEqual(b.bandwidth, 80)
        XCTAssertEqual(b.start(1), 110)
        XCTAssertEqual(b.center(3), 350)
    }

    func testFormat_shortAndExact() {
        XCTAssertEqual(SVGChart.format(320_000, .count, .zh), "32万")
        XCTAssertEqual(SVGChart.format(91_970_000_000, .yuan, .zh), "919.7亿")
        XCTAssertEqual(SVGChart.format(1_500_000, .yuan, .en), "1.5M")
        XCTAssertEqual(SVGChart.format(12.5, .percent, .en), "12.5%")
        XCTAssertEqual(SVGChart.format(1_234_567.5, .yuan, .zh, exact: true), "1,234,567.50")
        XCTAssertEqual(SVGChart.grouped(-1234, decimals: 0), "-1,234")
        XCTAssertEqual(SVGChart.grouped(999, decimals: 0), "999")
    }

    func testEscape_textForXML() {
        XCTAssertEqual(SVGChart.escape("A&B <c> \"d\""), "A&amp;B &lt;c&gt; &quot;d&quot;")
    }

    private func chart(_ series: [ReportFigures.Series], stacked: Bool = false, horizontal: Bool = false) -> ReportFigures.Chart {
        ReportFigures.Chart(id: "t", title: "标题 <x>", categoryTitle: "年份", categories: ["2019", "2020", "2021"],
                            series: series, unit: .count, stacked: stacked, horizontal: horizontal)
    }

    private func count(_ s: String, _ needle: String) -> Int { s.components(separatedBy: needle).count - 1 }

    func testRender_columns_drawsOneRectPerNonZeroValue_andAxes() {
        let svg = SVGChart.render(chart([.init(name: "a", values: [1, 0, 3], style: .column)]), lang: .zh)
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertEqual(count(svg, "<rect"), 2)
        XCTAssertEqual(count(svg, "class=\"axis\""), 2)
        XCTAssertTrue(svg.contains("标题 &lt;x&gt;"))
        XCTAssertFalse(svg.contains("class=\"legend\""), "one series needs no legend")
    }

    func testRender_stackedColumns_stackOnTopOfEachOther() {
        let svg = SVGChart.render(chart([.init(name: "a", values: [1, 1, 1], style: .column), .init(name: "b", values: [1, 1, 1], style: .column)],
                                        stacked: true), lang: .en, width: 400, height: 300)
        // Two series of equal values per category: the second starts where the first ends.
        let ys = svg.components(separatedBy: "<rect x=\"").dropFirst().filter { $0.contains("data-series") }.map { $0.components(separatedBy: "\"")[2] }
        XCTAssertEqual(ys.count, 6)
        XCTAssertNotEqual(ys[0], ys[3])
        XCTAssertTrue(svg.contains("class=\"legend\""))
    }

    func testRender_lineWithPublishedPoints() {
        let svg = SVGChart.render(chart([.init(name: "computed", values: [1, 2, 3], style: .line),
                                         .init(name: "published", values: [nil, 2.5, nil], style: .points)]), lang: .en)
        XCTAssertEqual(count(svg, "<polyline"), 1)
        XCTAssertEqual(count(svg, "data-series=\"1\""), 1, "one published point")
        XCTAssertEqual(count(svg, "<circle"), 3, "the point and the legend's two dots")
    }

    func testRender_horizontalBars_labelEveryCategory() {
        let svg = SVGChart.render(chart([.init(name: "a", values: [5, 6, 7], style: .column)], horizontal: true), lang: .zh)
        XCTAssertEqual(count(svg, "<rect"), 3)
        for c in ["2019", "2020", "2021"] { XCTAssertTrue(svg.contains(">\(c)</text>")) }
    }

    func testRender_whenEmpty_saysSo() {
        let empty = ReportFigures.Chart(id: "e", title: "t", categoryTitle: "c", categories: [], series: [], unit: .yuan)
        let svg = SVGChart.render(empty, lang: .zh)
        XCTAssertTrue(svg.contains("无数据"))
        XCTAssertFalse(svg.contains("<rect"))
    }

    func testRender_isDeterministic() {
        let c = chart([.init(name: "a", values: [1.23456, 2, 3], style: .column)])
        XCTAssertEqual(SVGChart.render(c, lang: .zh), SVGChart.render(c, lang: .zh))
    }
}
