import CXlsxWriter
import Foundation

/// An .xlsx file written with libxlsxwriter: the only Swift file that calls it. The
/// workbook is written to a temporary name beside `path` and renamed into place by
/// ``close()``, so a reader never sees half a file. Not thread-safe; one report at a time.
final class XlsxWorkbook {
    /// Number formats and styles the report uses, created once each.
    enum Style: Hashable {
        case header, text, integer, year, yuan, percent, title, wrap
    }

    /// A cell range on a sheet, zero-based and inclusive, as charts reference it.
    struct Range {
        var sheet: String
        var firstRow: Int
        var firstColumn: Int
        var lastRow: Int
        var lastColumn: Int
    }

    /// One series of a chart: values, categories, a name cell; `markersOnly` draws points.
    struct ChartSeries {
        var name: String
        var categories: Range
        var values: Range
        var markersOnly = false
    }

    enum ChartKind { case line, column, columnStacked, bar, barStacked }

    let path: String
    private let temporary: String
    // Owned C state: freed by workbook_close, which `close()` or `deinit` calls once.
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private var styles: [Style: UnsafeMutablePointer<lxw_format>] = [:]
    private var sheets: [String: UnsafeMutablePointer<lxw_worksheet>] = [:]
    /// C strings the library keeps pointers to until the workbook is closed.
    private var retained: [UnsafeMutablePointer<CChar>] = []

    /// `created` fixes the document's creation time, so equal content gives equal bytes.
    init(path: String, title: String, created: Date) throws {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        guard let wb = workbook_new(temporary) else {
            throw SectorStatsError(.fileNotWritable, file: path, "cannot create the workbook")
        }
        workbook = wb
        var props = lxw_doc_properties()
        props.title = keep(title)
        props.author = keep("sectorstats")
        props.created = time_t(created.timeIntervalSince1970)
        try check(workbook_set_properties(wb, &props), "set the document properties")
    }

    deinit {
        if let workbook {
            // Not closed by close(): discard the temporary file libxlsxwriter writes.
            _ = workbook_close(workbook)
            unlink(temporary)
        }
        for p in retained { free(p) }
    }

    private func keep(_ s: String) -> UnsafeMutablePointer<CChar>? {
        guard let p = strdup(s) else { return nil }
        retained.append(p)
        return p
    }

    private func check(_ e: lxw_error, _ what: String) throws {
        guard e != LXW_NO_ERROR else { return }
        throw SectorStatsError(.fileNotWritable, file: path, "cannot \(what): \(String(cString: lxw_strerror(e)))")
    }

