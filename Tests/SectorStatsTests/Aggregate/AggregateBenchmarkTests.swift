import Foundation
import XCTest
@testable import SectorStats

/// Throughput of the aggregate stage on generated persisted tables; skipped unless
/// `SECTORSTATS_BENCH=1` (run it in release: `swift test -c release -Xswiftc -enable-testing
/// --filter AggregateBenchmarkTests`). Prints rows per second for 1 and 2 workers.
final class AggregateBenchmarkTests: XCTestCase {
    func testBenchmark_aggregateStage() throws {
        guard ProcessInfo.processInfo.environment["SECTORSTATS_BENCH"] == "1" else {
            throw XCTSkip("set SECTORSTATS_BENCH=1 to run the benchmark")
        }
        let organizations = Int(ProcessInfo.processInfo.environment["BENCH_ORGS"] ?? "") ?? 200_000
        let rows = Int(ProcessInfo.processInfo.environment["BENCH_ROWS"] ?? "") ?? 2_000_000
        let data = AggregateCrossCheckTests.generate(organizations: organizations, funding: rows, seed: 1)
        let dir = try Workdir()
        let paths = try AggregateFixtures.writeNormalized(data.organizations, data.funding, in: dir)
        let bytes = try FileManager.default.attributesOfItem(atPath: paths.funding)[.size] as? Int ?? 0
        for threads in [1, 2] {
            let start = Date()
            let output = try AggregateStage.compute(
                organizationsPath: paths.organizations, fundingPath: paths.funding, regions: AggregateFixtures.regions,
                settings: AggregateSettings(asOf: AggregateCrossCheckTests.asOf, threads: threads))
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "aggregate: %d organizations, %d funding rows (%.0f MB), %d threads: %.2f s, %.0f k rows/s, %.0f MB/s",
                         organizations, rows, Double(bytes) / 1e6, threads, seconds, Double(rows) / seconds / 1e3,
                         Double(bytes) / seconds / 1e6))
            XCTAssertEqual(output.fundingRows, rows)
        }
        if ProcessInfo.processInfo.environment["BENCH_PHASES"] == "1" {
            for threads in [1, 2] {
                let settings = AggregateSettings(asOf: AggregateCrossCheckTests.asOf, threads: threads)
                var t = Date()
                func lap(_ what: String) {
                    print(String(format: "  %@ (%d threads): %.2f s", what, threads, Date().timeIntervalSince(t)))
                    t = Date()
                }
                let index = try AggregateStage.readOrganizations(path: paths.organizations, settings: settings)
                lap("organizations read and indexed")
                let partial = try AggregateStage.readFunding(path: paths.funding, index: index, settings: settings)
                lap("funding read and aggregated")
                _ = try AggregateStage.assemble(index: index, funding: partial, regions: AggregateFixtures.regions, settings: settings)
                lap("tables assembled")
                let read = try CSVReader.readChunks(path: paths.funding, options: CSVReadOptions(encoding: .fixed(.utf8)),
                                                    chunks: threads, makeState: { _ in 0 }, visit: { n, _ in n += 1 })
                lap("funding read only (\(read.states.reduce(0, +)) records)")
            }
        }
    }
}
