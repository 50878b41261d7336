import Foundation
import XCTest
@testable import SectorStats

/// End-to-end: `sectorstats run` on the bundled datasets, then `sectorstats report`, with the
/// results checked by independent tools — openpyxl reads the workbook back, headless Chromium
/// renders the page (Tests/report/*.py). Without those tools the tests skip locally and fail
/// in CI (CI=true), where `.ci/run` installs them.
final class ReportEndToEndTests: XCTestCase {
    private static let repo = Fixtures.repoRoot
    private static let scripts = repo + "/Tests/report"

    /// A project folder whose pipeline reads the bundled raw exports and writes to out/.
    private func project(published: String? = repo + "/datasets/published/figures.csv", run: Bool = true) throws -> Workdir {
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/pipelines", withIntermediateDirectories: true)
        let raw = Self.repo + "/datasets/raw"
        _ = try dir.file("pipelines/test.yml", """
            version: 1
            name: reporttest
            as_of: 2021-12-31
            output: ../out
            threads: 2
            \(published.map { "published: \($0)" } ?? "")
            sources:
              registrations:
                - \(raw)/registrations/registrations_0[1-3]*
                - path: \(raw)/registrations/registrations_04_utf8_zh.tsv
                  delimiter: tab
              funding:
                - \(raw)/funding/funding_0[1-3]*
                - path: \(raw)/funding/funding_04_utf8_zh.tsv
                  delimiter: tab

            """)
        if run { try runPipeline(dir) }
        return dir
    }

