/// The report as one self-contained HTML page (inline CSS and SVG; no script, no network)
/// that reads on screen and prints on A4: headline figures, charts, the tables' first rows,
/// the quarantine summary and the run facts, each section on its own printed page.
/// Headline figures carry `data-figure` and `data-value` (the exact published value) so
/// tools can check them against the tables.
public enum HTMLReport {
    /// Rows of each table shown in the page; the workbook has them all.
    public static let rowsShown = 20

    public static func render(_ input: ReportInput, lang: ReportLanguage) -> String {
        let zh = lang == .zh
        let figures = ReportFigures(input, lang: lang)
        let m = input.manifest
        let title = (zh ? "社会组织统计报告" : "Social-organization sector report") + " — " + m.pipeline
        var h = "<!DOCTYPE html>\n<html lang=\"\(zh ? "zh-CN" : "en")\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>\(e(title))</title>\n<style>\(css)</style>\n</head>\n<body>\n"
        h += "<header><h1>\(e(title))</h1><p class=\"facts\">"
        h += e(zh ? "截止日期 \(m.asOf) · 运行时间 \(input.ranAt ?? "未知")" : "As of \(m.asOf) · ran at \(input.ranAt ?? "unknown")")
        h += "</p></header>\n"

        // Headline figures.
        h += "<section id=\"headlines\"><h2>\(zh ? "主要指标" : "Headline figures")</h2>\n"
        if figures.headlines.isEmpty {
            h += note(zh ? "本次运行的表格没有数据，无法给出主要指标。" : "The run's tables hold no rows: there are no headline figures.")
        } else {
            h += "<div class=\"figures\">\n"
            for f in figures.headlines {
                h += "<div class=\"figure\" id=\"figure-\(f.id)\" data-figure=\"\(f.id)\" data-year=\"\(f.year.map(String.init) ?? "")\" data-value=\"\(e(f.cell.text))\">"
                h += "<div class=\"label\">\(e(f.label))\(f.year.map { " (\($0))" } ?? "")</div><div class=\"value\">\(e(display(f.cell, lang)))</div></div>\n"
            }
            h += "</div>\n"
        }
        if !figures.comparisons.isEmpty {
            h += "<h3>\(zh ? "公布数与计算数" : "Published and computed figures")</h3>\n<table class=\"data\" id=\"published\"><thead><tr>"
            for t in zh ? ["年份", "指标", "公布数", "计算数", "差异", "来源"] : ["Year", "Metric", "Published", "Computed", "Difference", "Source"] {
                h += "<th>\(e(t))</th>"
            }
            h += "</tr></thead><tbody>\n"
            for c in figures.comparisons {
                let yuan = c.figure.metric == .donationsYuan
                h += "<tr><td>\(c.figure.year)</td><td>\(e(c.figure.metric.title(lang)))</td>"
                h += "<td class=\"num\">\(SVGChart.grouped(c.figure.number, decimals: yuan ? 2 : 0))</td>"
                h += "<td class=\"num\">\(c.computed.map { SVGChart.grouped($0, decimals: yuan ? 2 : 0) } ?? "—")</td>"
                h += "<td class=\"num\">\(c.differencePct.map { (($0 > 0) ? "+" : "") + SVGChart.grouped($0, decimals: 1) + "%" } ?? "—")</td>"
                h += "<td>\(e(c.figure.source))</td></tr>\n"
            }
            h += "</tbody></table>\n"
            h += note(zh ? "差异 = (计算数 − 公布数) / 公布数。计算数只覆盖本次运行的输入文件。"
                         : "Difference = (computed − published) / published. Computed figures cover only this run's input files.")
        }
        h += "</section>\n"

        // Charts.
        h += "<section id=\"charts\"><h2>\(zh ? "图表" : "Charts")</h2>\n"
        for chart in figures.charts {
            h += "<figure>" + SVGChart.render(chart, lang: lang) + "</figure>\n"
        }
        h += "</section>\n"

        // Tables.
        h += "<section id=\"tables\"><h2>\(zh ? "数据表" : "Tables")</h2>\n"
        for t in ReportTable.allCases {
            let table = input.table(t)
            h += "<h3 id=\"table-\(t.rawValue)\">\(e(t.title(lang)))</h3>\n<p class=\"summary\">\(e(t.summary(lang)))</p>\n"
            if table.rows.isEmpty {
                h += note(zh ? "本次运行没有数据。" : "This run has no rows.")
                continue
            }
            h += "<table class=\"data\" data-table=\"\(t.rawValue)\"><thead><tr>"
            for c in t.columns { h += "<th>\(e(c.title(lang)))</th>" }
            h += "</tr></thead><tbody>\n"
            for row in table.rows.prefix(rowsShown) {
                h += "<tr>"
                for (i, c) in t.columns.enumerated() {
                    h += c.kind == .text ? "<td>\(e(row[i].text))</td>" : "<td class=\"num\">\(e(display(row[i], lang)))</td>"
                }
                h += "</tr>\n"
            }
            h += "</tbody></table>\n"
            if table.rows.count > rowsShown {
                h += note(zh ? "只显示前\(rowsShown)行，共\(table.rows.count)行；完整数据见工作簿或 sectorstats export \(t.rawValue)。"
                             : "The first \(rowsShown) of \(table.rows.count) rows; the workbook and `sectorstats export \(t.rawValue)` have them all.")
            }
        }
        h += "</section>\n"

        // Quarantine.
        h += "<section id=\"quarantine\"><h2>\(zh ? "隔离行" : "Quarantined rows")</h2>\n"
        if input.quarantine.isEmpty {
            h += note(zh ? "没有隔离行。" : "No row was quarantined.")
        } else {
            h += "<table class=\"data\"><thead><tr><th>\(zh ? "文件" : "File")</th><th>\(zh ? "原因" : "Reason")</th><th>\(zh ? "行数" : "Rows")</th></tr></thead><tbody>\n"
            for q in input.quarantine {
                h += "<tr><td>\(e(q.source))</td><td>\(e(q.reason))</td><td class=\"num\">\(SVGChart.grouped(Double(q.rows), decimals: 0))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }
        h += "</section>\n"

        // Run facts.
        h += "<section id=\"run\"><h2>\(zh ? "运行情况" : "The run")</h2>\n<dl class=\"facts\">"
        h += "<dt>\(zh ? "流水线" : "Pipeline")</dt><dd>\(e(m.pipeline))</dd><dt>\(zh ? "截止日期" : "As of")</dt><dd>\(e(m.asOf))</dd>"
        h += "<dt>\(zh ? "运行时间" : "Ran at")</dt><dd>\(e(input.ranAt ?? "—"))</dd><dt>\(zh ? "程序" : "Program")</dt><dd>sectorstats \(SectorStatsVersion.string)</dd></dl>\n"
        h += "<h3>\(zh ? "行数核对" : "Row accounting")</h3>\n<table class=\"data\"><thead><tr>"
        for t in zh ? ["来源", "读取行数", "接受", "隔离", "重复"] : ["Source", "Rows read", "Accepted", "Quarantined", "Duplicates"] { h += "<th>\(t)</th>" }
        h += "</tr></thead><tbody>\n"
        for (name, s) in m.sources.sorted(by: { $0.key > $1.key }) {
            h += "<tr><td>\(e(name))</td>" + [s.rowsRead, s.accepted, s.quarantined, s.duplicates].map { "<td class=\"num\">\(SVGChart.grouped(Double($0), decimals: 0))</td>" }.joined() + "</tr>\n"
        }
        h += "</tbody></table>\n<h3>\(zh ? "输入文件" : "Inputs")</h3>\n<table class=\"data inputs\"><thead><tr>"
        for t in zh ? ["文件", "读取行数", "接受", "隔离", "重复", "SHA-256"] : ["File", "Rows read", "Accepted", "Quarantined", "Duplicates", "SHA-256"] { h += "<th>\(t)</th>" }
        h += "</tr></thead><tbody>\n"
        for i in m.inputs {
            h += "<tr><td>\(e(i.path))</td>" + [i.rowsRead, i.accepted, i.quarantined, i.duplicates].map { "<td class=\"num\">\(SVGChart.grouped(Double($0), decimals: 0))</td>" }.joined()
            h += "<td class=\"hash\">\(e(i.sha256))</td></tr>\n"
        }
        h += "</tbody></table>\n</section>\n"
        h += "<footer id=\"end\">sectorstats \(SectorStatsVersion.string)</footer>\n</body>\n</html>\n"
        return h
    }

    /// A cell as the page shows it: grouped digits, two decimals for money, `%` for percentages.
    static func display(_ cell: ReportCell, _ lang: ReportLanguage) -> String {
        switch cell {
        case .empty: "—"
        case .text(let s): s
        case .integer(let v): SVGChart.grouped(Double(v), decimals: 0)
        case .fen(let v): (v < 0 ? "-" : "") + SVGChart.grouped(Double(v.magnitude / 100), decimals: 0) + "." + String(ReportCell.decimal(Int64(v.magnitude % 100)).suffix(2))
        case .hundredths: cell.text + "%"
        }
    }

    static func note(_ s: String) -> String { "<p class=\"note\">\(e(s))</p>\n" }
    static func e(_ s: String) -> String { SVGChart.escape(s) }

    static let css = """

        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", sans-serif;
               color: #1a202c; margin: 0 auto; max-width: 960px; padding: 16px 24px; font-size: 14px; line-height: 1.5; }
        h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; border-bottom: 2px solid #2b6cb0; padding-bottom: 4px; margin-top: 28px; }
        h3 { font-size: 15px; margin: 18px 0 4px; }
        .facts { color: #4a5568; } .summary { color: #4a5568; margin: 0 0 6px; } .note { color: #718096; font-size: 12px; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; }
        .figure { border: 1px solid #cbd5e0; border-radius: 6px; padding: 8px 12px; break-inside: avoid; }
        .figure .label { color: #4a5568; font-size: 12px; } .figure .value { font-size: 20px; font-weight: bold; font-variant-numeric: tabular-nums; }
        figure { margin: 12px 0; break-inside: avoid; } svg.chart { max-width: 100%; height: auto; display: block; }
        svg .chart-title { font-size: 14px; font-weight: bold; fill: #1a202c; } svg .tick, svg .legend-label { font-size: 11px; fill: #4a5568; }
        svg .axis-title, svg .chart-note { font-size: 12px; fill: #4a5568; } svg .axis { stroke: #4a5568; } svg .grid { stroke: #e2e8f0; }
        table.data { border-collapse: collapse; width: 100%; font-size: 12px; margin: 4px 0; }
        table.data th, table.data td { border: 1px solid #e2e8f0; padding: 2px 6px; text-align: left; }
        table.data th { background: #edf2f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.hash { font-family: monospace; font-size: 10px; word-break: break-all; }
        tr { break-inside: avoid; } thead { display: table-header-group; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } dl.facts dd { margin: 0; }
        footer { color: #a0aec0; font-size: 11px; margin-top: 24px; }
        @page { size: A4; margin: 14mm 12mm; }
        @media print { body { max-width: none; padding: 0; font-size: 11px; } section + section { break-before: page; }
                       h2 { margin-top: 0; } table.data { font-size: 10px; } }

        """
}
