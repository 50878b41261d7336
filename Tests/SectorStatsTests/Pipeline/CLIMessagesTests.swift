import Foundation
import XCTest
@testable import SectorStats

/// Errors in plain words with the right exit code (issue 18, defect 8).
final class CLIMessagesTests: XCTestCase {
    private var reference: String { Fixtures.repoRoot + "/datasets/reference" }

    private func adhocRun(_ dir: Workdir, out: String) throws -> CLI.Result {
        try CLI.run(["run", "--registrations", Fixtures.path("normalize/registrations_every_defect_utf8.csv"),
                     "--funding", Fixtures.path("normalize/funding_every_defect_utf8.csv"), "--out", out,
                     "--as-of", "2021-12-31", "--reference", reference, "--quiet"], in: dir.path)
    }

    func testRun_whenOutIsARegularFile_saysSoInWords() throws {
        let dir = try Workdir()
        _ = try dir.file("out", "not a folder\n")
        let r = try adhocRun(dir, out: "out")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a file, not a folder"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Code="), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir.path + "/out", encoding: .utf8), "not a folder\n")
    }

    func testRun_whenOutCannotBeCreated_saysSoInWords() throws {
        let dir = try Workdir()
        // Under a file: no folder can be made there, whoever runs the test (root included).
        _ = try dir.file("file", "x\n")
        let r = try adhocRun(dir, out: "file/out")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot create the output folder"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Code="), r.stderr)
    }

    func testPlainWords_whenFoundationPermissionError_namesTheFileAndTheProblem() {
        let e = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/srv/out/.lock"])
        let words = SectorStatsError(describing: e)
        XCTAssertEqual(words.file, "/srv/out/.lock")
        XCTAssertTrue(words.message.contains("permission"), words.message)
        XCTAssertFalse(words.description.contains("Code="), words.description)
        let exists = SectorStatsError(describing: CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: "/srv/out"]))
        XCTAssertTrue(exists.message.contains("already exists"), exists.message)
    }

    func testStages_whenOutDirOfAnAdhocRun_listsTheStages() throws {
        let dir = try Workdir()
        XCTAssertEqual(try adhocRun(dir, out: "adhoc").status, 0)
        let r = try CLI.run(["stages", "--out-dir", "adhoc", "--reference", reference], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("registrations_every_defect_utf8.csv"), r.stdout)
        XCTAssertTrue(r.stdout.contains("fresh"), r.stdout)
        XCTAssertFalse(r.stdout.contains("stale"), r.stdout)
    }

    func testShow_whenNoSuchTable_exits64() throws {
        let dir = try Workdir()
        XCTAssertEqual(try adhocRun(dir, out: "out").status, 0)
        let r = try CLI.run(["show", "nosuchtable", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("funding_summary"), r.stderr)
        let traversal = try CLI.run(["show", "../../etc/passwd", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(traversal.status, 64, traversal.stderr)
    }

    func testShow_whenWhereHasNoColumn_exits64WithAUsageError() throws {
        let dir = try Workdir()
        XCTAssertEqual(try adhocRun(dir, out: "out").status, 0)
        let r = try CLI.run(["show", "funding_summary", "--where", "=x", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("column=value"), r.stderr)
        XCTAssertFalse(r.stderr.contains("no column"), r.stderr)
        // An empty value is a condition like any other.
        let empty = try CLI.run(["show", "funding_summary", "--where", "unsplit_yuan=", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(empty.status, 0, empty.stderr)
    }

    func testParse_whenAKeyAppearsTwice_refusesNamingIt() {
        let cases: [(String, String)] = [
            ("version: 1\nname: a\nname: b\n", "name"),
            ("version: 1\nname: a\nsources:\n  funding: [a.csv]\n  funding: [b.csv]\n", "sources.funding"),
            ("version: 1\nname: a\nsources:\n  funding:\n    - path: a.csv\n      encoding: gb18030\n      encoding: utf-8\n", "sources.funding[0].encoding"),
            ("version: 1\nname: a\nsources:\n  funding:\n    - path: a.csv\n      aliases: {金额2: amount, 金额2: cash}\n", "sources.funding[0].aliases.金额2"),
        ]
        for (text, key) in cases {
            XCTAssertThrowsError(try PipelineDefinition.parse(text, file: "p.yml"), key) { error in
                let e = error as? SectorStatsError
                XCTAssertEqual(e?.code, .invalidPipeline)
                XCTAssertEqual(e?.field, key)
                XCTAssertTrue(e?.message.contains("twice") ?? false, "\(error)")
            }
        }
    }

    func testRun_whenDuplicateKeyInThePipelineFile_exits64() throws {
        let dir = try Workdir()
        _ = try dir.file("p.yml", "version: 1\nname: a\noutput: out\noutput: elsewhere\n")
        let r = try CLI.run(["run", "p.yml", "--reference", reference], in: dir.path)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("output"), r.stderr)
    }

    func testRun_whenAHeaderOf100000Fields_theErrorIsShort() throws {
        let dir = try Workdir()
        let header = (0..<100_000).map { "column_\($0)" }.joined(separator: ",")
        _ = try dir.file("wide.csv", header + "\n" + String(repeating: "x,", count: 99_999) + "x\n")
        let r = try CLI.run(["run", "--registrations", "wide.csv", "--out", "out", "--as-of", "2021-12-31",
                             "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 65, String(r.stderr.prefix(2000)))
        XCTAssertLessThan(r.stderr.utf8.count, 2000, String(r.stderr.prefix(2000)))
        XCTAssertTrue(r.stderr.contains("100000 columns"), String(r.stderr.prefix(2000)))
    }
}
