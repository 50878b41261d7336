import SectorStats
/// Spells dates and amounts in every style DATA.md §3 lists, as UTF-8 bytes appended to a
/// field. Amounts are exact: any whole number of fen can be written in 元 (2 decimals),
/// 万 (6) or 亿 (10), so every style gives back the same fen.
enum ValueFormatter {
    enum DateStyle: Int, CaseIterable {
        case iso, slash, dot, compact, chinese, isoWithTime, slashWithTime, excelSerial, chineseWithTime, isoUnpadded
    }

    enum AmountStyle: Int, CaseIterable {
        case plain, grouped, bare, yuanSuffix, yenGrouped, wanYuan, wan, yiYuan, yi, fullWidth, yenHalfWidth
    }

    /// `allCases`, built once (`allCases` makes a new array on every call).
    static let dateStyles = DateStyle.allCases
    static let amountStyles = AmountStyle.allCases

    // MARK: - Dates

    static func appendDate(_ date: CivilDate, style: DateStyle, rng: inout SplitMix64, to out: inout [UInt8]) {
        if style == .excelSerial {
            RowBuilder.appendInt(date.dayNumber - DateParser.excelEpochDayNumber, to: &out)
            return
        }
        appendDateParts(year: date.year, month: date.month, day: date.day, style: style, rng: &rng, to: &out)
    }

    /// Writes year, month and day as given, valid or not (impossible dates use this too).
    /// `.excelSerial` is not a style for parts: it falls back to ISO.
    static func appendDateParts(year: Int, month: Int, day: Int, style: DateStyle, rng: inout SplitMix64,
                                to out: inout [UInt8]) {
        switch style {
        case .iso, .isoWithTime, .excelSerial:
            parts(year, month, day, separator: 0x2D, pad: true, to: &out)
        case .isoUnpadded:
            parts(year, month, day, separator: 0x2D, pad: false, to: &out)
        case .slash, .slashWithTime:
            parts(year, month, day, separator: 0x2F, pad: false, to: &out)
        case .dot:
            parts(year, month, day, separator: 0x2E, pad: true, to: &out)
        case .compact:
            RowBuilder.appendInt(year, width: 4, to: &out)
            RowBuilder.appendInt(month, width: 2, to: &out)
            RowBuilder.appendInt(day, width: 2, to: &out)
        case .chinese, .chineseWithTime:
            RowBuilder.appendInt(year, width: 4, to: &out)
            out.append(contentsOf: "年".utf8)
            RowBuilder.appendInt(month, to: &out)
            out.append(contentsOf: "月".utf8)
            RowBuilder.appendInt(day, to: &out)
            out.append(contentsOf: "日".utf8)
        }
        switch style {
        case .isoWithTime, .slashWithTime, .chineseWithTime:
            out.append(0x20)
            RowBuilder.appendInt(rng.below(24), width: style == .isoWithTime ? 2 : 1, to: &out)
            out.append(0x3A)
            RowBuilder.appendInt(rng.below(60), width: 2, to: &out)
            if style == .isoWithTime {
                out.append(0x3A)
                RowBuilder.appendInt(rng.below(60), width: 2, to: &out)
            }
        default:
            break
        }
    }

    private static func parts(_ y: Int, _ m: Int, _ d: Int, separator: UInt8, pad: Bool, to out: inout [UInt8]) {
        RowBuilder.appendInt(y, width: 4, to: &out)
        out.append(separator)
        RowBuilder.appendInt(m, width: pad ? 2 : 1, to: &out)
        out.append(separator)
        RowBuilder.appendInt(d, width: pad ? 2 : 1, to: &out)
    }

    // MARK: - Amounts

