/// Where a funding receipt's money or goods came from; the raw value is the output key
/// of DATA.md §2 and §4.
public enum SourceType: String, Sendable, Hashable, CaseIterable {
    /// 企业捐赠
    case corporate
    /// 个人捐赠
    case individual
    /// 基金会资助
    case foundationGrant = "foundation_grant"
    /// 政府购买服务
    case governmentPurchase = "government_purchase"
    /// 财政补助
    case governmentSubsidy = "government_subsidy"
    /// 彩票公益金
    case lotteryFund = "lottery_fund"
    /// 其他, and an absent or empty source
    case other

    /// The Chinese label of DATA.md §2.
    public var label: String {
        switch self {
        case .corporate: "企业捐赠"
        case .individual: "个人捐赠"
        case .foundationGrant: "基金会资助"
        case .governmentPurchase: "政府购买服务"
        case .governmentSubsidy: "财政补助"
        case .lotteryFund: "彩票公益金"
        case .other: "其他"
        }
    }
}
