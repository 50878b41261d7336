/// What a funding receipt is for: the 14 labels of DATA.md §2. The raw value is the
/// Chinese label, which is also what the outputs carry (DATA.md §4).
///
/// Which purposes count as relief is pipeline configuration (`relief_purposes`); this type
/// only holds the default, in DATA.md §2's order.
public enum Purpose: String, Sendable, Hashable, CaseIterable {
    /// DATA.md §2: 疫情防控, 救灾, 应急救援, 脱贫攻坚, 扶贫 — the one home of the default.
    public static let defaultRelief: [Purpose] = [.epidemicControl, .disasterRelief, .emergencyRescue, .povertyEradication, .povertyAlleviation]

    case epidemicControl = "疫情防控"
    case disasterRelief = "救灾"
    case emergencyRescue = "应急救援"
    case povertyEradication = "脱贫攻坚"
    case ruralRevitalization = "乡村振兴"
    case povertyAlleviation = "扶贫"
    case elderlyCare = "养老"
    case disabilityAssistance = "助残"
    case children = "儿童"
    case education = "教育"
    case healthcare = "医疗"
    case environment = "环保"
    case communityService = "社区服务"
    /// 其他, and any label not in the list (with the warning `purpose_unknown`)
    case other = "其他"
}
