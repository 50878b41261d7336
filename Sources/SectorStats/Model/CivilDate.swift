/// A calendar date (proleptic Gregorian) without time or zone: registration and receipt days.
///
/// Four bytes wide. `dayNumber` counts days from 1970-01-01 and orders dates; `description`
/// is the ISO form `yyyy-mm-dd` used in every output.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    private let storedYear: Int16
    private let storedMonth: UInt8
    private let storedDay: UInt8

    public var year: Int { Int(storedYear) }
    public var month: Int { Int(storedMonth) }
    public var day: Int { Int(storedDay) }

    /// The date, or nil when it is not a calendar date or the year is outside -32768...32767.
    public init?(year: Int, month: Int, day: Int) {
        guard year >= Int(Int16.min), year <= Int(Int16.max), month >= 1, month <= 12,
              day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        storedYear = Int16(year)
        storedMonth = UInt8(month)
        storedDay = UInt8(day)
    }

    /// The date `dayNumber` days after 1970-01-01 (negative: before), within years ±32767.
    ///
    /// Howard Hinnant's `civil_from_days`, on 400-year eras starting 0000-03-01.
    public init?(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (Hinnant's `days_from_civil`); consecutive dates differ by one.
    public var dayNumber: Int {
        let y = year - (month <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `yyyy-mm-dd`, zero-padded.
    public var description: String {
        var text = year < 0 ? "-" : ""
        let absoluteYear = abs(year)
        let yearDigits = String(absoluteYear)
        text += String(repeating: "0", count: max(0, 4 - yearDigits.count)) + yearDigits
        text += month < 10 ? "-0\(month)" : "-\(month)"
        text += day < 10 ? "-0\(day)" : "-\(day)"
        return text
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.storedYear, lhs.storedMonth, lhs.storedDay) < (rhs.storedYear, rhs.storedMonth, rhs.storedDay)
    }

    /// Gregorian leap years: divisible by 4, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Days in `month` (1–12) of `year`; 0 for a month outside 1–12.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }
}
