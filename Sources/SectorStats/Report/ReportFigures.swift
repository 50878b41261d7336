/// The figures a report shows beyond the tables: the headline numbers for the as-of year,
/// the data behind each chart, and published figures beside computed ones. Computed once
/// from a ``ReportInput`` so that the workbook and the HTML report show the same numbers.
public struct ReportFigures: Sendable {
    /// One value kind for a chart series or a headline.
    public enum Unit: Sendable, Equatable { case count, yuan, percent }

    /// A series of a chart: one value per category (nil where there is none).
    public struct Series: Sendable {
        public enum Style: Sendable, Equatable { case column, line, points }
        public var name: String
        public var values: [Double?]
        public var style: Style
    }

    /// The data of one chart: categories along one axis, one or more series.
    public struct Chart: Sendable {
        public var id: String
        public var title: String
        public var categoryTitle: String
        public var categories: [String]
        public var series: [Series]
        public var unit: Unit
        public var stacked = false
        /// Bars along the horizontal axis (long category names such as funders).
        public var horizontal = false
        public var isEmpty: Bool { categories.isEmpty }
    }

    /// A headline figure (`id` names it in the HTML: `data-figure="active_end"`).
    public struct Headline: Sendable {
        public var id: String
        public var label: String
        public var year: Int?
        public var cell: ReportCell
        public var unit: Unit
    }

    /// A published figure with the run's own value for the same year and metric.
    public struct Comparison: Sendable {
        public var figure: PublishedFigure
        public var computed: Double?
        /// (computed − published) / published × 100; nil when either is missing or 0.
        public var differencePct: Double? {
            guard let computed, figure.number != 0 else { return nil }
            return (computed - figure.number) / figure.number * 100
        }
    }

    public var headlines: [Headline] = []
    public var charts: [Chart] = []
    public var comparisons: [Comparison] = []

