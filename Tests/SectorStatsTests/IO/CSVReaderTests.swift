import XCTest
@testable import SectorStats

/// The streaming reader on fixtures named after the defect they contain
/// (Tests/Fixtures/csv/make_fixtures.py writes them). Expected values are worked out by
/// hand from the fixture bytes and DATA.md §5 "Records".
final class CSVReaderTests: XCTestCase {
    private func fixture(_ name: String) -> String { Fixtures.path("csv/" + name) }

    func testRead_whenUTF8BOM_stripsItFromTheFirstHeaderField() throws {
        let (header, records) = try readAll(fixture("bom.csv"))
        XCTAssertEqual(header, ["name", "code"])
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["北京", "1"])])
    }

    func testRead_whenCRLFInsideQuotes_keepsItInTheFieldAndCountsTheLine() throws {
        let (header, records) = try readAll(fixture("crlf_inside_quotes.csv"))
        XCTAssertEqual(header, ["name", "scope"])
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: ["a", "x\r\ny"], raw: "\"a\",\"x\r\ny\""),
            ReadRecord(line: 4, fields: ["b", "z"], raw: "b,z"),
        ])
    }

    func testRead_whenLastFieldEmpty_keepsItAsEmptyField() throws {
        let (_, records) = try readAll(fixture("empty_last_field.csv"))
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["1", "2", ""]), ReadRecord(line: 3, fields: ["3", "", ""])])
    }

    func testRead_whenNoTrailingNewline_readsTheLastRecord() throws {
        let (_, records) = try readAll(fixture("no_trailing_newline.csv"))
        XCTAssertEqual(records, [ReadRecord(line: 2, fields: ["1", "2"], raw: "1,2"), ReadRecord(line: 3, fields: ["3", "4"], raw: "3,4")])
    }

    func testRead_whenDoubledQuotes_undoesThem() throws {
        let (_, records) = try readAll(fixture("doubled_quotes.csv"))
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["say \"hi\"", "\""])])
    }

    func testRead_whenEmbeddedDelimitersAndNewlines_keepsFieldsWholeAndLinesPhysical() throws {
        let (_, records) = try readAll(fixture("embedded_delimiters_and_newlines.csv"))
        XCTAssertEqual(stripRaw(records), [
            ReadRecord(line: 2, fields: ["x,y", "line1\nline2\nline3", "z"]),
            ReadRecord(line: 5, fields: ["q", "r", "s"]),
        ])
    }

    func testRead_whenGB18030WithFourByteCharacters_decodesToUTF8() throws {
        let reader = try CSVReader(path: fixture("gb18030_four_byte.csv"))
        XCTAssertEqual(reader.encoding, .gb18030)
        var records: [ReadRecord] = []
        try reader.forEachRecord { records.append(ReadRecord($0)) }
        XCTAssertEqual(reader.header, ["名称", "备注"])
        XCTAssertEqual(records, [ReadRecord(line: 2, fields: ["𠮷祥协会", "㐀字"], raw: "𠮷祥协会,㐀字")])
    }

    func testRead_whenGzipInput_inflatesWhateverTheName() throws {
        let reader = try CSVReader(path: fixture("gzip_input.csv.gz"))
        XCTAssertTrue(reader.isGzip)
        var records: [ReadRecord] = []
        try reader.forEachRecord { records.append(ReadRecord($0)) }
        XCTAssertEqual(reader.header, ["record_id", "amount"])
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["R1", "7.4亿"]), ReadRecord(line: 3, fields: ["R2", "1,234.5"])])
    }

    func testRead_whenTabDelimited_splitsOnTabsOnly() throws {
        let (header, records) = try readAll(fixture("tab_delimited.tsv"), CSVReadOptions(delimiter: UInt8(ascii: "\t")))
        XCTAssertEqual(header, ["a", "b", "c"])
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["1", "x\ty", "3"])])
    }

    func testRead_whenSemicolonDelimited_splitsOnSemicolons() throws {
        let (_, records) = try readAll(fixture("semicolon_delimited.csv"), CSVReadOptions(delimiter: UInt8(ascii: ";")))
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 2, fields: ["1;2", "3"]), ReadRecord(line: 3, fields: ["4", "5"])])
    }

    func testRead_whenDelimiterAuto_sniffsTabAndSemicolon() throws {
        XCTAssertEqual(try CSVReader(path: fixture("tab_delimited.tsv"), options: CSVReadOptions(delimiter: nil)).delimiter, UInt8(ascii: "\t"))
        XCTAssertEqual(try CSVReader(path: fixture("semicolon_delimited.csv"), options: CSVReadOptions(delimiter: nil)).delimiter, UInt8(ascii: ";"))
        XCTAssertEqual(try CSVReader(path: fixture("bom.csv"), options: CSVReadOptions(delimiter: nil)).delimiter, UInt8(ascii: ","))
    }

    func testRead_whenUnterminatedQuoteAtEOF_reportsItsFirstLineAndRereadsTheRest() throws {
        let (_, records) = try readAll(fixture("unterminated_quote_at_eof.csv"))
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: ["1", "2"], raw: "1,2"),
            ReadRecord(line: 3, fields: [], issue: .csvMalformed, raw: "3,\"never closed"),
            ReadRecord(line: 4, fields: ["4", "5"], raw: "4,5"),
        ])
    }

    func testRead_whenStrayQuoteMidFile_goodRecordsAfterItStillComeOut() throws {
        let (_, records) = try readAll(fixture("stray_quote_mid_file.csv"))
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: ["1", "2", "3"], raw: "1,2,3"),
            ReadRecord(line: 3, fields: [], issue: .csvMalformed, raw: "x,he said \"no\",z"),
            ReadRecord(line: 4, fields: ["4", "5", "6"], raw: "4,5,6"),
            ReadRecord(line: 5, fields: [], issue: .csvMalformed, raw: "\"q\"w,7,8"),
            ReadRecord(line: 6, fields: ["9", "10", "11"], raw: "9,10,11"),
        ])
    }

    func testRead_whenStrayOpeningQuoteSwallowsLines_theyAreParsedAgain() throws {
        // Line 2 opens a quote that libcsv only rejects on line 4; lines 3–5 are good.
        let (_, records) = try readAll(fixture("stray_opening_quote.csv"))
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: [], issue: .csvMalformed, raw: "1,\"oops"),
            ReadRecord(line: 3, fields: ["2", "3"], raw: "2,3"),
            ReadRecord(line: 4, fields: ["4", "ok"], raw: "4,\"ok\""),
            ReadRecord(line: 5, fields: ["5", "6"], raw: "5,6"),
        ])
    }

    func testRead_whenWrongFieldCounts_padsShortRecordsAndRejectsLongOnes() throws {
        let reader = try CSVReader(path: fixture("wrong_field_counts.csv"))
        var records: [ReadRecord] = []
        var parsedCounts: [Int] = []
        var details: [String] = []
        try reader.forEachRecord {
            records.append(ReadRecord($0))
            parsedCounts.append($0.parsedCount)
            if let issue = $0.issue { details.append(issue.detail) }
        }
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: ["1", "2", "3"], raw: "1,2,3"),
            ReadRecord(line: 3, fields: ["4", "5", ""], raw: "4,5"),
            ReadRecord(line: 4, fields: ["6", "7", "8", "9"], issue: .fieldCount, raw: "6,7,8,9"),
            ReadRecord(line: 5, fields: ["10", "11", "12"], raw: "10,11,12"),
        ])
        XCTAssertEqual(parsedCounts, [3, 2, 4, 3])
        XCTAssertEqual(details, ["expected 3 fields as in the header, found 4"])
    }

    func testRead_whenInvalidUTF8InUTF8File_reportsEncodingPerRecord() throws {
        let reader = try CSVReader(path: fixture("invalid_utf8.csv"), options: CSVReadOptions(encoding: .fixed(.utf8)))
        var records: [(Int, CSVIssue.Kind?)] = []
        var details: [String] = []
        try reader.forEachRecord {
            records.append(($0.line, $0.issue?.kind))
            if let issue = $0.issue { details.append(issue.detail) }
        }
        XCTAssertEqual(records.map(\.0), [2, 3, 4, 5])
        XCTAssertEqual(records.map(\.1), [nil, .encoding, nil, .encoding])
        XCTAssertTrue(details[0].contains("0xFF at byte 6"), details[0])
    }

    func testRead_whenBlankLines_skipsThemButCountsTheirLines() throws {
        let (_, records) = try readAll(fixture("blank_lines.csv"))
        XCTAssertEqual(stripRaw(records), [ReadRecord(line: 3, fields: ["1", "2"]), ReadRecord(line: 6, fields: ["3", "4"])])
    }

    func testOpen_whenFileEmpty_throwsEmptyInput() {
        XCTAssertThrowsError(try CSVReader(path: fixture("empty.csv"))) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .emptyInput)
            XCTAssertTrue("\(error)".contains("empty.csv"))
        }
    }

    func testOpen_whenFileMissing_throwsFileNotReadableNamingIt() {
        XCTAssertThrowsError(try CSVReader(path: fixture("no_such_file.csv"))) { error in
            XCTAssertEqual((error as? SectorStatsError)?.code, .fileNotReadable)
            XCTAssertTrue("\(error)".contains("no_such_file.csv"))
        }
    }

    func testRead_whenBareCR_countsItAsALineBreak() throws {
        let dir = try Workdir()
        let path = try dir.file("cr_only.csv", "a,b\r1,2\r\"x\ry\",3\r4,5")
        let (_, records) = try readAll(path)
        XCTAssertEqual(records, [
            ReadRecord(line: 2, fields: ["1", "2"], raw: "1,2"),
            ReadRecord(line: 3, fields: ["x\ry", "3"], raw: "\"x\ry\",3"),
            ReadRecord(line: 5, fields: ["4", "5"], raw: "4,5"),
        ])
    }

    func testRead_whenGB18030HasInvalidBytes_reportsEncodingOnThatRecordOnly() throws {
        let dir = try Workdir()
        // 0x81 0x0A: a lead byte followed by a line feed is not a GB18030 character.
        var bytes = Array("名称,备注\n".utf8) // header in UTF-8 would sniff as UTF-8, so encode by hand:
        bytes = [0xC3, 0xFB, 0xB3, 0xC6, 0x2C, 0xB1, 0xB8, 0xD7, 0xA2, 0x0A]  // 名称,备注\n in GBK
        bytes += [0x61, 0x2C, 0x81, 0x0A]   // a,<bad>\n
        bytes += [0x62, 0x2C, 0xD0, 0xAD, 0x0A] // b,协 (GBK D0AD)\n
        let path = try dir.file("gb_bad.csv", bytes)
        let reader = try CSVReader(path: path, options: CSVReadOptions(encoding: .fixed(.gb18030)))
        var seen: [(Int, CSVIssue.Kind?, [String])] = []
        try reader.forEachRecord { seen.append(($0.line, $0.issue?.kind, $0.issue == nil ? $0.fields() : [])) }
        XCTAssertEqual(seen.map(\.0), [2, 3])
        XCTAssertEqual(seen.map(\.1), [.encoding, nil])
        XCTAssertEqual(seen[1].2, ["b", "协"])
    }

    func testRead_whenBlockSizeTiny_givesTheSameRecordsAsDefault() throws {
        for name in ["crlf_inside_quotes.csv", "embedded_delimiters_and_newlines.csv", "stray_quote_mid_file.csv",
                     "stray_opening_quote.csv", "unterminated_quote_at_eof.csv", "invalid_utf8.csv", "gb18030_four_byte.csv",
                     "gzip_input.csv.gz", "blank_lines.csv"] {
            let expected = try readAll(fixture(name))
            for block in [16, 17, 31, 64] {
                let got = try readAll(fixture(name), CSVReadOptions(blockSize: block))
                XCTAssertEqual(got.header, expected.header, "\(name) block \(block)")
                XCTAssertEqual(got.records, expected.records, "\(name) block \(block)")
            }
        }
    }

    func testRead_whenRecordLongerThanLimit_reportsMalformedAndContinues() throws {
        let dir = try Workdir()
        let long = String(repeating: "x", count: 300)
        let path = try dir.file("long.csv", "a,b\n1,\"\(long)\n\(long)\n2,3\n")
        let (_, records) = try readAll(path, CSVReadOptions(blockSize: 64, maxRecordBytes: 1024))
        // The quote on line 2 is never closed; with a 1 KiB limit the record is rejected
        // and lines 3 and 4 are read again: line 3 is one field (padded), line 4 good.
        XCTAssertEqual(records.map(\.line), [2, 3, 4])
        XCTAssertEqual(records.map(\.issue), [.csvMalformed, nil, nil])
        XCTAssertEqual(records[2].fields, ["2", "3"])
    }
}