    private func style(_ s: Style) -> UnsafeMutablePointer<lxw_format>? {
        if let f = styles[s] { return f }
        guard let wb = workbook, let f = workbook_add_format(wb) else { return nil }
        switch s {
        case .header:
            format_set_bold(f)
            format_set_bg_color(f, 0xDDE7F3)
            format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue))
            format_set_text_wrap(f)
        case .text: break
        case .integer: format_set_num_format(f, "#,##0")
        case .year: format_set_num_format(f, "0")
        case .yuan: format_set_num_format(f, "#,##0.00")
        case .percent: format_set_num_format(f, "0.00%")
        case .title:
            format_set_bold(f)
            format_set_font_size(f, 14)
        case .wrap: format_set_text_wrap(f)
        }
        styles[s] = f
        return f
    }

    private func sheet(_ name: String) throws -> UnsafeMutablePointer<lxw_worksheet> {
        guard let s = sheets[name] else { throw SectorStatsError(.internalError, file: path, "no sheet \(name)") }
        return s
    }

    func addSheet(_ name: String) throws {
        guard let wb = workbook, let ws = workbook_add_worksheet(wb, name) else {
            throw SectorStatsError(.fileNotWritable, file: path, "cannot add the sheet \(name)")
        }
        sheets[name] = ws
    }

    func write(_ sheet: String, _ row: Int, _ column: Int, text: String, style s: Style = .text) throws {
        try check(worksheet_write_string(try self.sheet(sheet), lxw_row_t(row), lxw_col_t(column), text, style(s)), "write a cell")
    }

    func write(_ sheet: String, _ row: Int, _ column: Int, number: Double, style s: Style) throws {
        guard number.isFinite else { return }
        try check(worksheet_write_number(try self.sheet(sheet), lxw_row_t(row), lxw_col_t(column), number, style(s)), "write a cell")
    }

    func columnWidth(_ sheet: String, _ column: Int, _ width: Double) throws {
        try check(worksheet_set_column(try self.sheet(sheet), lxw_col_t(column), lxw_col_t(column), width, nil), "set a column width")
    }

    /// Freezes the rows above `row`, filters the header row, prints landscape on A4.
    func tableLayout(_ sheet: String, headerRow: Int, lastRow: Int, lastColumn: Int) throws {
        let ws = try self.sheet(sheet)
        worksheet_freeze_panes(ws, lxw_row_t(headerRow + 1), 0)
        try check(worksheet_autofilter(ws, lxw_row_t(headerRow), 0, lxw_row_t(max(lastRow, headerRow)), lxw_col_t(lastColumn)), "set the autofilter")
        worksheet_set_landscape(ws)
        try printLayout(sheet)
    }

    /// Prints on A4, as wide as one page (as many pages down as it takes).
    func printLayout(_ sheet: String) throws {
        let ws = try self.sheet(sheet)
        worksheet_set_paper(ws, 9)  // A4
        worksheet_fit_to_pages(ws, 1, 0)
    }

    func addChart(on sheet: String, row: Int, column: Int, kind: ChartKind, title: String, series: [ChartSeries],
                  valueFormat: String, categoryTitle: String, widthScale: Double = 1.5, heightScale: Double = 1.4) throws {
        guard let wb = workbook else { return }
        let type: lxw_chart_type
        switch kind {
        case .line: type = LXW_CHART_LINE
        case .column: type = LXW_CHART_COLUMN
        case .columnStacked: type = LXW_CHART_COLUMN_STACKED
        case .bar: type = LXW_CHART_BAR
        case .barStacked: type = LXW_CHART_BAR_STACKED
        }
        guard let chart = workbook_add_chart(wb, UInt8(type.rawValue)) else {
            throw SectorStatsError(.fileNotWritable, file: path, "cannot add the chart \(title)")
        }
        chart_title_set_name(chart, title)
        chart_legend_set_position(chart, UInt8(series.count > 1 ? LXW_CHART_LEGEND_BOTTOM.rawValue : LXW_CHART_LEGEND_NONE.rawValue))
        for s in series {
            guard let cs = chart_add_series(chart, nil, nil) else { continue }
            chart_series_set_categories(cs, s.categories.sheet, lxw_row_t(s.categories.firstRow), lxw_col_t(s.categories.firstColumn),
                                        lxw_row_t(s.categories.lastRow), lxw_col_t(s.categories.lastColumn))
            chart_series_set_values(cs, s.values.sheet, lxw_row_t(s.values.firstRow), lxw_col_t(s.values.firstColumn),
                                    lxw_row_t(s.values.lastRow), lxw_col_t(s.values.lastColumn))
            chart_series_set_name(cs, s.name)
            if s.markersOnly {
                var none = lxw_chart_line()
                none.none = 1
                chart_series_set_line(cs, &none)
                chart_series_set_marker_type(cs, UInt8(LXW_CHART_MARKER_DIAMOND.rawValue))
                chart_series_set_marker_size(cs, 8)
            } else if kind == .line {
                chart_series_set_marker_type(cs, UInt8(LXW_CHART_MARKER_NONE.rawValue))
            }
        }
        // Bar charts (horizontal) keep the values on the X axis.
        let horizontal = kind == .bar || kind == .barStacked
        if let valueAxis = chart_axis_get(chart, horizontal ? LXW_CHART_AXIS_TYPE_X : LXW_CHART_AXIS_TYPE_Y) {
            chart_axis_set_num_format(valueAxis, valueFormat)
        }
        if let categoryAxis = chart_axis_get(chart, horizontal ? LXW_CHART_AXIS_TYPE_Y : LXW_CHART_AXIS_TYPE_X) {
            chart_axis_set_name(categoryAxis, categoryTitle)
            // The first category at the top, as in the table.
            if horizontal { chart_axis_set_reverse(categoryAxis) }
        }
        var options = lxw_chart_options()
        options.x_scale = widthScale
        options.y_scale = heightScale
        try check(worksheet_insert_chart_opt(try self.sheet(sheet), lxw_row_t(row), lxw_col_t(column), chart, &options), "insert the chart \(title)")
    }

    /// Writes the file and publishes it under its final name.
    func close() throws {
        guard let wb = workbook else { return }
        workbook = nil
        let e = workbook_close(wb)
        guard e == LXW_NO_ERROR else {
            unlink(temporary)
            throw SectorStatsError(.fileNotWritable, file: path, "cannot write the workbook: \(String(cString: lxw_strerror(e)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SectorStatsError(.fileNotWritable, file: path, "cannot publish the workbook: \(reason)")
        }
    }
}
