/// The total of a funding receipt and its cash / in-kind parts, in fen (DATA.md §2, §5).
///
/// Built by ``resolve(amount:cash:inKind:)`` from the three optional columns:
/// - all three given: kept as given when |amount − cash − in_kind| ≤ 100 fen (1 元),
///   else `split_mismatch`;
/// - two given: the third is derived; a derived part below 0 → `split_mismatch`;
/// - only the amount: unsplit (`cash` and `inKind` nil);
/// - no amount and not both parts → `missing_required` (the caller reports it on amount).
public struct FundingSplit: Sendable, Hashable {
    /// The total value received.
    public let amount: Int64
    /// The cash and securities part; nil when the split is unknown.
    public let cash: Int64?
    /// The goods part; nil when the split is unknown.
    public let inKind: Int64?

    /// The largest |amount − cash − in_kind| kept as given: 1 元.
    public static let tolerance: Int64 = 100

    /// Whether cash and in-kind parts are known (both are, or neither).
    public var isSplit: Bool { cash != nil }

    private init(amount: Int64, cash: Int64?, inKind: Int64?) {
        self.amount = amount
        self.cash = cash
        self.inKind = inKind
    }

    /// Combines the parsed amount, cash and in_kind columns (each nil when empty).
    public static func resolve(amount: Int64?, cash: Int64?, inKind: Int64?) throws(FieldError) -> FundingSplit {
        switch (amount, cash, inKind) {
        case let (amount?, cash?, inKind?):
            let difference = amount - cash - inKind
            if abs(difference) > tolerance {
                throw FieldError(
                    .splitMismatch,
                    "amount \(yuan(amount)) is not cash \(yuan(cash)) + in_kind \(yuan(inKind)): they differ by "
                        + "\(yuan(abs(difference))) yuan, more than the 1.00 allowed")
            }
            return FundingSplit(amount: amount, cash: cash, inKind: inKind)
        case let (amount?, cash?, nil):
            guard cash <= amount else {
                throw FieldError(
                    .splitMismatch, "cash \(yuan(cash)) is more than the amount \(yuan(amount)): in_kind would be negative")
            }
            return FundingSplit(amount: amount, cash: cash, inKind: amount - cash)
        case let (amount?, nil, inKind?):
            guard inKind <= amount else {
                throw FieldError(
                    .splitMismatch, "in_kind \(yuan(inKind)) is more than the amount \(yuan(amount)): cash would be negative")
            }
            return FundingSplit(amount: amount, cash: amount - inKind, inKind: inKind)
        case let (nil, cash?, inKind?):
            return FundingSplit(amount: cash + inKind, cash: cash, inKind: inKind)
        case let (amount?, nil, nil):
            return FundingSplit(amount: amount, cash: nil, inKind: nil)
        case (nil, _, _):
            throw FieldError(.missingRequired, "no amount, and not both cash and in_kind to derive it from")
        }
    }

    /// `fen` as yuan with two decimals, for messages.
    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
