extension SectorStatsError.Code {
    /// An exact integer sum left the range of its type (money in `Int64` fen). Never wrapped.
    public static let arithmeticOverflow = SectorStatsError.Code(rawValue: "arithmeticOverflow")
}

/// The exact integer arithmetic of the output tables (DATA.md §4): money in `Int64` fen,
/// sums checked for overflow, percentages rounded half away from zero from the exact
/// ratio, and both written with exactly two decimals.
enum FixedPoint {
    /// `total += value`, or an `arithmeticOverflow` error naming `what` instead of a wrap.
    @inline(__always)
    static func add(_ total: inout Int64, _ value: Int64, _ what: @autoclosure () -> String) throws(SectorStatsError) {
        let (sum, overflow) = total.addingReportingOverflow(value)
        if overflow { throw overflowError(what()) }
        total = sum
    }

    /// `a + b`, or an `arithmeticOverflow` error naming `what`.
    @inline(__always)
    static func sum(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(SectorStatsError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw overflowError(what()) }
        return sum
    }

    static func overflowError(_ what: String) -> SectorStatsError {
        SectorStatsError(
            .arithmeticOverflow,
            "\(what) exceeds 92233720368547758.07 yuan, the largest exact sum in Int64 fen; "
                + "check the amounts of the funding table (a unit error such as 亿 for 元?)")
    }

    /// `numerator / denominator × 100` in hundredths of a percent, rounded half away from
    /// zero from the exact ratio; nil when the denominator is 0.
    ///
    /// Exact: with a = |numerator| × 10⁴ and b = |denominator| (in 128 bits, so no product
    /// overflows), ⌊(2a + b) / 2b⌋ = ⌊a/b + ½⌋ is a/b rounded half up; the sign is applied
    /// afterwards, which makes it half away from zero.
    static func percentHundredths(_ numerator: Int64, of denominator: Int64) -> Int128? {
        guard denominator != 0 else { return nil }
        let a = Int128(numerator.magnitude) * 10_000
        let b = Int128(denominator.magnitude)
        let q = (2 * a + b) / (2 * b)
        return (numerator < 0) != (denominator < 0) ? -q : q
    }

    /// `numerator / denominator × 100` with two decimals, or "" when the denominator is 0.
    static func percentText(_ numerator: Int64, of denominator: Int64) -> String {
        percentHundredths(numerator, of: denominator).map(text(hundredths:)) ?? ""
    }

    /// Fen as yuan with exactly two decimals: 927795920000 → `9277959200.00`.
    static func yuan(_ fen: Int64) -> String {
        text(hundredths: Int128(fen))
    }

    /// A count of hundredths with exactly two decimals: -5 → `-0.05`, 12345 → `123.45`.
    static func text(hundredths value: Int128) -> String {
        let magnitude = value.magnitude
        let whole = magnitude / 100
        let cents = Int(magnitude % 100)
        return (value < 0 ? "-" : "") + String(whole) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    /// A six-digit code, zero-padded (`000000` for the national row).
    static func code(_ value: Int) -> String {
        let digits = String(value)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }
}
