import Foundation

/// A linear map from data values onto pixels, its domain widened to "nice" round ticks.
public struct LinearScale: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let step: Double
    /// Pixels for `lower` and `upper` (the first may be the larger: SVG's y grows downward).
    public let from: Double
    public let to: Double

    /// Spans `min...max` (and 0) with about `ticks` round steps of 1, 2 or 5 × 10ⁿ.
    public init(min: Double, max: Double, from: Double, to: Double, ticks: Int = 5) {
        var lo = Swift.min(min, 0), hi = Swift.max(max, 0)
        if hi - lo < 1e-9 { hi = lo + 1 }
        let raw = (hi - lo) / Double(Swift.max(ticks, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        lo = floor(lo / step) * step
        hi = ceil(hi / step) * step
        self.lower = lo
        self.upper = hi
        self.step = step
        self.from = from
        self.to = to
    }

    public func callAsFunction(_ v: Double) -> Double {
        from + (v - lower) / (upper - lower) * (to - from)
    }

    /// The tick values from lower to upper.
    public var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        return (0...n).map { lower + Double($0) * step }
    }
}

/// Equal bands for categories along an axis, with a gap between them.
public struct BandScale: Sendable, Equatable {
    public let count: Int
    public let from: Double
    public let to: Double
    /// The share of each band left empty (half on each side).
    public let padding: Double

    public init(count: Int, from: Double, to: Double, padding: Double = 0.2) {
        self.count = count
        self.from = from
        self.to = to
        self.padding = padding
    }

    public var step: Double { count == 0 ? 0 : (to - from) / Double(count) }
    public var bandwidth: Double { step * (1 - padding) }
    /// Where band `i`'s bar starts.
    public func start(_ i: Int) -> Double { from + Double(i) * step + step * padding / 2 }
    /// The middle of band `i`.
    public func center(_ i: Int) -> Double { from + (Double(i) + 0.5) * step }
}

/// Draws a ``ReportFigures/Chart`` as inline SVG: axes with ticks and labels, a title, a
/// legend, and lines, points, columns (clustered or stacked) or horizontal bars. No script,
/// no external resources; the text uses the page's fonts.
public enum SVGChart {
    public static let palette = ["#2b6cb0", "#dd6b20", "#38a169", "#d53f8c", "#805ad5", "#d69e2e", "#319795", "#718096"]

    public static func render(_ chart: ReportFigures.Chart, lang: ReportLanguage, width: Double = 720, height: Double? = nil) -> String {
        let h = height ?? (chart.isEmpty ? 80 : chart.horizontal ? max(240, 70 + Double(chart.categories.count) * 20) : 320)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"chart-\(escape(chart.id))\" data-chart=\"\(escape(chart.id))\" "
        svg += "viewBox=\"0 0 \(n(width)) \(n(h))\" width=\"\(n(width))\" height=\"\(n(h))\" role=\"img\" aria-label=\"\(escape(chart.title))\">"
        svg += "<title>\(escape(chart.title))</title>"
        svg += text(chart.title, x: width / 2, y: 20, anchor: "middle", cls: "chart-title")
        if chart.isEmpty {
            svg += text(lang == .zh ? "无数据" : "No data", x: width / 2, y: 50, anchor: "middle", cls: "chart-note")
            return svg + "</svg>"
        }
        let legendHeight = chart.series.count > 1 ? 22.0 : 0
        svg += chart.horizontal ? horizontal(chart, lang, width, h - legendHeight) : vertical(chart, lang, width, h - legendHeight)
        if chart.series.count > 1 { svg += legend(chart.series, x: 60, y: h - 10) }
        return svg + "</svg>"
    }

