import Foundation
import XCTest
@testable import SectorStats

/// Terminal escape sequences from the data are shown, never acted on (issue 18, defect 5).
final class TerminalTextTests: XCTestCase {
    /// No byte a terminal acts on: C0 other than LF, DEL, C1 (as UTF-8).
    private func assertNoControls(_ s: String, file: StaticString = #filePath, line: UInt = #line) {
        for scalar in s.unicodeScalars where scalar != "\n" {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                XCTFail("control character U+\(String(scalar.value, radix: 16)) in \(s.debugDescription)", file: file, line: line)
                return
            }
        }
    }

    func testCell_whenEscapeSequences_showsThemEscaped() {
        XCTAssertEqual(TerminalTable.cell("a\u{1B}[2Jb", maxWidth: 40), "a\\x1B[2Jb")
        XCTAssertEqual(TerminalTable.cell("x\u{7F}\u{9B}31m\u{0}", maxWidth: 40), "x\\x7F\\x9B31m\\x00")
        XCTAssertEqual(TerminalTable.cell("evil\u{202E}txt", maxWidth: 40), "evil\\u202Etxt")
        // Line breaks and tabs keep their display; CJK is untouched.
        XCTAssertEqual(TerminalTable.cell("社会\r\n组织\tx", maxWidth: 40), "社会↵组织 x")
        // An escape is cut whole.
        XCTAssertEqual(TerminalTable.cell("ab\u{1B}", maxWidth: 4), "ab…")
    }

    func testRender_whenCellsHoldControls_noControlReachesTheTerminal() {
        let text = TerminalTable.render([["funder", "total"], ["\u{1B}]0;owned\u{07}某\u{7F}公司\u{9B}31m", "1.00"]], maxCellWidth: 60)
        assertNoControls(text)
        XCTAssertTrue(text.contains("\\x1B]0;owned\\x07某\\x7F公司\\x9B31m"), text)
    }

    func testEscaped_whenPlainText_isUnchanged() {
        let s = "湖北省慈善总会, 7.4亿元 (2020-02-01) “引号” — ok"
        XCTAssertEqual(TerminalText.escaped(s), s)
        XCTAssertEqual(TerminalText.escaped("two\nlines\u{1B}", keepingNewlines: true), "two\nlines\\x1B")
    }

    func testJSONLines_escapeC0DELAndC1_andParseBackToTheSameText() throws {
        let s = "a\u{1B}[2J\u{7F}\u{85}\u{9B}b\"\\社"
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { JSONLines.appendString($0, to: &out) }
        let text = String(decoding: out, as: UTF8.self)
        assertNoControls(text)
        XCTAssertEqual(text, #""a\u001b[2J\u007f\u0085\u009bb\"\\社""#)
        let back = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
        XCTAssertEqual(back, s)
    }

    /// `show` and `inspect` on data holding escape sequences (fixture
    /// terminal_escapes_in_fields.csv: ESC[2J, an OSC title, BEL, DEL and C1 CSI in a funder).
    func testShowAndInspect_whenTheDataHoldsEscapeSequences_printThemEscaped() throws {
        let dir = try Workdir()
        let reference = Fixtures.repoRoot + "/datasets/reference"
        let r = try CLI.run(["run", "--registrations", Fixtures.path("normalize/registrations_every_defect_utf8.csv"),
                             "--funding", Fixtures.path("normalize/terminal_escapes_in_fields.csv"), "--out", "out",
                             "--as-of", "2021-12-31", "--reference", reference, "--quiet"], in: dir.path)
        XCTAssertEqual(r.status, 0, r.stderr)
        let show = try CLI.run(["show", "top_funders", "--out-dir", "out"], in: dir.path)
        XCTAssertEqual(show.status, 0, show.stderr)
        assertNoControls(show.stdout)
        XCTAssertTrue(show.stdout.contains("\\x1B[2J"), show.stdout)
        let inspect = try CLI.run(["inspect", Fixtures.path("normalize/terminal_escapes_in_fields.csv")], in: dir.path)
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        assertNoControls(inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("\\x1B[2J"), inspect.stdout)
        let json = try CLI.run(["inspect", Fixtures.path("normalize/terminal_escapes_in_fields.csv"), "--json"], in: dir.path)
        XCTAssertEqual(json.status, 0, json.stderr)
        assertNoControls(json.stdout)
    }
}
