import Foundation

/// The report as an Excel workbook: an About sheet (run facts, inputs, row accounting,
/// quarantine, what each sheet holds), one sheet per published table with real numbers
/// and number formats, and a Charts sheet whose native charts read the data blocks beside
/// them. The same outputs give the same bytes: the document's creation time is the as-of date.
public enum WorkbookReport {
    /// The sheet names in order, for `lang`.
    public static func sheetNames(_ lang: ReportLanguage) -> [String] {
        [aboutSheet(lang)] + ReportTable.allCases.map { $0.title(lang) } + [chartsSheet(lang)]
    }

    static func aboutSheet(_ lang: ReportLanguage) -> String { lang == .zh ? "说明" : "About" }
    static func chartsSheet(_ lang: ReportLanguage) -> String { lang == .zh ? "图表" : "Charts" }

    /// Excel's last row (1-based 1,048,576), less the header.
    static let maxRows = 1_048_575

    public static func write(_ input: ReportInput, lang: ReportLanguage, to path: String) throws {
        let figures = ReportFigures(input, lang: lang)
        let zh = lang == .zh
        let created = asOfDate(input.manifest.asOf)
        let wb = try XlsxWorkbook(path: path, title: (zh ? "社会组织统计报告 " : "sectorstats report ") + input.manifest.pipeline, created: created)
        for name in sheetNames(lang) { try wb.addSheet(name) }
        try writeAbout(input, figures, lang, wb)
        for t in ReportTable.allCases { try writeTable(input.table(t), lang, wb) }
        try writeCharts(figures, lang, wb)
        try wb.close()
    }

