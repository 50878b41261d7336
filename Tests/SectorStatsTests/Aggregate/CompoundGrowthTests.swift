import Foundation
import XCTest
@testable import SectorStats

/// CAGR at and around rounding boundaries, where rounding `pow`'s result alone goes wrong.
final class CompoundGrowthTests: XCTestCase {
    private func rate(_ current: Int, _ earlier: Int, _ years: Int) -> String? {
        CompoundGrowth.rateHundredths(current: current, earlier: earlier, years: years).map { FixedPoint.text(hundredths: Int128($0)) }
    }

    func testRate_whenExactlyOnHalfHundredth_roundsAwayFromZero() {
        // (33/32)^N: growth of exactly 3.125 % a year → 3.13; (31/32)^N: −3.125 % → −3.13.
        XCTAssertEqual(rate(35_937, 32_768, 3), "3.13")  // 33³ / 32³
        XCTAssertEqual(rate(39_135_393, 33_554_432, 5), "3.13")  // 33⁵ / 32⁵
        XCTAssertEqual(rate(29_791, 32_768, 3), "-3.13")  // 31³ / 32³
        XCTAssertEqual(rate(28_629_151, 33_554_432, 5), "-3.13")  // 31⁵ / 32⁵
        // (35/32)³: 9.375 % → 9.38; (1.00005)³ = 20001³/20000³: 0.005 % → 0.01.
        XCTAssertEqual(rate(42_875, 32_768, 3), "9.38")
        XCTAssertEqual(rate(8_001_200_060_001, 8_000_000_000_000, 3), "0.01")
        XCTAssertEqual(rate(7_998_800_059_999, 8_000_000_000_000, 3), "-0.01")  // 19999³/20000³: −0.005 %
    }

    func testRate_whenJustBesideHalfHundredth_roundsToTheNearer() {
        // One organization fewer or more than the exact tie moves the value off the boundary.
        XCTAssertEqual(rate(35_936, 32_768, 3), "3.12")
        XCTAssertEqual(rate(35_938, 32_768, 3), "3.13")
        XCTAssertEqual(rate(8_001_200_060_000, 8_000_000_000_000, 3), "0.00")
        XCTAssertEqual(rate(29_792, 32_768, 3), "-3.12")
        XCTAssertEqual(rate(29_790, 32_768, 3), "-3.13")
    }

    func testRate_whenExactRoots_isExact() {
        XCTAssertEqual(rate(27, 8, 3), "50.00")  // (3/2)³
        XCTAssertEqual(rate(1331, 1000, 3), "10.00")
        XCTAssertEqual(rate(161_051, 100_000, 5), "10.00")  // 1.1⁵
        XCTAssertEqual(rate(32, 1, 5), "100.00")
        XCTAssertEqual(rate(1, 32, 5), "-50.00")
        XCTAssertEqual(rate(10, 10, 3), "0.00")
    }

    func testRate_whenEdges() {
        XCTAssertNil(rate(5, 0, 3), "empty when the earlier value is 0")
        XCTAssertEqual(rate(0, 7, 3), "-100.00")
        XCTAssertEqual(rate(1_000_000, 1, 3), "9900.00")
        XCTAssertEqual(rate(900_000, 1, 5), "1451.85")  // 900000^(1/5) = 15.518455…
    }

    /// Away from boundaries the result is the floating-point value rounded: random counts,
    /// skipping the (rare) ones within 1e-6 hundredths of a boundary.
    func testRate_whenRandom_agreesWithFloatingPointAwayFromBoundaries() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let earlier = Int(rng.next() % 1_000_000) + 1
            let current = Int(rng.next() % 2_000_000)
            let years = rng.next() % 2 == 0 ? 3 : 5
            let x = (pow(Double(current) / Double(earlier), 1 / Double(years)) - 1) * 10_000
            let fraction = abs(x - x.rounded(.towardZero))
            if abs(fraction - 0.5) < 1e-6 { continue }
            XCTAssertEqual(CompoundGrowth.rateHundredths(current: current, earlier: earlier, years: years),
                           Int64(x.rounded(.toNearestOrAwayFromZero)), "\(current)/\(earlier) over \(years)")
        }
    }
}
