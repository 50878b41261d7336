import Foundation

/// Compound annual growth rates (growth_trends' `cagr_3y_pct`, `cagr_5y_pct`), rounded to
/// two decimals exactly as if the real-number value were known.
///
/// The rate X = ((current / earlier)^(1/N) − 1) × 100 is irrational in general, so DATA.md
/// lets it be computed in floating point. Rounding a floating-point estimate alone is wrong
/// exactly where it matters: at a rounding boundary. Real counts hit boundaries: 32768 →
/// 35937 over 3 years is (33/32)³, a growth of exactly 3.125 %, which `pow` returns as
/// 3.1249999… and naive rounding makes 3.12 instead of 3.13.
///
/// The method: the floating-point estimate only proposes the answer k (in hundredths of a
/// percent); k is then confirmed or moved by exact integer comparisons with the two rounding
/// boundaries next to it. A boundary is a half-hundredth h = (2j + 1)/2 hundredths, and
///
///     X·100 ≥ h  ⟺  (c/e)^(1/N) ≥ 1 + (2j + 1)/20000 = (20001 + 2j)/20000
///               ⟺  c · 20000^N ≥ e · (20001 + 2j)^N        (both sides ≥ 0, N-th power monotone)
///
/// which is a comparison of integers, done in 128 bits (c · 20000⁵ fits for any count below
/// 10¹⁷; a right side that overflows is simply the larger one). Equality is a true tie, which
/// goes away from zero. So the two-decimal result is the correctly rounded value for every
/// input, whatever `pow`'s last-bit error; the estimate is at most one step off, so the
/// loops below run once or twice.
enum CompoundGrowth {
    /// The rate over `years` years from `earlier` to `current`, in hundredths of a percent,
    /// rounded half away from zero; nil when `earlier` is 0.
    static func rateHundredths(current: Int, earlier: Int, years: Int) -> Int64? {
        precondition(current >= 0 && earlier >= 0 && years >= 1, "counts are non-negative, years positive")
        guard earlier > 0 else { return nil }
        if current == 0 { return -10_000 }  // exactly −100 %
        if current == earlier { return 0 }

        let estimate = (pow(Double(current) / Double(earlier), 1 / Double(years)) - 1) * 10_000
        var k = Int64(estimate.rounded(.toNearestOrAwayFromZero))

        guard let scaledCurrent = power(20_000, years).flatMap({ multiply(UInt128(current), $0) }) else {
            return k  // unreachable below 10¹⁷ organizations; the estimate is then the best we have
        }
        let e = UInt128(earlier)
        /// The sign of X·100 − (2j + 1)/2: −1, 0 or 1.
        func compare(boundary j: Int64) -> Int {
            let base = 20_001 + 2 * Int128(j)
            if base <= 0 { return 1 }  // X ≥ −100 % > any boundary at or below −100.005 %
            guard let right = power(UInt128(base), years).flatMap({ multiply(e, $0) }) else { return -1 }
            return scaledCurrent < right ? -1 : scaledCurrent == right ? 0 : 1
        }
        if current > earlier {
            // Half away from zero for X > 0: the k with k − ½ ≤ X < k + ½.
            while compare(boundary: k - 1) < 0 { k -= 1 }
            while compare(boundary: k) >= 0 { k += 1 }
        } else {
            // For X < 0: the k with k − ½ < X ≤ k + ½.
            while compare(boundary: k) > 0 { k += 1 }
            while compare(boundary: k - 1) <= 0 { k -= 1 }
        }
        return k
    }

    private static func power(_ base: UInt128, _ exponent: Int) -> UInt128? {
        var result: UInt128 = 1
        for _ in 0..<exponent {
            guard let product = multiply(result, base) else { return nil }
            result = product
        }
        return result
    }

    private static func multiply(_ a: UInt128, _ b: UInt128) -> UInt128? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }
}
