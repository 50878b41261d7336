/// One value of a published table, parsed exactly: money as fen and percentages as
/// hundredths of a percent (integers), so the report converts to floating point only when
/// it writes a cell or draws a chart.
public enum ReportCell: Sendable, Equatable {
    case empty
    case text(String)
    case integer(Int64)
    /// Yuan, in fen.
    case fen(Int64)
    /// A percentage, in hundredths of a percent (`44.41` → 4441).
    case hundredths(Int64)

    /// Parses a published field of a column of the given kind; nil when it is not of that kind.
    public static func parse(_ s: String, as kind: ReportTable.Kind) -> ReportCell? {
        if kind == .text { return .text(s) }
        if s.isEmpty { return .empty }
        switch kind {
        case .text: return .text(s)
        case .integer: return Int64(s).map(ReportCell.integer)
        case .yuan: return fixed(s, decimals: 2).map(ReportCell.fen)
        case .percent: return fixed(s, decimals: 2).map(ReportCell.hundredths)
        }
    }

    /// `-12.34` → -1234 for two decimals: an optional sign, digits, and up to `decimals`
    /// decimals (fewer are padded).
    static func fixed(_ s: String, decimals: Int) -> Int64? {
        var bytes = Substring(s).utf8[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var value: Int64 = 0
        var digits = 0
        var fraction = -1
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard fraction < 0 else { return nil }
                fraction = 0
                continue
            }
            guard b >= 48, b <= 57 else { return nil }
            if fraction >= 0 {
                fraction += 1
                guard fraction <= decimals else { return nil }
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(b - 48))
            guard !o1, !o2 else { return nil }
            value = a
            digits += 1
        }
        guard digits > 0, fraction != 0 else { return nil }
        for _ in 0..<(decimals - max(fraction, 0)) {
            let (m, o) = value.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            value = m
        }
        return negative ? -value : value
    }

    /// The number as a spreadsheet holds it: yuan, a fraction for percentages (0.4441 shown
    /// as 44.41%), nil for text and empty cells.
    public var number: Double? {
        switch self {
        case .empty, .text: nil
        case .integer(let v): Double(v)
        case .fen(let v): Double(v) / 100
        case .hundredths(let v): Double(v) / 10_000
        }
    }

    /// The number as charts plot it: percentages in percent (44.41), money in yuan.
    public var plotted: Double? {
        if case .hundredths(let v) = self { return Double(v) / 100 }
        return number
    }

    /// The text as published (two decimals for money and percentages).
    public var text: String {
        switch self {
        case .empty: ""
        case .text(let s): s
        case .integer(let v): String(v)
        case .fen(let v), .hundredths(let v): ReportCell.decimal(v)
        }
    }

    static func decimal(_ v: Int64) -> String {
        let m = v.magnitude
        let frac = m % 100
        return (v < 0 ? "-" : "") + String(m / 100) + "." + (frac < 10 ? "0" : "") + String(frac)
    }
}
