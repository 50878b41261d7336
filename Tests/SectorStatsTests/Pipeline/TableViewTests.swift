import XCTest
@testable import SectorStats

/// Report exports: formats, and spreadsheet formula injection neutralised (OWASP).
final class TableViewTests: XCTestCase {
    private let header = ["rank", "funder", "total_yuan"]
    private let rows = [["1", "=HYPERLINK(\"x\")", "-12.50"], ["2", "+cmd|' /C calc'!A0", "100.00"], ["3", "@SUM(A1)", "0.00"],
                        ["4", "-2+3", "1.00"], ["5", "某|公司", "2.00"]]

    func testRender_whenCSV_prefixesFormulaCellsButNotNumbers() {
        let csv = TableView.render(header: header, rows: rows, format: .csv)
        XCTAssertEqual(csv, """
            rank,funder,total_yuan
            1,"'=HYPERLINK(""x"")",-12.50
            2,'+cmd|' /C calc'!A0,100.00
            3,'@SUM(A1),0.00
            4,'-2+3,1.00
            5,某|公司,2.00

            """)
    }

    func testRender_whenMarkdown_escapesPipes() {
        let md = TableView.render(header: header, rows: [rows[4]], format: .md)
        XCTAssertEqual(md, "| rank | funder | total_yuan |\n| --- | --- | --- |\n| 5 | 某\\|公司 | 2.00 |\n")
    }

    func testRender_whenTSV_replacesTabsInCells() {
        let tsv = TableView.render(header: ["a"], rows: [["x\ty"], ["\tz"]], format: .tsv)
        XCTAssertEqual(tsv, "a\nx y\n' z\n")
    }
}
