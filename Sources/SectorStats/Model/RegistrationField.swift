/// The columns of a registration export (登记信息导出), DATA.md §1; the raw value is the field name.
public enum RegistrationField: String, HeaderField {
    case name
    case uscc
    case type
    case authority
    case registeredOn = "registered_on"
    case status
    case deregisteredOn = "deregistered_on"
    case capital
    case legalRep = "legal_rep"
    case supervisor
    case scope
    case address
    case region
    case community
    case charity

    /// Every header spelling DATA.md §1 lists for the field.
    public var spellings: [String] {
        switch self {
        case .name: ["社会组织名称", "组织名称", "名称", "name", "org_name"]
        case .uscc: ["统一社会信用代码", "信用代码", "uscc", "credit_code"]
        case .type: ["社会组织类型", "组织类型", "类型", "type", "org_type"]
        case .authority: ["登记管理机关", "登记机关", "authority"]
        case .registeredOn: ["成立登记日期", "成立日期", "登记日期", "registered_on", "reg_date"]
        case .status: ["登记状态", "状态", "status"]
        case .deregisteredOn: ["注销日期", "注销/撤销日期", "deregistered_on"]
        case .capital: ["注册资金(万元)", "注册资金", "注册资本", "capital"]
        case .legalRep: ["法定代表人", "legal_rep"]
        case .supervisor: ["业务主管单位", "supervisor"]
        case .scope: ["业务范围", "scope"]
        case .address: ["住所", "地址", "address"]
        case .region: ["行政区划代码", "区划代码", "region_code"]
        case .community: ["社区社会组织", "是否社区社会组织", "community"]
        case .charity: ["慈善组织", "是否慈善组织", "charity"]
        }
    }

    public var isAmount: Bool { self == .capital }

    /// uscc, name, type, registered_on (DATA.md §1 "Required").
    public static let required: [RegistrationField] = [.uscc, .name, .type, .registeredOn]

    public static func missingRequired(among present: Set<RegistrationField>) -> [RegistrationField] {
        required.filter { !present.contains($0) }
    }
}
