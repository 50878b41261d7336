/// A unit money is written in: 元, 万 (10^4 元) or 亿 (10^8 元).
///
/// Each unit fixes how many fen one unit is worth and how many decimals a value in it
/// may carry so that it is still a whole number of fen (DATA.md §5 "Amounts").
public enum AmountUnit: String, Sendable, Hashable, CaseIterable {
    case yuan = "元"
    case wan = "万"
    case yi = "亿"

    /// Fen in one unit: 元 = 100, 万 = 1,000,000, 亿 = 10,000,000,000.
    public var fenPerUnit: Int64 {
        switch self {
        case .yuan: 100
        case .wan: 1_000_000
        case .yi: 10_000_000_000
        }
    }

    /// The most decimals a value in this unit may have: 元 2, 万 6, 亿 10.
    public var maxDecimals: Int {
        switch self {
        case .yuan: 2
        case .wan: 6
        case .yi: 10
        }
    }
}
