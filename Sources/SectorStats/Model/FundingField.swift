/// The columns of a funding export (资金/捐赠导出), DATA.md §2; the raw value is the field name.
public enum FundingField: String, HeaderField {
    case recordID = "record_id"
    case recipientUSCC = "recipient_uscc"
    case recipientName = "recipient_name"
    case sourceType = "source_type"
    case funder
    case funderIndustry = "funder_industry"
    case amount
    case cash
    case inKind = "in_kind"
    case receivedOn = "received_on"
    case purpose
    case region
    case beneficiaries

    /// Every header spelling DATA.md §2 lists for the field.
    public var spellings: [String] {
        switch self {
        case .recordID: ["记录编号", "编号", "流水号", "record_id", "id"]
        case .recipientUSCC: ["受赠组织统一社会信用代码", "受赠方信用代码", "承接组织信用代码", "recipient_uscc"]
        case .recipientName: ["受赠组织名称", "受赠方", "承接组织", "recipient_name"]
        case .sourceType: ["资金来源", "来源类型", "source_type"]
        case .funder: ["捐赠方", "资助方", "购买方", "funder"]
        case .funderIndustry: ["捐赠方行业", "行业", "funder_industry"]
        case .amount: ["金额", "捐赠总额", "总额", "amount"]
        case .cash: ["其中现金及有价证券", "现金", "现金及有价证券", "cash"]
        case .inKind: ["物资折价", "物资", "非现金", "in_kind"]
        case .receivedOn: ["捐赠日期", "到账日期", "日期", "received_on", "date"]
        case .purpose: ["用途", "捐赠用途", "项目领域", "purpose"]
        case .region: ["受益地区", "受益地区代码", "beneficiary_region"]
        case .beneficiaries: ["受益人次", "beneficiaries"]
        }
    }

    public var isAmount: Bool { self == .amount || self == .cash || self == .inKind }

    /// record_id, recipient_uscc, received_on, purpose; the money rule is in ``missingRequired(among:)``.
    public static let required: [FundingField] = [.recordID, .recipientUSCC, .receivedOn, .purpose]

    /// The required fields absent from `present`; `amount` when there is neither an amount
    /// column nor both cash and in_kind columns.
    public static func missingRequired(among present: Set<FundingField>) -> [FundingField] {
        var missing = required.filter { !present.contains($0) }
        if !present.contains(.amount), !(present.contains(.cash) && present.contains(.inKind)) {
            missing.append(.amount)
        }
        return missing
    }
}
