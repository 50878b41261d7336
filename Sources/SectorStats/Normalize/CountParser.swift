/// Parses the beneficiaries column (受益人次), DATA.md §2 and §5.
///
/// After the value normalization: 1–12 digits, or a decimal number followed by 万 whose
/// value is a whole number (`1.2万` = 12000, `3万` = 30000). Empty → 0. Anything else,
/// a fraction of a person (`1.23456万`) or more than 12 digits → `count_garbage`.
public enum CountParser {
    /// The largest count accepted: 12 digits.
    public static let maxCount: Int64 = 999_999_999_999

    /// The count in `raw` (UTF-8 bytes of one field as read). Allocates nothing unless it throws.
    public static func parse(_ raw: UnsafeBufferPointer<UInt8>) throws(FieldError) -> Int64 {
        if let count = ValueText.withNormalized(raw, scan) { return count }
        throw FieldError(
            .countGarbage,
            "\"\(ValueText.display(raw))\" is not a count: expected 1–12 digits or a whole number of 万 such as 1.2万")
    }

    /// String convenience for ``parse(_:)-(UnsafeBufferPointer<UInt8>)``.
    public static func parse(_ text: String) throws(FieldError) -> Int64 {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try parse(raw) }
    }

    /// The count, or nil when `value` is not one.
    static func scan(_ value: UnsafeBufferPointer<UInt8>) -> Int64? {
        if value.isEmpty { return 0 }
        var cursor = ByteCursor(value)
        var integer: Int64 = 0
        var digits = 0
        while let d = cursor.digit() {
            digits += 1
            if digits > 13 { return nil }
            integer = integer * 10 + d
        }
        if digits == 0 { return nil }
        // Decimals: the first four are 千 百 十 个 of the 万; the rest must be zeros.
        var fraction: Int64 = 0
        var decimals = 0
        let hasPoint = cursor.consume(0x2E)
        if hasPoint {
            while let d = cursor.digit() {
                if decimals < 4 {
                    fraction = fraction * 10 + d
                } else if d != 0 {
                    return nil
                }
                decimals += 1
            }
            if decimals == 0 { return nil }
        }
        if cursor.consume(CJK.wan) {
            guard cursor.isAtEnd, digits <= 8 else { return nil }
            for _ in min(decimals, 4)..<4 { fraction *= 10 }
            let count = integer * 10_000 + fraction
            return count <= maxCount ? count : nil
        }
        guard cursor.isAtEnd, !hasPoint, digits <= 12 else { return nil }
        return integer
    }
}
