import Foundation
import XCTest
@testable import SectorStats

/// `--metrics-file` / `metrics_file`: Prometheus text written at the end of every run,
/// read back with prometheus_client's parser (Tests/metrics/parse_metrics.py).
final class MetricsTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    /// A python3 that imports prometheus_client (Debian's python3-prometheus-client is in /usr/bin).
    private static let python: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: candidate) {
            if let r = try? run(candidate, ["-c", "import prometheus_client"]), r.status == 0 { return candidate }
        }
        return nil
    }()

    private static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    struct Parsed {
        var types: [String: String]
        var samples: [(name: String, labels: [String: String], value: Double)]

        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { s in s.name == name && labels.allSatisfy { k, v in s.labels[k] == v } }?.value
        }
    }

    /// The file parsed by prometheus_client; skips locally without it, fails under CI.
    private func parse(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> Parsed {
        guard let python = Self.python else {
            let message = "needs python3 with prometheus_client (Debian python3-prometheus-client, installed by .ci/run)"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        let r = try Self.run(python, [Fixtures.repoRoot + "/Tests/metrics/parse_metrics.py", path])
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let types = obj["types"] as? [String: String] ?? [:]
        let samples = (obj["samples"] as? [[Any]] ?? []).compactMap { s -> (String, [String: String], Double)? in
            guard s.count == 3, let n = s[0] as? String, let l = s[1] as? [String: String], let v = (s[2] as? NSNumber)?.doubleValue else { return nil }
            return (n, l, v)
        }
        return Parsed(types: types, samples: samples.map { (name: $0.0, labels: $0.1, value: $0.2) })
    }

    private func project(metricsKey: Bool) throws -> Workdir {
        let dir = try CLI.fixtureProject(name: "metered", extraKeys: metricsKey ? "metrics_file: metrics/sectorstats.prom" : "")
        try FileManager.default.createDirectory(atPath: dir.path + "/metrics", withIntermediateDirectories: true)
        return dir
    }

    func testMetricsFile_whenTheRunSucceeds_holdsOutcomeRowsReasonsStagesAndBytes() throws {
        let dir = try project(metricsKey: false)
        let before = Date().timeIntervalSince1970.rounded(.down)
        let r = try CLI.run(["run", "p.yml", "--reference", reference, "--quiet", "--metrics-file", "m.prom"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = try parse(dir.path + "/m.prom")
        XCTAssertEqual(m.types["sectorstats_run_success"], "gauge")
        XCTAssertEqual(m.value("sectorstats_run_success", ["pipeline": "metered"]), 1)
        XCTAssertEqual(m.value("sectorstats_run_exit_code"), 0)
        let last = try XCTUnwrap(m.value("sectorstats_last_success_timestamp_seconds"))
        XCTAssertGreaterThanOrEqual(last, before)
        XCTAssertEqual(m.value("sectorstats_run_finished_timestamp_seconds"), last)
        // The row accounting of the manifest, per source.
        let manifest = try JSON.read(Manifest.self, from: dir.path + "/out/latest/manifest.json")
        for (source, acc) in manifest.sources {
            XCTAssertEqual(m.value("sectorstats_rows_read", ["source": source]), Double(acc.rowsRead), source)
            XCTAssertEqual(m.value("sectorstats_rows_accepted", ["source": source]), Double(acc.accepted), source)
            XCTAssertEqual(m.value("sectorstats_rows_quarantined", ["source": source]), Double(acc.quarantined), source)
            XCTAssertEqual(m.value("sectorstats_rows_duplicate", ["source": source]), Double(acc.duplicates), source)
            let byReason = m.samples.filter { $0.name == "sectorstats_rows_quarantined_by_reason" && $0.labels["source"] == source }
            XCTAssertEqual(byReason.map(\.value).reduce(0, +), Double(acc.quarantined), source)
            let bytes = manifest.inputs.filter { $0.kind == source }.map(\.bytes).reduce(0, +)
            XCTAssertEqual(m.value("sectorstats_input_bytes", ["source": source]), Double(bytes), source)
        }
        XCTAssertEqual(m.value("sectorstats_rows_quarantined_by_reason", ["source": "funding", "reason": "split_mismatch"]), 1)
        let stages = Set(m.samples.filter { $0.name == "sectorstats_stage_duration_seconds" }.compactMap { $0.labels["stage"] })
        XCTAssertEqual(stages, Set(StageName.allCases.map(\.rawValue)))
        XCTAssertEqual(m.value("sectorstats_table_rows", ["table": "top_funders"]).map { $0 > 0 }, true)
    }

    func testMetricsFile_whenTheRunFails_saysSoAndKeepsTheLastSuccessTime() throws {
        let dir = try project(metricsKey: true)
        let path = dir.path + "/metrics/sectorstats.prom"
        XCTAssertEqual(try CLI.run(["run", "p.yml", "--reference", reference, "--quiet"], in: dir.path).status, 0)
        let first = try parse(path)
        let lastSuccess = try XCTUnwrap(first.value("sectorstats_last_success_timestamp_seconds"))
        Thread.sleep(forTimeInterval: 1.1)
        try FileManager.default.removeItem(atPath: dir.path + "/funding.csv")
        let r = try CLI.run(["run", "p.yml", "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 1, r.stderr)
        let m = try parse(path)
        XCTAssertEqual(m.value("sectorstats_run_success", ["pipeline": "metered"]), 0)
        XCTAssertEqual(m.value("sectorstats_run_exit_code"), 1)
        XCTAssertEqual(m.value("sectorstats_last_success_timestamp_seconds"), lastSuccess)
        XCTAssertGreaterThan(try XCTUnwrap(m.value("sectorstats_run_finished_timestamp_seconds")), lastSuccess)
        // No row figures of an earlier run presented as this one's.
        XCTAssertNil(m.value("sectorstats_rows_read"))
        // Written atomically: nothing but the file in its folder.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/metrics"), ["sectorstats.prom"])
    }

    func testMetricsFile_whenStoppedBySIGTERM_saysSo() throws {
        let dir = try project(metricsKey: true)
        _ = try dir.file("funding.csv", CLI.slowFunding)
        let p = try CLI.start(["run", "p.yml", "--reference", reference, "--quiet", "--threads", "1"], in: dir.path)
        // Stopped while a stage is being built (its temporary folder exists).
        XCTAssertTrue(CLI.waitUntilBuilding(p, stages: dir.path + "/out/stages"), "the run finished before it could be stopped")
        kill(p.process.processIdentifier, SIGTERM)
        let r = try p.wait()
        XCTAssertEqual(r.status, 128 + SIGTERM, r.stderr)
        let m = try parse(dir.path + "/metrics/sectorstats.prom")
        XCTAssertEqual(m.value("sectorstats_run_success", ["pipeline": "metered"]), 0)
        XCTAssertEqual(m.value("sectorstats_run_exit_code"), Double(128 + SIGTERM))
    }

    func testMetricsFile_whenAUsageErrorInThePipelineFile_isWrittenFromTheFlag() throws {
        let dir = try Workdir()
        _ = try dir.file("bad.yml", "version: 1\nname: x\ncolour: red\n")
        let r = try CLI.run(["run", "bad.yml", "--metrics-file", "m.prom"], in: dir.path)
        XCTAssertEqual(r.status, 64, r.stderr)
        let m = try parse(dir.path + "/m.prom")
        XCTAssertEqual(m.value("sectorstats_run_success", ["pipeline": "bad"]), 0)
        XCTAssertEqual(m.value("sectorstats_run_exit_code"), 64)
    }

    func testRender_whenLabelsNeedEscaping_parsesBackToTheSameValues() throws {
        var status = RunStatus(pipeline: "p", startedAt: "", finishedAt: "", outcome: "success", message: nil, outputFolder: "",
                               published: nil, stages: [StageOutcome(stage: .ingest, action: .ran, reason: "", seconds: 0.125)],
                               registrations: nil, funding: nil, tables: ["a\"b\\c\nd": 3])
        var acc = RowAccounting(file: "f", path: "f", encoding: "utf-8")
        acc.rowsRead = 5
        acc.accepted = 4
        acc.quarantined = 1
        acc.quarantinedByReason = ["uscc_check": 1]
        status.funding = acc
        let metrics = RunMetrics(pipeline: "p", exitCode: 0, finishedAt: Date(timeIntervalSince1970: 1_700_000_000.5),
                                 lastSuccessAt: Date(timeIntervalSince1970: 1_700_000_000.5), status: status)
        let dir = try Workdir()
        try metrics.write(to: dir.path + "/m.prom")
        let m = try parse(dir.path + "/m.prom")
        XCTAssertEqual(m.value("sectorstats_table_rows", ["table": "a\"b\\c\nd"]), 3)
        XCTAssertEqual(m.value("sectorstats_stage_duration_seconds", ["stage": "ingest", "action": "ran"]), 0.125)
        XCTAssertEqual(m.value("sectorstats_run_finished_timestamp_seconds"), 1_700_000_000.5)
        XCTAssertEqual(m.value("sectorstats_rows_quarantined_by_reason", ["source": "funding", "reason": "uscc_check"]), 1)
        XCTAssertNil(m.value("sectorstats_rows_read", ["source": "registrations"]))
        XCTAssertEqual(RunMetrics.lastSuccess(inFileAt: dir.path + "/m.prom"), Date(timeIntervalSince1970: 1_700_000_000.5))
    }
}