    /// Categories along x: lines, points and columns over a value axis on the left.
    static func vertical(_ chart: ReportFigures.Chart, _ lang: ReportLanguage, _ width: Double, _ height: Double) -> String {
        // Labels that do not fit side by side: years are thinned (every k-th), names are slanted.
        let (left, right, top) = (70.0, width - 16, 36.0)
        let labelWidth = Double(chart.categories.map { TerminalTable.width(of: $0) }.max() ?? 1) * 7 + 6
        let step = (right - left) / Double(max(chart.categories.count, 1))
        let numeric = chart.categories.allSatisfy { Int($0) != nil }
        let slanted = !numeric && labelWidth > step
        let bottom = height - (slanted ? 14 + labelWidth * 0.6 : 34)
        let (lo, hi) = extent(chart)
        let y = LinearScale(min: lo, max: hi, from: bottom, to: top)
        let x = BandScale(count: chart.categories.count, from: left, to: right)
        var out = valueAxisGrid(y, horizontal: false, from: left, to: right, chart.unit, lang)
        let every = slanted ? 1 : max(1, Int((labelWidth / max(x.step, 1)).rounded(.up)))
        for (i, c) in chart.categories.enumerated() where i % every == 0 {
            if slanted {
                let (cx, cy) = (n(x.center(i) + 4), n(bottom + 12))
                out += "<text x=\"\(cx)\" y=\"\(cy)\" text-anchor=\"end\" class=\"tick\" transform=\"rotate(-40 \(cx) \(cy))\">\(escape(c))</text>"
            } else {
                out += text(c, x: x.center(i), y: bottom + 16, anchor: "middle", cls: "tick")
            }
        }
        out += line(left, bottom, right, bottom, cls: "axis") + line(left, top, left, bottom, cls: "axis")
        if !slanted { out += text(chart.categoryTitle, x: (left + right) / 2, y: bottom + 30, anchor: "middle", cls: "axis-title") }
        let columns = chart.series.enumerated().filter { $0.element.style == .column }
        var stackUp = Array(repeating: 0.0, count: chart.categories.count)
        var stackDown = stackUp
        for (k, (s, series)) in columns.enumerated() {
            let color = palette[s % palette.count]
            for (i, v) in series.values.enumerated() {
                guard let v, v != 0 else { continue }
                let x0: Double, w: Double, base: Double
                if chart.stacked {
                    (x0, w) = (x.start(i), x.bandwidth)
                    base = v >= 0 ? stackUp[i] : stackDown[i]
                    if v >= 0 { stackUp[i] += v } else { stackDown[i] += v }
                } else {
                    w = x.bandwidth / Double(columns.count)
                    (x0, base) = (x.start(i) + Double(k) * w, 0)
                }
                let (a, b) = (y(base), y(base + v))
                out += "<rect x=\"\(n(x0))\" y=\"\(n(min(a, b)))\" width=\"\(n(w))\" height=\"\(n(abs(a - b)))\" fill=\"\(color)\" data-series=\"\(s)\">"
                out += "<title>\(escape(chart.categories[i])) \(escape(series.name)): \(escape(format(v, chart.unit, lang, exact: true)))</title></rect>"
            }
        }
        for (s, series) in chart.series.enumerated() where series.style != .column {
            let color = palette[s % palette.count]
            let points = series.values.enumerated().compactMap { i, v in v.map { (i, x.center(i), y($0), $0) } }
            if series.style == .line, points.count > 1 {
                out += "<polyline class=\"series-line\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\""
                out += points.map { "\(n($0.1)),\(n($0.2))" }.joined(separator: " ") + "\"/>"
            }
            if series.style == .points || points.count == 1 {
                for p in points {
                    out += "<circle cx=\"\(n(p.1))\" cy=\"\(n(p.2))\" r=\"4\" fill=\"\(color)\" data-series=\"\(s)\">"
                    out += "<title>\(escape(chart.categories[p.0])) \(escape(series.name)): \(escape(format(p.3, chart.unit, lang, exact: true)))</title></circle>"
                }
            }
        }
        return out
    }

    /// Categories down the left, bars to the right (long names such as funders and provinces).
    static func horizontal(_ chart: ReportFigures.Chart, _ lang: ReportLanguage, _ width: Double, _ height: Double) -> String {
        let labelChars = min(chart.categories.map { TerminalTable.width(of: $0) }.max() ?? 4, 36)
        let (left, right, top, bottom) = (Double(labelChars) * 6.5 + 16, width - 24, 36.0, height - 34)
        let (lo, hi) = extent(chart)
        let x = LinearScale(min: lo, max: hi, from: left, to: right)
        let y = BandScale(count: chart.categories.count, from: top, to: bottom)
        var out = valueAxisGrid(x, horizontal: true, from: top, to: bottom, chart.unit, lang)
        for (i, c) in chart.categories.enumerated() {
            out += text(shorten(c, columns: 36), x: left - 6, y: y.center(i) + 4, anchor: "end", cls: "tick")
        }
        out += line(left, top, left, bottom, cls: "axis") + line(left, bottom, right, bottom, cls: "axis")
        var stack = Array(repeating: 0.0, count: chart.categories.count)
        for (s, series) in chart.series.enumerated() {
            let color = palette[s % palette.count]
            for (i, v) in series.values.enumerated() {
                guard let v else { continue }
                let base = chart.stacked ? stack[i] : 0
                if chart.stacked { stack[i] += v }
                let (a, b) = (x(base), x(base + v))
                out += "<rect x=\"\(n(min(a, b)))\" y=\"\(n(y.start(i)))\" width=\"\(n(abs(b - a)))\" height=\"\(n(y.bandwidth))\" fill=\"\(color)\" data-series=\"\(s)\">"
                out += "<title>\(escape(chart.categories[i])): \(escape(format(v, chart.unit, lang, exact: true)))</title></rect>"
            }
        }
        return out
    }