    private func runPipeline(_ dir: Workdir, _ file: String = "pipelines/test.yml") throws {
        let r = try CLI.run(["run", file, "--reference", Self.repo + "/datasets/reference"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    private func report(_ dir: Workdir, _ args: [String], pipeline: String = "pipelines/test.yml") throws -> CLI.Result {
        try CLI.run(["report", "--pipeline", pipeline] + args, in: dir.path)
    }

    // MARK: - independent tools

    private struct Tool: Error {
        var status: Int32
        var output: String
    }

    @discardableResult
    private static func tool(_ executable: String, _ args: [String], in dir: String? = nil) throws -> Tool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Tool(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private static func executable(_ names: [String]) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for name in names {
            for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    /// A python3 that imports openpyxl (Debian's python3-openpyxl lives in /usr/bin/python3).
    private static let python: String? = {
        for candidate in ["/usr/bin/python3", executable(["python3"])].compactMap({ $0 }) {
            if let r = try? tool(candidate, ["-c", "import openpyxl"]), r.status == 0 { return candidate }
        }
        return nil
    }()

    private static let chromium = executable(["chromium-headless-shell", "chromium", "chromium-browser"])

    /// The tool, or a skip (locally) / failure (CI) saying what to install.
    private func require(_ tool: String?, _ install: String) throws -> String {
        if let tool { return tool }
        let message = "needs \(install) (installed by .ci/run)"
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message) }
        throw XCTSkip(message)
    }

    private func check(_ script: String, _ args: [String], python: String) throws {
        let r = try Self.tool(python, [Self.scripts + "/" + script] + args, in: Self.scripts)
        XCTAssertEqual(r.status, 0, "\(script):\n\(r.output)")
    }

    // MARK: - workbook

    func testReportXlsx_cellsAndChartsMatchTheTables_readByOpenpyxl() throws {
        let python = try require(Self.python, "python3 with openpyxl (Debian python3-openpyxl)")
        let dir = try project()
        let latest = dir.path + "/out/latest"
        for lang in ["zh", "en"] {
            let path = dir.path + "/report-\(lang).xlsx"
            let r = try report(dir, ["--lang", lang, "--out", path])
            XCTAssertEqual(r.status, 0, r.stderr)
            try check("check_workbook.py", [path, latest, lang, Self.repo + "/datasets/published/figures.csv"], python: python)
        }
    }

    func testReportXlsx_sameOutputsGiveTheSameBytes_andTheDefaultPathIsBesideLatest() throws {
        let dir = try project()
        XCTAssertEqual(try report(dir, []).status, 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/report.xlsx"))
        Thread.sleep(forTimeInterval: 1.1)  // a clock-based timestamp would now differ
        XCTAssertEqual(try report(dir, []).status, 0)
        let second = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out/report.xlsx"))
        XCTAssertEqual(first, second)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").contains { $0.contains(".tmp-") })
    }

    // MARK: - HTML

    func testReportHtml_rendersInHeadlessChromium_withTheTablesHeadlineFigures() throws {
        let python = try require(Self.python, "python3")
        let chromium = try require(Self.chromium, "chromium-headless-shell and fonts-wqy-zenhei")
        let dir = try project()
        let page = dir.path + "/report.html"
        let r = try report(dir, ["--format", "html", "--out", page])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("<html lang=\"zh-CN\">"))
        XCTAssertTrue(html.contains("id=\"published\""), "the published figures beside the computed ones")
        XCTAssertTrue(html.contains("@page"))
        // The five published stock figures (2012–2020) as points on the stock chart.
        let stock = html.components(separatedBy: "id=\"chart-stock\"").last?.components(separatedBy: "</svg>").first ?? ""
        XCTAssertEqual(stock.components(separatedBy: "<circle cx").count - 1 - 2, 5, "published points (plus the legend's two dots)")
        // Not committed: the screenshot goes to the build folder for a look.
        let shot = Self.repo + "/.build/report-test-screenshot.png"
        try check("check_html.py", [page, dir.path + "/out/latest", chromium, shot, "zh"], python: python)

        let en = dir.path + "/report-en.html"
        XCTAssertEqual(try report(dir, ["--format", "html", "--lang", "en", "--out", en]).status, 0)
        try check("check_html.py", [en, dir.path + "/out/latest", chromium, dir.path + "/en.png", "en"], python: python)
    }

    // MARK: - bad input and empty runs

    func testReport_whenPublishedFileMissing_exits65NamingIt() throws {
        let dir = try project(published: "../missing_figures.csv")
        let r = try report(dir, ["--format", "html", "--out", dir.path + "/r.html"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("missing_figures.csv"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path + "/r.html"))
    }

    func testReport_whenPublishedFileMalformed_exits65NamingFileAndLine() throws {
        let dir = try project(published: "../figures.csv")
        _ = try dir.file("figures.csv", "year,metric,value,source\n2012,active_stock,320000,ok\n2015,active_stock,53万,bad\n")
        let r = try report(dir, [])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("figures.csv:3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("value"), r.stderr)
    }

    func testQuarantineCounts_fromTheManifest_equalThoseReadFromTheQuarantineFile() throws {
        let dir = try project()
        let latest = dir.path + "/out/latest"
        let data = try Data(contentsOf: URL(fileURLWithPath: latest + "/manifest.json"))
        var manifest = try JSONDecoder().decode(Manifest.self, from: data)
        let fromFile = try ReportInput.readQuarantine(latest + "/" + MergeStage.quarantineFile)
        XCTAssertGreaterThan(fromFile.count, 10, "the bundled exports quarantine rows of many sources and reasons")
        XCTAssertEqual(ReportInput.quarantineCounts(manifest), fromFile)
        // Counts that do not add up to the published quarantine: the file is read instead.
        manifest.inputs[0].quarantinedByReason["encoding", default: 0] += 1
        XCTAssertNil(ReportInput.quarantineCounts(manifest))
    }

    func testReport_whenEveryRowIsQuarantined_stillRendersWithANote() throws {
        let dir = try Workdir()
        try FileManager.default.createDirectory(atPath: dir.path + "/pipelines", withIntermediateDirectories: true)
        _ = try dir.file("registrations.csv", "uscc,name,type,registered_on\n51110000MJ0000000X,测试协会,社会团体,2020-01-01\n")
        _ = try dir.file("funding.csv", "record_id,recipient_uscc,received_on,purpose,amount\nr1,51110000MJ0000000X,2020-02-30,救灾,100\n")
        _ = try dir.file("pipelines/empty.yml", """
            version: 1
            name: empty
            as_of: 2021-12-31
            output: ../out
            sources:
              registrations: [../registrations.csv]
              funding: [../funding.csv]

            """)
        try runPipeline(dir, "pipelines/empty.yml")
        let html = dir.path + "/r.html", xlsx = dir.path + "/r.xlsx"
        XCTAssertEqual(try report(dir, ["--format", "html", "--out", html], pipeline: "pipelines/empty.yml").status, 0)
        XCTAssertEqual(try report(dir, ["--out", xlsx], pipeline: "pipelines/empty.yml").status, 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("本次运行没有数据"), "a note where a table is empty")
        XCTAssertTrue(page.contains("无数据"), "a note where a chart is empty")
        XCTAssertTrue(page.contains("<section id=\"quarantine\"><h2>隔离行</h2>\n<table"), "the quarantine summary")
        if let python = Self.python {
            try check("check_workbook.py", [xlsx, dir.path + "/out/latest", "zh"], python: python)
        }
    }

    func testReport_whenNothingPublished_saysRunFirst() throws {
        let dir = try project(run: false)
        let r = try report(dir, [])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("sectorstats run"), r.stderr)
    }

    // MARK: - export for Excel

    func testExport_bomAndExcel_writeWhatExcelOnAChineseLocaleReads() throws {
        let dir = try project(published: nil)
        let plain = dir.path + "/plain.csv", bom = dir.path + "/bom.csv", excel = dir.path + "/excel.csv"
        for (flags, path) in [([String](), plain), (["--bom"], bom), (["--excel"], excel)] {
            let r = try CLI.run(["export", "top_funders", "--pipeline", "pipelines/test.yml", "--out", path] + flags, in: dir.path)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let p = try [UInt8](Data(contentsOf: URL(fileURLWithPath: plain)))
        let b = try [UInt8](Data(contentsOf: URL(fileURLWithPath: bom)))
        let e = try [UInt8](Data(contentsOf: URL(fileURLWithPath: excel)))
        XCTAssertNotEqual(Array(p.prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(b, [0xEF, 0xBB, 0xBF] + p)
        XCTAssertEqual(Array(e.prefix(3)), [0xEF, 0xBB, 0xBF])
        let lines = p.filter { $0 == 0x0A }.count
        XCTAssertEqual(e.count, b.count + lines, "one CR before each LF")
        XCTAssertTrue(String(decoding: e, as: UTF8.self).hasSuffix("\r\n"))
        XCTAssertEqual(try CLI.run(["export", "top_funders", "--format", "md", "--bom", "--pipeline", "pipelines/test.yml"], in: dir.path).status, 64)
    }

    func testReport_whenBadFlag_exits64() throws {
        let dir = try Workdir()
        XCTAssertEqual(try CLI.run(["report", "--format", "pdf"], in: dir.path).status, 64)
        XCTAssertEqual(try CLI.run(["report", "--lang", "fr"], in: dir.path).status, 64)
    }
}