/// Encoding sniffing (DATA.md §3: UTF-8 with or without BOM, GB18030).
final class EncodingSnifferTests: XCTestCase {
    private func sniff(_ bytes: [UInt8], whole: Bool = true) -> TextEncoding {
        bytes.withUnsafeBytes { EncodingSniffer.sniff($0, isWholeFile: whole) }
    }

    func testSniff_whenUTF8WithAFewCorruptBytes_staysUTF8() {
        var bytes = Array("名称,备注\n北京市海淀区社区养老服务协会,正常\n".utf8)
        bytes += [0xFF, 0x0A]
        XCTAssertEqual(sniff(bytes), .utf8)
    }

    func testSniff_whenGB18030Text_isGB18030() {
        // 名称,备注 in GBK: C3FB B3C6 2C B1B8 D7A2
        XCTAssertEqual(sniff([0xC3, 0xFB, 0xB3, 0xC6, 0x2C, 0xB1, 0xB8, 0xD7, 0xA2, 0x0A]), .gb18030)
    }

    func testSniff_whenSampleCutsACharacter_staysUTF8() {
        let bytes = Array("北京".utf8).dropLast()
        XCTAssertEqual(sniff(Array(bytes), whole: false), .utf8)
        XCTAssertEqual(sniff(Array(bytes), whole: true), .gb18030)
    }

    func testSniff_whenBOM_isUTF8() {
        XCTAssertEqual(sniff([0xEF, 0xBB, 0xBF, 0xC3, 0xFB]), .utf8)
    }
}