    /// Grid lines and tick labels of the value axis.
    static func valueAxisGrid(_ scale: LinearScale, horizontal: Bool, from: Double, to: Double, _ unit: ReportFigures.Unit, _ lang: ReportLanguage) -> String {
        var out = ""
        for t in scale.ticks {
            let p = scale(t)
            if horizontal {
                out += line(p, from, p, to, cls: "grid") + text(format(t, unit, lang), x: p, y: to + 16, anchor: "middle", cls: "tick")
            } else {
                out += line(from, p, to, p, cls: "grid") + text(format(t, unit, lang), x: from - 6, y: p + 4, anchor: "end", cls: "tick")
            }
        }
        return out
    }

    /// The smallest and largest value drawn (stacked columns add up per category).
    static func extent(_ chart: ReportFigures.Chart) -> (Double, Double) {
        var lo = 0.0, hi = 0.0
        if chart.stacked {
            for i in chart.categories.indices {
                let vs = chart.series.compactMap { $0.values[i] }
                lo = min(lo, vs.filter { $0 < 0 }.reduce(0, +))
                hi = max(hi, vs.filter { $0 > 0 }.reduce(0, +))
            }
        } else {
            for v in chart.series.flatMap({ $0.values }).compactMap({ $0 }) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        return (lo, hi)
    }

    static func legend(_ series: [ReportFigures.Series], x: Double, y: Double) -> String {
        var out = "<g class=\"legend\">"
        var at = x
        for (s, item) in series.enumerated() {
            let color = palette[s % palette.count]
            out += item.style == .column
                ? "<rect x=\"\(n(at))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
                : "<circle cx=\"\(n(at + 5))\" cy=\"\(n(y - 4))\" r=\"4\" fill=\"\(color)\"/>"
            out += text(item.name, x: at + 14, y: y, anchor: "start", cls: "legend-label")
            at += 24 + Double(TerminalTable.width(of: item.name)) * 6.5
        }
        return out + "</g>"
    }

    /// A tick or tooltip number: `exact` gives grouped digits, else a short form (万/亿, K/M/B).
    public static func format(_ v: Double, _ unit: ReportFigures.Unit, _ lang: ReportLanguage, exact: Bool = false) -> String {
        switch unit {
        case .percent:
            return trimmed(v, decimals: exact ? 2 : 1) + "%"
        case .count, .yuan:
            if exact { return grouped(v, decimals: unit == .yuan ? 2 : 0) }
            let a = abs(v)
            if lang == .zh {
                if a >= 1e8 { return trimmed(v / 1e8, decimals: 2) + "亿" }
                if a >= 1e4 { return trimmed(v / 1e4, decimals: 2) + "万" }
            } else {
                if a >= 1e9 { return trimmed(v / 1e9, decimals: 2) + "B" }
                if a >= 1e6 { return trimmed(v / 1e6, decimals: 2) + "M" }
                if a >= 1e3 { return trimmed(v / 1e3, decimals: 2) + "K" }
            }
            return trimmed(v, decimals: 2)
        }
    }

    /// `1234567.5` → `1,234,567.50` with `decimals` decimals.
    public static func grouped(_ v: Double, decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", abs(v))
        let parts = s.split(separator: ".", maxSplits: 1)
        var digits = Array(parts[0])
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return (v < 0 && s.contains(where: { $0 != "0" && $0 != "." }) ? "-" : "") + String(digits) + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// `v` with at most `decimals` decimals, trailing zeros dropped.
    static func trimmed(_ v: Double, decimals: Int) -> String {
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    static func shorten(_ s: String, columns: Int) -> String {
        guard TerminalTable.width(of: s) > columns else { return s }
        var out = "", w = 0
        for ch in s {
            let cw = TerminalTable.width(of: String(ch))
            if w + cw > columns - 1 { break }
            out.append(ch)
            w += cw
        }
        return out + "…"
    }

    static func text(_ s: String, x: Double, y: Double, anchor: String, cls: String) -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" class=\"\(cls)\">\(escape(s))</text>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, cls: String) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" class=\"\(cls)\"/>"
    }

    /// Coordinates with one decimal: small files, identical output for identical input.
    static func n(_ v: Double) -> String { trimmed(v, decimals: 1) }

    /// Text for XML and HTML: `& < > "` escaped.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
