/// Dense ordinals for the fixed-size arrays of the accumulators, and the output orders of
/// DATA.md §4 (text by UTF-8 bytes).

extension Purpose {
    /// The index in `allCases`.
    @inline(__always)
    public var ordinal: Int {
        switch self {
        case .epidemicControl: 0
        case .disasterRelief: 1
        case .emergencyRescue: 2
        case .povertyEradication: 3
        case .ruralRevitalization: 4
        case .povertyAlleviation: 5
        case .elderlyCare: 6
        case .disabilityAssistance: 7
        case .children: 8
        case .education: 9
        case .healthcare: 10
        case .environment: 11
        case .communityService: 12
        case .other: 13
        }
    }

    static let byOrdinal = allCases
    /// Matches a persisted field (the label) without a String; gives the ordinal.
    static let matcher = LabelMatcher(allCases.map(\.rawValue))
    /// Output order: by the label's UTF-8 bytes.
    static let outputOrder: [Purpose] = allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }
}

extension SourceType {
    /// The index in `allCases`.
    @inline(__always)
    public var ordinal: Int {
        switch self {
        case .corporate: 0
        case .individual: 1
        case .foundationGrant: 2
        case .governmentPurchase: 3
        case .governmentSubsidy: 4
        case .lotteryFund: 5
        case .other: 6
        }
    }

    static let byOrdinal = allCases
    /// Matches a persisted field (the key) without a String; gives the ordinal.
    static let matcher = LabelMatcher(allCases.map(\.rawValue))
    /// Output order: by the key's UTF-8 bytes.
    static let outputOrder: [SourceType] = allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }
}

extension OrgType {
    /// The index in `allCases`.
    @inline(__always)
    public var ordinal: Int {
        switch self {
        case .association: 0
        case .socialService: 1
        case .foundation: 2
        case .other: 3
        }
    }

    static let byOrdinal = allCases
    /// Matches a persisted field (the key) without a String; gives the ordinal.
    static let matcher = LabelMatcher(allCases.map(\.rawValue))
    /// Output order: by the key's UTF-8 bytes (association, foundation, other, social_service).
    static let outputOrder: [OrgType] = allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }
}
