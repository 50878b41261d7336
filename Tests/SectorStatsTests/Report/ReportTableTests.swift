import XCTest
@testable import SectorStats

final class ReportTableTests: XCTestCase {
    /// The report's column kinds and titles must describe the columns the aggregate stage writes.
    func testColumns_matchTheAggregateTables() {
        XCTAssertEqual(ReportTable.allCases.map(\.rawValue), AggregateTable.Kind.allCases.map(\.rawValue))
        for t in ReportTable.allCases {
            XCTAssertEqual(t.columns.map(\.name), AggregateTable.Kind(rawValue: t.rawValue)?.columns, t.rawValue)
            XCTAssertEqual(t.fileName, AggregateTable.Kind(rawValue: t.rawValue)?.fileName)
        }
    }

    func testSheetNames_fitExcelAndAreUnique() {
        for lang in ReportLanguage.allCases {
            let names = WorkbookReport.sheetNames(lang)
            XCTAssertEqual(Set(names).count, names.count)
            for n in names {
                XCTAssertFalse(n.isEmpty)
                XCTAssertLessThanOrEqual(n.count, 31, n)
                XCTAssertFalse(n.contains { "[]:*?/\\".contains($0) }, n)
            }
        }
    }

    func testEveryColumnHasTitles() {
        for t in ReportTable.allCases {
            for c in t.columns {
                XCTAssertFalse(c.zh.isEmpty)
                XCTAssertFalse(c.en.isEmpty)
            }
        }
    }
}