    public init(_ input: ReportInput, lang: ReportLanguage) {
        let zh = lang == .zh
        let growth = input.table(.growthTrends)
        let funding = input.table(.fundingSummary)
        let relief = input.table(.reliefCoverage)
        let funders = input.table(.topFunders)
        let national = growth.rows(where: "scope_code", is: "000000")
        let asOf = input.asOfYear

        func int(_ c: ReportCell) -> Int? { if case .integer(let v) = c { Int(v) } else { nil } }
        func fen(_ c: ReportCell) -> Int64 { if case .fen(let v) = c { v } else { 0 } }
        func col(_ t: ReportInput.Table, _ name: String) -> Int { t.column(name) ?? 0 }
        /// The as-of year when the rows hold it, else their latest year.
        func pick(_ years: [Int]) -> Int? { years.contains(where: { $0 == asOf }) ? asOf : years.max() }

        // Active stock.
        let gYear = col(growth, "year")
        let stockYear = pick(national.compactMap { int($0[gYear]) })
        if let row = national.first(where: { int($0[gYear]) == stockYear }) {
            headlines.append(Headline(id: "active_end", label: zh ? "年末存量" : "Active at year end", year: stockYear, cell: row[col(growth, "active_end")], unit: .count))
            headlines.append(Headline(id: "net_change", label: zh ? "净增" : "Net change", year: stockYear, cell: row[col(growth, "net_change")], unit: .count))
            headlines.append(Headline(id: "yoy_pct", label: zh ? "同比增长" : "YoY", year: stockYear, cell: row[col(growth, "yoy_pct")], unit: .percent))
        }

        // Funding totals of one year, summed exactly in fen.
        let fYear = col(funding, "year")
        let fundingYears = funding.rows.compactMap { int($0[fYear]) }
        let fundingYear = pick(fundingYears)
        if let fundingYear {
            let rows = funding.rows.filter { int($0[fYear]) == fundingYear }
            for (id, column, label) in [("funding_total", "total_yuan", zh ? "资金总额(元)" : "Funding (yuan)"),
                                        ("funding_cash", "cash_yuan", zh ? "现金及有价证券(元)" : "Cash (yuan)"),
                                        ("funding_in_kind", "in_kind_yuan", zh ? "物资折价(元)" : "In kind (yuan)")] {
                let i = col(funding, column)
                headlines.append(Headline(id: id, label: label, year: fundingYear, cell: .fen(rows.reduce(0) { $0 + fen($1[i]) }), unit: .yuan))
            }
        }

        // Relief coverage: the national row.
        let rYear = col(relief, "year")
        let reliefNational = relief.rows(where: "province_code", is: "000000")
        let reliefYear = pick(reliefNational.compactMap { int($0[rYear]) })
        if let row = reliefNational.first(where: { int($0[rYear]) == reliefYear }) {
            headlines.append(Headline(id: "relief_orgs", label: zh ? "参与救助组织" : "Relief organizations", year: reliefYear, cell: row[col(relief, "relief_orgs")], unit: .count))
            headlines.append(Headline(id: "relief_org_share_pct", label: zh ? "参与比例" : "Relief share", year: reliefYear, cell: row[col(relief, "relief_org_share_pct")], unit: .percent))
            headlines.append(Headline(id: "relief_yuan", label: zh ? "救助资金(元)" : "Relief (yuan)", year: reliefYear, cell: row[col(relief, "relief_yuan")], unit: .yuan))
            headlines.append(Headline(id: "county_coverage_pct", label: zh ? "县级覆盖率" : "County coverage", year: reliefYear, cell: row[col(relief, "county_coverage_pct")], unit: .percent))
        }

        // Charts.
        let yearTitle = zh ? "年份" : "Year"
        let stockYears = national.map { $0[gYear].text }
        var published: [Double?] = Array(repeating: nil, count: stockYears.count)
        for f in input.published where f.metric == .activeStock {
            if let i = stockYears.firstIndex(of: String(f.year)) { published[i] = f.number }
        }
        var stockSeries = [Series(name: zh ? "年末存量" : "Active at year end", values: national.map { $0[col(growth, "active_end")].plotted }, style: .line)]
        if published.contains(where: { $0 != nil }) {
            stockSeries.append(Series(name: zh ? "公布数" : "Published", values: published, style: .points))
        }
        charts.append(Chart(id: "stock", title: zh ? "全国社会组织年末存量" : "National active organizations",
                            categoryTitle: yearTitle, categories: stockYears, series: stockSeries, unit: .count))
        charts.append(Chart(id: "yoy", title: zh ? "全国存量同比增长" : "National active stock, YoY",
                            categoryTitle: yearTitle, categories: stockYears,
                            series: [Series(name: zh ? "同比增长" : "YoY", values: national.map { $0[col(growth, "yoy_pct")].plotted }, style: .column)],
                            unit: .percent))

        // Funding by purpose and source type, latest funding year.
        let latestFunding = fundingYears.max()
        let fRows = funding.rows.filter { int($0[fYear]) == latestFunding }
        let (pI, sI, tI) = (col(funding, "purpose"), col(funding, "source_type"), col(funding, "total_yuan"))
        let purposes = Purpose.allCases.map(\.rawValue).filter { p in fRows.contains { $0[pI].text == p } }
        let sources = SourceType.allCases.filter { s in fRows.contains { $0[sI].text == s.rawValue } }
        let bySource = sources.map { s in
            Series(name: zh ? s.label : s.rawValue, values: purposes.map { p -> Double? in
                let fenSum = fRows.filter { $0[pI].text == p && $0[sI].text == s.rawValue }.reduce(Int64(0)) { $0 + fen($1[tI]) }
                return Double(fenSum) / 100
            }, style: .column)
        }
        charts.append(Chart(id: "funding_purpose", title: (zh ? "资金按用途和来源" : "Funding by purpose and source") + (latestFunding.map { " (\($0))" } ?? ""),
                            categoryTitle: zh ? "用途" : "Purpose", categories: purposes, series: bySource, unit: .yuan, stacked: true))

        // Cash, in kind and unsplit by year.
        let years = Array(Set(fundingYears)).sorted()
        let split = [("cash_yuan", zh ? "现金及有价证券" : "Cash"), ("in_kind_yuan", zh ? "物资折价" : "In kind"), ("unsplit_yuan", zh ? "未拆分" : "Unsplit")]
        charts.append(Chart(id: "cash_in_kind", title: zh ? "现金与物资(按年)" : "Cash and in kind by year", categoryTitle: yearTitle,
                            categories: years.map(String.init), series: split.map { column, name in
                                let i = col(funding, column)
                                return Series(name: name, values: years.map { y -> Double? in
                                    Double(funding.rows.filter { int($0[fYear]) == y }.reduce(Int64(0)) { $0 + fen($1[i]) }) / 100
                                }, style: .column)
                            }, unit: .yuan, stacked: true))

        // Relief coverage by province, latest relief year (national row left out).
        let latestRelief = relief.rows.compactMap { int($0[rYear]) }.max()
        let provinces = relief.rows.filter { int($0[rYear]) == latestRelief && $0[col(relief, "province_code")].text != "000000" }
        charts.append(Chart(id: "relief_province", title: (zh ? "各省参与救助组织比例" : "Relief share by province") + (latestRelief.map { " (\($0))" } ?? ""),
                            categoryTitle: zh ? "省份" : "Province", categories: provinces.map { $0[col(relief, "province")].text },
                            series: [Series(name: zh ? "参与比例" : "Relief share", values: provinces.map { $0[col(relief, "relief_org_share_pct")].plotted }, style: .column)],
                            unit: .percent, horizontal: true))

        // The top 20 funders.
        let top = Array(funders.rows.prefix(20))
        charts.append(Chart(id: "top_funders", title: zh ? "前20位捐赠方" : "Top 20 funders", categoryTitle: zh ? "捐赠方" : "Funder",
                            categories: top.map { $0[col(funders, "funder")].text },
                            series: [Series(name: zh ? "总额(元)" : "Total (yuan)", values: top.map { $0[col(funders, "total_yuan")].plotted }, style: .column)],
                            unit: .yuan, horizontal: true))

        // Published figures beside computed ones.
        comparisons = input.published.map { f in
            switch f.metric {
            case .activeStock:
                let row = national.first { int($0[gYear]) == f.year }
                return Comparison(figure: f, computed: row?[col(growth, "active_end")].plotted)
            case .donationsYuan:
                let rows = funding.rows.filter { int($0[fYear]) == f.year && ["corporate", "individual"].contains($0[sI].text) }
                return Comparison(figure: f, computed: rows.isEmpty ? nil : Double(rows.reduce(Int64(0)) { $0 + fen($1[tI]) }) / 100)
            }
        }
    }
}
