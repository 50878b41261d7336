/// Parses money values into an exact whole number of fen (0.01 元), DATA.md §3 and §5 "Amounts".
///
/// After the value normalization every space is removed, then the value must be:
/// optional `-`, optional ￥ or ¥, digits (optionally grouped by commas in threes),
/// optional decimals, optional unit 亿元 | 亿 | 万元 | 万 | 元. A number without a unit is
/// in the caller's `bareUnit` (元, or 万 under a "(万元)" header). Integer arithmetic only.
///
/// - `amount_garbage`: not of that shape, more decimals than the unit allows
///   (元 2, 万 6, 亿 10), or more than 18 digits of fen.
/// - `amount_negative`: a well-formed amount below zero (`-0` is zero, not negative).
/// - empty → `nil`; whether that is allowed is the caller's decision.
public enum AmountParser {
    /// The largest amount accepted: 18 digits of fen.
    public static let maxFen: Int64 = 999_999_999_999_999_999

    /// The amount in `raw` (UTF-8 bytes of one field as read) in fen, or nil when empty.
    /// Allocates nothing unless it throws.
    public static func parse(
        _ raw: UnsafeBufferPointer<UInt8>,
        bareUnit: AmountUnit = .yuan
    ) throws(FieldError) -> Int64? {
        let outcome = ValueText.withNormalized(raw) { scan($0, bareUnit: bareUnit) }
        switch outcome {
        case .empty: return nil
        case .fen(let fen): return fen
        case .failure(let failure): throw error(failure, raw: raw)
        }
    }

    /// String convenience for ``parse(_:bareUnit:)-(UnsafeBufferPointer<UInt8>,_)``.
    public static func parse(_ text: String, bareUnit: AmountUnit = .yuan) throws(FieldError) -> Int64? {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try parse(raw, bareUnit: bareUnit) }
    }

    // MARK: - Scanner

    enum Failure {
        case shape
        case grouping
        case decimals(unit: AmountUnit, count: Int)
        case overflow
        case negative
    }

    enum Outcome {
        case empty
        case fen(Int64)
        case failure(Failure)
    }

    static func scan(_ value: UnsafeBufferPointer<UInt8>, bareUnit: AmountUnit) -> Outcome {
        var cursor = ByteCursor(value, skipsSpaces: true)
        if cursor.isAtEnd { return .empty }
        let negative = cursor.consume(0x2D)  // -
        if !cursor.consume(CJK.fullWidthYen) { _ = cursor.consume(CJK.yen) }

        // Integer part, with commas in threes when grouped.
        var integer: Int64 = 0
        var overflow = false
        var digits = 0
        var groupLength = 0
        var grouped = false
        while true {
            if let d = cursor.digit() {
                if !overflow { (integer, overflow) = appendDigit(integer, d) }
                digits += 1
                groupLength += 1
            } else if cursor.consume(0x2C) {  // ,
                if grouped ? groupLength != 3 : (groupLength == 0 || groupLength > 3) {
                    return .failure(digits == 0 ? .shape : .grouping)
                }
                grouped = true
                groupLength = 0
            } else {
                break
            }
        }
        if digits == 0 { return .failure(.shape) }
        if grouped, groupLength != 3 { return .failure(.grouping) }

        // Decimals: only the first 11 matter (亿 allows 10; more is an error anyway).
        var fraction: Int64 = 0
        var decimals = 0
        if cursor.consume(0x2E) {  // .
            while let d = cursor.digit() {
                if decimals < 11 { fraction = fraction * 10 + d }
                decimals += 1
            }
            if decimals == 0 { return .failure(.shape) }
        }

        var unit = bareUnit
        if cursor.consume(CJK.yi) {
            unit = .yi
            _ = cursor.consume(CJK.yuan)
        } else if cursor.consume(CJK.wan) {
            unit = .wan
            _ = cursor.consume(CJK.yuan)
        } else if cursor.consume(CJK.yuan) {
            unit = .yuan
        }
        if !cursor.isAtEnd { return .failure(.shape) }
        if decimals > unit.maxDecimals { return .failure(.decimals(unit: unit, count: decimals)) }
        if overflow { return .failure(.overflow) }

        var scale: Int64 = 1
        for _ in decimals..<unit.maxDecimals { scale *= 10 }
        let (whole, o1) = integer.multipliedReportingOverflow(by: unit.fenPerUnit)
        let (fen, o2) = whole.addingReportingOverflow(fraction * scale)
        if o1 || o2 || fen > maxFen { return .failure(.overflow) }
        if negative, fen != 0 { return .failure(.negative) }
        return .fen(fen)
    }

    @inline(__always)
    private static func appendDigit(_ value: Int64, _ digit: Int64) -> (Int64, Bool) {
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(digit)
        return (sum, o1 || o2 || sum > maxFen)
    }

    private static func error(_ failure: Failure, raw: UnsafeBufferPointer<UInt8>) -> FieldError {
        let shown = "\"\(ValueText.display(raw))\""
        switch failure {
        case .shape:
            return FieldError(
                .amountGarbage,
                "\(shown) is not an amount: expected [-][￥]digits[.decimals][元|万|万元|亿|亿元], e.g. 1,234.50 or 7.4亿元")
        case .grouping:
            return FieldError(.amountGarbage, "\(shown) is not an amount: commas must group the digits in threes (1,234,567)")
        case .decimals(let unit, let count):
            return FieldError(
                .amountGarbage,
                "\(shown) has \(count) decimals: an amount in \(unit.rawValue) allows at most \(unit.maxDecimals)")
        case .overflow:
            return FieldError(.amountGarbage, "\(shown) is too large: more than 18 digits of fen")
        case .negative:
            return FieldError(.amountNegative, "\(shown) is negative: amounts must be 0 or more")
        }
    }
}
