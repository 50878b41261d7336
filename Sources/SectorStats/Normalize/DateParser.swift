/// Parses the date formats of DATA.md §3 and §5 "Dates" into a ``CivilDate``.
///
/// Accepted after the value normalization:
/// - `Y-M-D`, `Y/M/D`, `Y.M.D` — one separator used twice, a 4-digit year, 1–2 digit
///   month and day (`2020-12-08`, `2020/12/8`, `2020.12.08`);
/// - `YYYYMMDD` (`20201208`);
/// - `Y年M月D日` (`2020年12月8日`);
/// - each optionally followed by a time of day `H:MM` or `H:MM:SS` (hour 0–23, minute and
///   second 00–59), after one or more spaces (none needed after 日); the time is dropped;
/// - an Excel serial day: exactly 5 digits, day 0 = 1899-12-30 (44173 = 2020-12-08).
///
/// Years must lie in 1000–2999. Anything else → `date_impossible`; a date after `asOf` →
/// `date_future`; empty → nil.
public enum DateParser {
    /// Excel's day 0, 1899-12-30, as a ``CivilDate/dayNumber``.
    public static let excelEpochDayNumber = -25_569

    /// The date in `raw` (UTF-8 bytes of one field as read), or nil when empty.
    /// `asOf` is the run's as-of date; later dates are `date_future`. Allocates nothing
    /// unless it throws.
    public static func parse(_ raw: UnsafeBufferPointer<UInt8>, asOf: CivilDate?) throws(FieldError) -> CivilDate? {
        let outcome = ValueText.withNormalized(raw) { scan($0) }
        switch outcome {
        case .empty:
            return nil
        case .date(let year, let month, let day):
            guard year >= 1000, year <= 2999 else {
                throw FieldError(.dateImpossible, "\"\(ValueText.display(raw))\": year \(year) is outside 1000–2999")
            }
            guard let date = CivilDate(year: year, month: month, day: day) else {
                throw FieldError(.dateImpossible, "\(isoText(year, month, day)) is not a calendar date")
            }
            if let asOf, asOf < date {
                throw FieldError(.dateFuture, "\(date) is after the as-of date \(asOf)")
            }
            return date
        case .serial(let serial):
            guard let date = CivilDate(dayNumber: excelEpochDayNumber + serial) else {
                throw FieldError(.dateImpossible, "\"\(ValueText.display(raw))\" is not an Excel day")
            }
            if let asOf, asOf < date {
                throw FieldError(.dateFuture, "Excel day \(serial) = \(date) is after the as-of date \(asOf)")
            }
            return date
        case .badTime:
            throw FieldError(
                .dateImpossible,
                "\"\(ValueText.display(raw))\" has an invalid time part: expected H:MM or H:MM:SS after the date "
                    + "(hour 0–23, minute and second 00–59)")
        case .shape:
            throw FieldError(
                .dateImpossible,
                "\"\(ValueText.display(raw))\" is not a date: expected YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYYMMDD, "
                    + "YYYY年M月D日 (optionally with a time H:MM[:SS]) or a 5-digit Excel day")
        }
    }

    /// String convenience for ``parse(_:asOf:)-(UnsafeBufferPointer<UInt8>,_)``.
    public static func parse(_ text: String, asOf: CivilDate?) throws(FieldError) -> CivilDate? {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try parse(raw, asOf: asOf) }
    }

    // MARK: - Scanner

    enum Outcome {
        case empty
        /// Year, month, day as written: not yet checked against the calendar.
        case date(Int, Int, Int)
        case serial(Int)
        case badTime
        case shape
    }

    static func scan(_ value: UnsafeBufferPointer<UInt8>) -> Outcome {
        if value.isEmpty { return .empty }
        var cursor = ByteCursor(value)
        guard let (leading, length) = cursor.number(maxCount: 9) else { return .shape }
        if cursor.digit() != nil { return .shape }
        let year: Int
        let month: Int
        let day: Int
        var spaceOptional = false
        switch length {
        case 5:
            return cursor.isAtEnd ? .serial(leading) : .shape
        case 8:
            year = leading / 10_000
            month = leading / 100 % 100
            day = leading % 100
        case 4:
            year = leading
            if cursor.consume(CJK.nian) {
                guard let (m, _) = cursor.number(maxCount: 2), cursor.consume(CJK.yue),
                      let (d, _) = cursor.number(maxCount: 2), cursor.consume(CJK.ri)
                else { return .shape }
                (month, day) = (m, d)
                spaceOptional = true
            } else {
                guard let separator = cursor.peek(), separator == 0x2D || separator == 0x2F || separator == 0x2E,
                      cursor.consume(separator),
                      let (m, _) = cursor.number(maxCount: 2), cursor.consume(separator),
                      let (d, _) = cursor.number(maxCount: 2)
                else { return .shape }
                (month, day) = (m, d)
            }
        default:
            return .shape
        }
        if cursor.isAtEnd { return .date(year, month, day) }
        if !spaceOptional, cursor.peek().map({ $0 >= 0x30 && $0 <= 0x39 }) == true { return .shape }  // a 3rd digit
        return timeOfDay(&cursor, spaceOptional: spaceOptional) ? .date(year, month, day) : .badTime
    }

    /// Consumes `spaces H:MM[:SS]` to the end of the value; false when it is not a valid time.
    private static func timeOfDay(_ cursor: inout ByteCursor, spaceOptional: Bool) -> Bool {
        var spaces = 0
        while cursor.consume(0x20) { spaces += 1 }
        guard spaces > 0 || spaceOptional,
              let (hour, _) = cursor.number(maxCount: 2), hour <= 23, cursor.consume(0x3A),
              let (minute, minuteDigits) = cursor.number(maxCount: 2), minuteDigits == 2, minute <= 59
        else { return false }
        if cursor.consume(0x3A) {
            guard let (second, secondDigits) = cursor.number(maxCount: 2), secondDigits == 2, second <= 59 else {
                return false
            }
        }
        return cursor.isAtEnd
    }

    private static func isoText(_ year: Int, _ month: Int, _ day: Int) -> String {
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(pad(month))-\(pad(day))"
    }
}
