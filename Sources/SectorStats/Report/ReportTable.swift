/// The five published tables of DATA.md §4 as the report shows them: their columns, what
/// kind of value each holds, and the titles in each report language.
public enum ReportTable: String, CaseIterable, Sendable {
    case registrationsByYear = "registrations_by_year"
    case growthTrends = "growth_trends"
    case fundingSummary = "funding_summary"
    case reliefCoverage = "relief_coverage"
    case topFunders = "top_funders"

    /// What a column holds, which decides the cell type and number format.
    public enum Kind: Sendable, Equatable {
        /// Text, codes included (`000000` keeps its zeros).
        case text
        /// A whole number: counts, years, ranks.
        case integer
        /// Yuan with exactly two decimals, read as fen.
        case yuan
        /// A percentage with two decimals, read as hundredths of a percent.
        case percent
    }

    public struct Column: Sendable {
        public var name: String
        public var kind: Kind
        public var zh: String
        public var en: String
        public func title(_ lang: ReportLanguage) -> String { lang == .zh ? zh : en }
    }

    public var fileName: String { rawValue + ".csv.gz" }

    public var columns: [Column] {
        switch self {
        case .registrationsByYear:
            [c("year", .integer, "年份", "Year"), c("province_code", .text, "省级区划代码", "Province code"),
             c("province", .text, "省份", "Province"), c("org_type", .text, "组织类型", "Type"),
             c("new", .integer, "新登记", "New"), c("deregistered", .integer, "注销/撤销", "Deregistered"),
             c("active_end", .integer, "年末存量", "Active at year end"), c("active_yoy_pct", .percent, "存量同比", "Active YoY")]
        case .growthTrends:
            [c("scope_code", .text, "范围代码", "Scope code"), c("scope", .text, "范围", "Scope"), c("year", .integer, "年份", "Year"),
             c("active_end", .integer, "年末存量", "Active at year end"), c("net_change", .integer, "净增", "Net change"),
             c("yoy_pct", .percent, "同比增长", "YoY"), c("cagr_3y_pct", .percent, "3年复合增长率", "3-year CAGR"),
             c("cagr_5y_pct", .percent, "5年复合增长率", "5-year CAGR")]
        case .fundingSummary:
            [c("year", .integer, "年份", "Year"), c("purpose", .text, "用途", "Purpose"), c("source_type", .text, "资金来源", "Source type"),
             c("records", .integer, "笔数", "Records"), c("total_yuan", .yuan, "总额(元)", "Total (yuan)"),
             c("cash_yuan", .yuan, "现金及有价证券(元)", "Cash (yuan)"), c("in_kind_yuan", .yuan, "物资折价(元)", "In kind (yuan)"),
             c("unsplit_yuan", .yuan, "未拆分(元)", "Unsplit (yuan)"), c("in_kind_share_pct", .percent, "物资占比", "In-kind share")]
        case .reliefCoverage:
            [c("year", .integer, "年份", "Year"), c("province_code", .text, "省级区划代码", "Province code"), c("province", .text, "省份", "Province"),
             c("active_orgs", .integer, "年末存量组织", "Active organizations"), c("relief_orgs", .integer, "参与救助组织", "Relief organizations"),
             c("relief_org_share_pct", .percent, "参与比例", "Relief share"), c("relief_yuan", .yuan, "救助资金(元)", "Relief (yuan)"),
             c("beneficiaries", .integer, "受益人次", "Beneficiaries"), c("counties", .integer, "县级区划数", "Counties"),
             c("counties_with_relief", .integer, "覆盖县数", "Counties reached"), c("county_coverage_pct", .percent, "县级覆盖率", "County coverage")]
        case .topFunders:
            [c("rank", .integer, "排名", "Rank"), c("funder", .text, "捐赠方", "Funder"), c("funder_industry", .text, "行业", "Industry"),
             c("records", .integer, "笔数", "Records"), c("total_yuan", .yuan, "总额(元)", "Total (yuan)"),
             c("cash_yuan", .yuan, "现金及有价证券(元)", "Cash (yuan)"), c("in_kind_yuan", .yuan, "物资折价(元)", "In kind (yuan)"),
             c("share_pct", .percent, "占比", "Share"), c("cumulative_share_pct", .percent, "累计占比", "Cumulative share")]
        }
    }

    /// The sheet name (at most 31 characters, as Excel requires) and section title.
    public func title(_ lang: ReportLanguage) -> String {
        switch (self, lang) {
        case (.registrationsByYear, .zh): "登记年度统计"
        case (.growthTrends, .zh): "增长趋势"
        case (.fundingSummary, .zh): "资金汇总"
        case (.reliefCoverage, .zh): "救助覆盖"
        case (.topFunders, .zh): "主要捐赠方"
        case (.registrationsByYear, .en): "Registrations by year"
        case (.growthTrends, .en): "Growth trends"
        case (.fundingSummary, .en): "Funding summary"
        case (.reliefCoverage, .en): "Relief coverage"
        case (.topFunders, .en): "Top funders"
        }
    }

    /// One line on what the table holds, for the About sheet and the HTML sections.
    public func summary(_ lang: ReportLanguage) -> String {
        switch (self, lang) {
        case (.registrationsByYear, .zh): "按年份、省份、组织类型统计的新登记、注销/撤销和年末存量"
        case (.growthTrends, .zh): "全国及各省年末存量、净增、同比和3年/5年复合增长率"
        case (.fundingSummary, .zh): "按年份、用途、资金来源统计的资金，含现金与物资拆分"
        case (.reliefCoverage, .zh): "各省参与救助的组织数、救助资金、受益人次和县级覆盖"
        case (.topFunders, .zh): "全部资金中最大的100个捐赠方及其占比"
        case (.registrationsByYear, .en): "New, deregistered and active organizations per year, province and type"
        case (.growthTrends, .en): "National and provincial active stock, net change, YoY and 3/5-year CAGR"
        case (.fundingSummary, .en): "Funding per year, purpose and source type, with the cash / in-kind split"
        case (.reliefCoverage, .en): "Organizations, money, beneficiaries and counties reached by relief per province"
        case (.topFunders, .en): "The 100 largest funders over all funding, with their shares"
        }
    }
}

private func c(_ name: String, _ kind: ReportTable.Kind, _ zh: String, _ en: String) -> ReportTable.Column {
    ReportTable.Column(name: name, kind: kind, zh: zh, en: en)
}

/// The report's language: Chinese (the default) or English.
public enum ReportLanguage: String, CaseIterable, Sendable {
    case zh, en
}
