import Foundation
import XCTest
@testable import SectorStats

/// `--log-format json`: every line on stderr is a JSON object, fatal errors included
/// (issue 18, defect 7).
final class LogFormatTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    /// Fails unless every stderr line is a JSON object with a level and a message; returns them.
    @discardableResult
    private func assertJSONLines(_ r: CLI.Result, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        var objects: [[String: Any]] = []
        for l in r.stderr.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any],
                  obj["level"] is String, obj["message"] is String else {
                XCTFail("not a JSON log line: \(l)", file: file, line: line)
                continue
            }
            objects.append(obj)
        }
        XCTAssertFalse(objects.isEmpty, "nothing on stderr", file: file, line: line)
        return objects
    }

    /// funding.csv is left for each test to write (the slow one for SIGTERM).
    private func project() throws -> Workdir {
        try CLI.fixtureProject(name: "logs", copyFunding: false)
    }

    func testLogFormatJSON_whenAnInputIsMissing_theErrorIsAJSONLine() throws {
        let dir = try project()
        let r = try CLI.run(["run", "p.yml", "--reference", reference, "--log-format", "json"], in: dir.path)
        XCTAssertEqual(r.status, 1, r.stderr)
        let last = try XCTUnwrap(assertJSONLines(r).last)
        XCTAssertEqual(last["level"] as? String, "error")
        XCTAssertTrue((last["message"] as? String)?.contains("funding.csv") ?? false, r.stderr)
        XCTAssertEqual((last["counts"] as? [String: Any])?["exit_code"] as? Int, 1)
    }

    func testLogFormatJSON_whenTheLockIsHeld_theErrorIsAJSONLine() throws {
        let dir = try project()
        _ = try dir.file("funding.csv", "记录编号,受赠组织统一社会信用代码,资金来源,金额,捐赠日期,用途\n")
        try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
        let lock = try RunLock(folder: dir.path + "/out")
        let r = try CLI.run(["run", "p.yml", "--reference", reference, "--log-format=json"], in: dir.path)
        withExtendedLifetime(lock) {}
        XCTAssertEqual(r.status, 75, r.stderr)
        let last = try XCTUnwrap(assertJSONLines(r).last)
        XCTAssertEqual((last["counts"] as? [String: Any])?["code"] as? String, "locked")
    }

    func testLogFormatJSON_whenAUsageError_theErrorIsAJSONLine() throws {
        let dir = try project()
        for args in [["run", "p.yml", "--log-format", "json", "--stage", "nonsense"],
                     ["run", "--log-format", "json"],
                     ["run", "p.yml", "--log-format", "json", "--no-such-flag"]] {
            let r = try CLI.run(args, in: dir.path)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            assertJSONLines(r)
        }
        // The pipeline file refused (invalid key) is a usage error too.
        _ = try dir.file("bad.yml", "version: 1\nname: x\ncolour: red\n")
        let bad = try CLI.run(["run", "bad.yml", "--log-format", "json"], in: dir.path)
        XCTAssertEqual(bad.status, 64, bad.stderr)
        assertJSONLines(bad)
        // Text mode is unchanged.
        let text = try CLI.run(["run", "p.yml", "--stage", "nonsense"], in: dir.path)
        XCTAssertEqual(text.status, 64)
        XCTAssertTrue(text.stderr.hasPrefix("Error: "), text.stderr)
    }

    func testLogFormatJSON_whenSIGTERM_theStopMessageIsAJSONLine() throws {
        let dir = try project()
        _ = try dir.file("funding.csv", CLI.slowFunding)
        let p = try CLI.start(["run", "p.yml", "--reference", reference, "--log-format", "json", "--threads", "1"], in: dir.path)
        // Stopped while a stage is being built (its temporary folder exists).
        XCTAssertTrue(CLI.waitUntilBuilding(p, stages: dir.path + "/out/stages"), "the run finished before it could be stopped")
        kill(p.process.processIdentifier, SIGTERM)
        let r = try p.wait()
        XCTAssertEqual(r.status, 128 + SIGTERM, r.stderr)
        let last = try XCTUnwrap(assertJSONLines(r).last)
        XCTAssertTrue((last["message"] as? String)?.contains("stopped by signal 15") ?? false, r.stderr)
    }
}