    /// Midnight UTC of the as-of date (`2021-12-31`), or the epoch when it does not parse.
    static func asOfDate(_ s: String) -> Date {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let d = CivilDate(year: parts[0], month: parts[1], day: parts[2]) else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: Double(d.dayNumber) * 86_400)
    }

    /// Display columns of a text (CJK counts two), for column widths.
    static func width(_ s: String) -> Int { TerminalTable.width(of: s) }

    static func style(_ kind: ReportTable.Kind, column: String) -> XlsxWorkbook.Style {
        switch kind {
        case .text: .text
        case .integer: column == "year" ? .year : .integer
        case .yuan: .yuan
        case .percent: .percent
        }
    }

    static func writeCell(_ cell: ReportCell, _ style: XlsxWorkbook.Style, _ sheet: String, _ row: Int, _ col: Int, _ wb: XlsxWorkbook) throws {
        switch cell {
        case .empty: break
        case .text(let s): if !s.isEmpty { try wb.write(sheet, row, col, text: s) }
        default: if let n = cell.number { try wb.write(sheet, row, col, number: n, style: style) }
        }
    }

    /// Shown width of a cell: its text, plus thousands separators for formatted numbers.
    static func shownWidth(_ cell: ReportCell) -> Int {
        switch cell {
        case .integer, .fen:
            let t = cell.text
            let digits = t.prefix { $0 != "." }.filter(\.isNumber).count
            return t.count + max(0, (digits - 1) / 3)
        case .hundredths: return cell.text.count + 1
        default: return width(cell.text)
        }
    }

    static func writeTable(_ table: ReportInput.Table, _ lang: ReportLanguage, _ wb: XlsxWorkbook) throws {
        let sheet = table.kind.title(lang)
        let columns = table.kind.columns
        var widths = columns.map { min(width($0.title(lang)), 24) }
        for (c, column) in columns.enumerated() { try wb.write(sheet, 0, c, text: column.title(lang), style: .header) }
        let rows = table.rows.prefix(maxRows)
        for (r, row) in rows.enumerated() {
            for (c, column) in columns.enumerated() {
                try writeCell(row[c], style(column.kind, column: column.name), sheet, r + 1, c, wb)
                if r < 5_000 { widths[c] = max(widths[c], shownWidth(row[c])) }
            }
        }
        for (c, w) in widths.enumerated() { try wb.columnWidth(sheet, c, Double(min(w, 60)) + 2.5) }
        try wb.tableLayout(sheet, headerRow: 0, lastRow: rows.count, lastColumn: columns.count - 1)
    }

    static func writeAbout(_ input: ReportInput, _ figures: ReportFigures, _ lang: ReportLanguage, _ wb: XlsxWorkbook) throws {
        let zh = lang == .zh
        let sheet = aboutSheet(lang)
        let m = input.manifest
        var row = 0
        var widths = [14, 30, 12, 12, 12, 12, 12, 12, 66]
        func put(_ cells: [ReportCell]) throws {
            for (c, cell) in cells.enumerated() {
                try writeCell(cell, .integer, sheet, row, c, wb)
                if c > 0, c < widths.count { widths[c] = min(max(widths[c], shownWidth(cell) + 2), 70) }
            }
            row += 1
        }
        func section(_ title: String) throws {
            row += 1
            try wb.write(sheet, row, 0, text: title, style: .title)
            row += 1
        }
        func header(_ titles: [String]) throws {
            for (c, t) in titles.enumerated() { try wb.write(sheet, row, c, text: t, style: .header) }
            row += 1
        }
        try wb.write(sheet, row, 0, text: (zh ? "社会组织统计报告" : "Social-organization sector report") + " — " + m.pipeline, style: .title)
        row += 2
        try put([.text(zh ? "流水线" : "Pipeline"), .text(m.pipeline)])
        try put([.text(zh ? "截止日期" : "As of"), .text(m.asOf)])
        try put([.text(zh ? "运行时间" : "Ran at"), .text(input.ranAt ?? (zh ? "未知" : "unknown"))])
        try put([.text(zh ? "程序版本" : "Program"), .text("sectorstats " + SectorStatsVersion.string)])

        try section(zh ? "输入文件" : "Inputs")
        try header(zh ? ["类型", "文件", "编码", "字节", "读取行数", "接受", "隔离", "重复", "SHA-256"]
                      : ["Kind", "File", "Encoding", "Bytes", "Rows read", "Accepted", "Quarantined", "Duplicates", "SHA-256"])
        for i in m.inputs {
            try put([.text(i.kind), .text(i.path), .text(i.encoding), .integer(i.bytes), .integer(Int64(i.rowsRead)),
                     .integer(Int64(i.accepted)), .integer(Int64(i.quarantined)), .integer(Int64(i.duplicates)), .text(i.sha256)])
        }

        try section(zh ? "行数核对（读取 = 接受 + 隔离 + 重复）" : "Row accounting (read = accepted + quarantined + duplicates)")
        try header(zh ? ["来源", "读取行数", "接受", "隔离", "重复", "核对"] : ["Source", "Rows read", "Accepted", "Quarantined", "Duplicates", "Balances"])
        for (name, s) in m.sources.sorted(by: { $0.key > $1.key }) {
            let ok = s.rowsRead == s.accepted + s.quarantined + s.duplicates
            try put([.text(name), .integer(Int64(s.rowsRead)), .integer(Int64(s.accepted)), .integer(Int64(s.quarantined)),
                     .integer(Int64(s.duplicates)), .text(ok ? (zh ? "是" : "yes") : (zh ? "否" : "no"))])
        }

        try section(zh ? "隔离行（按原因）" : "Quarantined rows by reason")
        try header(zh ? ["文件", "原因", "行数"] : ["File", "Reason", "Rows"])
        if input.quarantine.isEmpty { try put([.text(zh ? "（无）" : "(none)")]) }
        for q in input.quarantine { try put([.text(q.source), .text(q.reason), .integer(Int64(q.rows))]) }

        if !figures.comparisons.isEmpty {
            try section(zh ? "公布数与计算数" : "Published and computed figures")
            try header(zh ? ["年份", "指标", "公布数", "计算数", "差异(%)", "来源"] : ["Year", "Metric", "Published", "Computed", "Difference (%)", "Source"])
            for c in figures.comparisons {
                let yuan = c.figure.metric == .donationsYuan
                try wb.write(sheet, row, 0, number: Double(c.figure.year), style: .year)
                try wb.write(sheet, row, 1, text: c.figure.metric.title(lang))
                try wb.write(sheet, row, 2, number: c.figure.number, style: yuan ? .yuan : .integer)
                if let v = c.computed { try wb.write(sheet, row, 3, number: v, style: yuan ? .yuan : .integer) }
                if let d = c.differencePct { try wb.write(sheet, row, 4, number: d / 100, style: .percent) }
                try wb.write(sheet, row, 5, text: c.figure.source)
                row += 1
            }
        }

        try section(zh ? "工作表" : "Sheets")
        try header(zh ? ["工作表", "内容", "行数"] : ["Sheet", "What it holds", "Rows"])
        for t in ReportTable.allCases {
            let n = input.table(t).rows.count
            var what = t.summary(lang) + " (\(t.fileName))"
            if n == 0 { what += zh ? "；本次运行没有数据" : "; this run has no rows" }
            if n > maxRows { what += zh ? "；超过Excel行数上限，只含前\(maxRows)行" : "; only the first \(maxRows) rows fit in Excel" }
            try put([.text(t.title(lang)), .text(what), .integer(Int64(n))])
        }
        try put([.text(chartsSheet(lang)), .text(zh ? "图表及其数据：全国存量、同比、资金按用途和来源、现金与物资、各省救助、前20位捐赠方"
                                                  : "Charts and their data: national stock, YoY, funding by purpose and source, cash and in kind, relief by province, top 20 funders")])
        widths[1] = max(widths[1], 40)
        for (c, w) in widths.enumerated() { try wb.columnWidth(sheet, c, Double(w)) }
        try wb.printLayout(sheet)
    }

    static func writeCharts(_ figures: ReportFigures, _ lang: ReportLanguage, _ wb: XlsxWorkbook) throws {
        let sheet = chartsSheet(lang)
        var row = 0
        var maxSeries = 1
        for chart in figures.charts {
            maxSeries = max(maxSeries, chart.series.count)
            try wb.write(sheet, row, 0, text: chart.title, style: .title)
            let head = row + 1
            try wb.write(sheet, head, 0, text: chart.categoryTitle, style: .header)
            for (s, series) in chart.series.enumerated() { try wb.write(sheet, head, s + 1, text: series.name, style: .header) }
            let style: XlsxWorkbook.Style = switch chart.unit {
            case .count: .integer
            case .yuan: .yuan
            case .percent: .percent
            }
            for (i, category) in chart.categories.enumerated() {
                try wb.write(sheet, head + 1 + i, 0, text: category)
                for (s, series) in chart.series.enumerated() {
                    guard let v = series.values[i] else { continue }
                    try wb.write(sheet, head + 1 + i, s + 1, number: chart.unit == .percent ? v / 100 : v, style: style)
                }
            }
            let tall = chart.categories.count > 16
            let chartRows = tall ? 32 : 21
            if chart.isEmpty {
                try wb.write(sheet, head + 1, 0, text: lang == .zh ? "（无数据）" : "(no data)")
            } else {
                let first = head + 1, last = head + chart.categories.count
                let series = chart.series.enumerated().map { s, series in
                    XlsxWorkbook.ChartSeries(name: series.name, categories: .init(sheet: sheet, firstRow: first, firstColumn: 0, lastRow: last, lastColumn: 0),
                                             values: .init(sheet: sheet, firstRow: first, firstColumn: s + 1, lastRow: last, lastColumn: s + 1),
                                             markersOnly: series.style == .points)
                }
                let kind: XlsxWorkbook.ChartKind = chart.horizontal ? (chart.stacked ? .barStacked : .bar)
                    : chart.series.first?.style == .line ? .line : (chart.stacked ? .columnStacked : .column)
                let format = switch chart.unit {
                case .count, .yuan: "#,##0"
                case .percent: "0%"
                }
                try wb.addChart(on: sheet, row: row, column: 5, kind: kind, title: chart.title, series: series, valueFormat: format,
                                categoryTitle: chart.categoryTitle, heightScale: tall ? 2.2 : 1.4)
            }
            row = head + max(chart.categories.count + 3, chartRows)
        }
        try wb.columnWidth(sheet, 0, 28)
        for c in 1...maxSeries { try wb.columnWidth(sheet, c, 16) }
        try wb.printLayout(sheet)
    }
}