    /// Appends `fen` (≥ 0) in `style`. `bareUnit` is the unit a number without a unit is
    /// read in (万 under a "(万元)" header): unit-less styles are then written in 万.
    static func appendAmount(_ fen: Int64, style: AmountStyle, bareUnit: AmountUnit = .yuan, to out: inout [UInt8]) {
        if bareUnit == .wan {
            switch style {
            case .plain, .bare, .grouped:
                decimal(fen, unit: .wan, minDecimals: 0, grouped: style == .grouped, to: &out)
            case .fullWidth:
                var scratch: [UInt8] = []
                decimal(fen, unit: .wan, minDecimals: 0, grouped: false, to: &scratch)
                appendFullWidth(scratch, to: &out)
            case .yenGrouped, .yenHalfWidth:
                decimal(fen, unit: .wan, minDecimals: 0, grouped: false, to: &out)
                out.append(contentsOf: "万元".utf8)
            default:
                appendAmount(fen, style: style, bareUnit: .yuan, to: &out)
            }
            return
        }
        switch style {
        case .plain:
            decimal(fen, unit: .yuan, minDecimals: 2, grouped: false, to: &out)
        case .grouped:
            decimal(fen, unit: .yuan, minDecimals: 2, grouped: true, to: &out)
        case .bare:
            decimal(fen, unit: .yuan, minDecimals: 0, grouped: false, to: &out)
        case .yuanSuffix:
            decimal(fen, unit: .yuan, minDecimals: 0, grouped: false, to: &out)
            out.append(contentsOf: "元".utf8)
        case .yenGrouped:
            out.append(contentsOf: "￥".utf8)
            decimal(fen, unit: .yuan, minDecimals: 1, grouped: true, to: &out)
        case .yenHalfWidth:
            out.append(contentsOf: "¥".utf8)
            decimal(fen, unit: .yuan, minDecimals: 2, grouped: false, to: &out)
        case .wanYuan:
            decimal(fen, unit: .wan, minDecimals: 0, grouped: false, to: &out)
            out.append(contentsOf: "万元".utf8)
        case .wan:
            decimal(fen, unit: .wan, minDecimals: 2, grouped: false, to: &out)
            out.append(contentsOf: "万".utf8)
        case .yiYuan:
            decimal(fen, unit: .yi, minDecimals: 0, grouped: false, to: &out)
            out.append(contentsOf: "亿元".utf8)
        case .yi:
            decimal(fen, unit: .yi, minDecimals: 0, grouped: false, to: &out)
            out.append(contentsOf: "亿".utf8)
        case .fullWidth:
            var scratch: [UInt8] = []
            decimal(fen, unit: .yuan, minDecimals: 0, grouped: false, to: &scratch)
            appendFullWidth(scratch, to: &out)
        }
    }

    /// `fen` in `unit` with between `minDecimals` and the unit's maximum decimals (trailing
    /// zeros dropped down to `minDecimals`), the integer part optionally grouped in threes.
    static func decimal(_ fen: Int64, unit: AmountUnit, minDecimals: Int, grouped: Bool, to out: inout [UInt8]) {
        let integer = fen / unit.fenPerUnit
        var fraction = fen % unit.fenPerUnit
        var decimals = unit.maxDecimals
        while decimals > minDecimals && fraction % 10 == 0 {
            fraction /= 10
            decimals -= 1
        }
        if grouped {
            var digits: [UInt8] = []
            RowBuilder.appendInt(Int(integer), to: &digits)
            for (i, d) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { out.append(0x2C) }
                out.append(d)
            }
        } else {
            RowBuilder.appendInt(Int(integer), to: &out)
        }
        if decimals > 0 {
            out.append(0x2E)
            RowBuilder.appendInt(Int(fraction), width: decimals, to: &out)
        }
    }

    /// ASCII digits, `.`, `,` and `-` as their full-width forms (U+FF10…, U+FF0E, U+FF0C, U+FF0D).
    static func appendFullWidth(_ ascii: [UInt8], to out: inout [UInt8]) {
        for b in ascii {
            switch b {
            case 0x30...0x39: out.append(contentsOf: [0xEF, 0xBC, 0x90 + (b - 0x30)])
            case 0x2E, 0x2C, 0x2D: out.append(contentsOf: [0xEF, 0xBC, 0x80 + (b - 0x20)])
            default: out.append(b)
            }
        }
    }
}
