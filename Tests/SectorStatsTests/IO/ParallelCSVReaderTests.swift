import Foundation
import Synchronization
import XCTest
@testable import SectorStats
@testable import SectorStatsGenerate

/// Parallel chunked reads must give exactly the serial read's records and line numbers,
/// whatever the chunk count, block size and encoding, including when nominal chunk
/// boundaries fall inside quoted fields that contain line breaks.
final class ParallelCSVReaderTests: XCTestCase {
    /// A CSV whose records often carry quoted commas, quotes and LF/CRLF line breaks, with
    /// blank lines between some records; `malformed` adds stray quotes and bad field counts.
    private func generate(records: Int, seed: UInt64, malformed: Bool) -> String {
        var rng = SplitMix64(seed: seed)
        let words = ["协会", "基金会", "服务中心", "北京", "海淀区", "abc", "x y", "社区", "养老", "助残"]
        var out = "name,scope,amount,date\n"
        for i in 0..<records {
            let name = words[Int(rng.next() % UInt64(words.count))] + String(i)
            var scope = ""
            for _ in 0..<Int(rng.next() % 6) {
                scope += words[Int(rng.next() % UInt64(words.count))]
                switch rng.next() % 6 {
                case 0: scope += ","
                case 1: scope += "\n"
                case 2: scope += "\r\n"
                case 3: scope += "\"\""
                default: scope += " "
                }
            }
            let quotedScope = scope.unicodeScalars.contains(where: { ",\n\r\"".unicodeScalars.contains($0) }) ? "\"" + scope + "\"" : scope
            if malformed && rng.next() % 40 == 0 {
                out += "\(name),stray \"quote,1,2\n"
            } else if malformed && rng.next() % 60 == 0 {
                out += "\(name),\"opened,never closed\n"
            } else if malformed && rng.next() % 50 == 0 {
                out += "\(name),a,b,c,d\n"
            } else {
                out += "\(name),\(quotedScope),\(rng.next() % 100000),2020-01-0\(1 + rng.next() % 9)\n"
            }
            if rng.next() % 25 == 0 { out += "\n" }
        }
        return out
    }

    private func chunked(_ path: String, chunks: Int, options: CSVReadOptions) throws -> (records: [ReadRecord], fellBack: Bool, states: Int) {
        let result = try CSVReader.readChunks(path: path, options: options, chunks: chunks, minChunkBytes: 1,
                                              makeState: { _ in [ReadRecord]() },
                                              visit: { state, record in state.append(ReadRecord(record)) })
        return (result.states.flatMap { $0 }, result.fellBack, result.states.count)
    }

    func testReadChunks_whenWellFormed_equalsSerialForEveryChunkCount() throws {
        let dir = try Workdir()
        let path = try dir.file("wellformed.csv", generate(records: 3000, seed: 7, malformed: false))
        let serial = try readAll(path).records
        XCTAssertEqual(serial.count, 3000)
        XCTAssertTrue(serial.allSatisfy { $0.issue == nil })
        for chunks in [2, 3, 5, 8, 16, 64] {
            let got = try chunked(path, chunks: chunks, options: CSVReadOptions())
            XCTAssertEqual(got.records, serial, "chunks \(chunks)")
            XCTAssertFalse(got.fellBack, "parity boundaries are exact on well-formed CSV (chunks \(chunks))")
            XCTAssertEqual(got.states, chunks, "chunks \(chunks)")
        }
    }

    func testReadChunks_whenNominalBoundaryInsideQuotedNewline_movesToARecordBoundary() throws {
        let dir = try Workdir()
        // Every record is one quoted field spanning 4 lines: almost every byte offset is
        // inside quotes, so nominal boundaries must be moved.
        var text = "a,b\n"
        for i in 0..<500 { text += "\(i),\"l1\nl2\r\nl3\nl4\"\n" }
        let path = try dir.file("quoted.csv", text)
        let serial = try readAll(path).records
        XCTAssertEqual(serial.last?.line, 2 + 499 * 4)
        for chunks in [2, 7, 33] {
            let got = try chunked(path, chunks: chunks, options: CSVReadOptions(blockSize: 100))
            XCTAssertEqual(got.records, serial, "chunks \(chunks)")
            XCTAssertFalse(got.fellBack)
        }
    }

    func testReadChunks_whenMalformedQuoting_fallsBackAndStillEqualsSerial() throws {
        let dir = try Workdir()
        let path = try dir.file("malformed.csv", generate(records: 3000, seed: 11, malformed: true))
        let serial = try readAll(path).records
        XCTAssertTrue(serial.contains { $0.issue == .csvMalformed })
        XCTAssertTrue(serial.contains { $0.issue == .fieldCount })
        for chunks in [2, 4, 9, 32] {
            for block in [64, 1 << 20] {
                let got = try chunked(path, chunks: chunks, options: CSVReadOptions(blockSize: block))
                assertSameRecords(got.records, serial, "chunks \(chunks) block \(block)")
            }
        }
    }

    func testReadChunks_whenGB18030_equalsSerial() throws {
        let dir = try Workdir()
        let text = generate(records: 2000, seed: 3, malformed: false)
        let utf8Path = try dir.file("u.csv", text)
        // A second implementation does the encoding: glibc's iconv command.
        let path = dir.path + "/gb.csv"
        let iconv = Process()
        iconv.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        iconv.arguments = ["-f", "UTF-8", "-t", "GB18030", "-o", path, utf8Path]
        try iconv.run()
        iconv.waitUntilExit()
        XCTAssertEqual(iconv.terminationStatus, 0)
        let serial = try readAll(path).records
        XCTAssertEqual(try CSVReader(path: path).encoding, .gb18030)
        let utf8 = try readAll(utf8Path).records
        XCTAssertEqual(serial, utf8, "GB18030 and UTF-8 versions read the same")
        for chunks in [2, 5] {
            let got = try chunked(path, chunks: chunks, options: CSVReadOptions())
            XCTAssertEqual(got.records, serial, "chunks \(chunks)")
        }
    }

    func testReadChunks_whenGzip_readsSeriallyWithTheSameResult() throws {
        let serial = try readAll(Fixtures.path("csv/gzip_input.csv.gz")).records
        let got = try chunked(Fixtures.path("csv/gzip_input.csv.gz"), chunks: 4, options: CSVReadOptions())
        XCTAssertEqual(got.records, serial)
        XCTAssertEqual(got.states, 1)
    }

    func testCountQuotesAndLines_whenCRLFSpansRanges_countsOneBreak() throws {
        let dir = try Workdir()
        let path = try dir.file("crlf.csv", "ab\r\ncd\"\rx\n")
        // Whole file: LF×2, CR×2 of which one is CRLF → 3 line breaks; 1 quote.
        let whole = try CSVReader.countQuotesAndLines(path: path, range: 0..<11, fileSize: 11)
        XCTAssertEqual(whole.lines, 3)
        XCTAssertEqual(whole.quotes, 1)
        // Split between CR and LF of the first CRLF: the break is counted once in total.
        let a = try CSVReader.countQuotesAndLines(path: path, range: 0..<3, fileSize: 11)
        let b = try CSVReader.countQuotesAndLines(path: path, range: 3..<11, fileSize: 11)
        XCTAssertEqual(a.lines + b.lines, 3)
    }

    func testReadChunksInOrder_whenManyChunksFewWorkers_consumesInFileOrderAndEqualsSerial() throws {
        let dir = try Workdir()
        // Some of these splits take the restart path (a chunk begun at a wrong start — a
        // planned boundary inside a quoted multi-line field — is parsed again), with fewer
        // workers than chunks.
        var restarted = false
        defer { XCTAssertTrue(restarted, "no split took the restart path") }
        for (name, malformed) in [("wf.csv", false), ("mf.csv", true)] {
            let path = try dir.file(name, generate(records: 2000, seed: 5, malformed: malformed))
            let serial = try readAll(path).records
            for (chunks, workers) in [(17, 2), (40, 3), (9, 1)] {
                var got: [ReadRecord] = []
                var consumed: [Int] = []
                let read = try CSVReader.readChunksInOrder(
                    path: path, options: CSVReadOptions(blockSize: 128), chunks: chunks, concurrency: workers,
                    minChunkBytes: 1, makeState: { k in (k, [ReadRecord]()) },
                    visit: { state, record in state.1.append(ReadRecord(record)) },
                    consume: { state in consumed.append(state.0); got += state.1 })
                assertSameRecords(got, serial, "\(name) chunks \(chunks) workers \(workers)")
                XCTAssertEqual(consumed, Array(Set(consumed)).sorted(), "each state once, in file order")
                restarted = restarted || read.fellBack
            }
        }
    }

    func testReadChunksInOrder_whenAChunkOrTheConsumerThrows_rethrowsTheFirstErrorInFileOrderAndStops() throws {
        // Errors in two chunks: the earlier one in the file is thrown, whichever worker fails
        // first, after the chunks before it are consumed; a consumer's error ends the read at
        // once. Neither may hang or leave a worker running past the call.
        struct Stop: Error, Equatable { let at: String }
        let dir = try Workdir()
        let path = try dir.file("stop.csv", generate(records: 3000, seed: 11, malformed: false))
        let serial = try readAll(path).records
        let early = try XCTUnwrap(serial.dropFirst(1000).first?.fields.first)
        let late = try XCTUnwrap(serial.dropFirst(2200).first?.fields.first)
        for (chunks, workers) in [(23, 2), (23, 3), (5, 1), (5, 2)] {
            var consumedRecords = 0
            XCTAssertThrowsError(try CSVReader.readChunksInOrder(
                path: path, options: CSVReadOptions(blockSize: 128), chunks: chunks, concurrency: workers, minChunkBytes: 1,
                makeState: { _ in 0 },
                visit: { count, record in
                    let name = String(decoding: record[0], as: UTF8.self)
                    if name == early || name == late { throw Stop(at: name) }
                    count += 1
                },
                consume: { consumedRecords += $0 })) { error in
                XCTAssertEqual(error as? Stop, Stop(at: early), "chunks \(chunks) workers \(workers)")
            }
            XCTAssertLessThanOrEqual(consumedRecords, 1000, "nothing from the failing chunk on is consumed")
            XCTAssertGreaterThan(consumedRecords, 0, "the chunks before the failing one are consumed first")

            var consumedChunks: [Int] = []
            XCTAssertThrowsError(try CSVReader.readChunksInOrder(
                path: path, options: CSVReadOptions(blockSize: 128), chunks: chunks, concurrency: workers, minChunkBytes: 1,
                makeState: { k in k }, visit: { _, _ in },
                consume: { k in
                    consumedChunks.append(k)
                    if consumedChunks.count == 3 { throw Stop(at: "consume") }
                })) { error in
                XCTAssertEqual(error as? Stop, Stop(at: "consume"))
            }
            XCTAssertEqual(consumedChunks, [0, 1, 2], "chunks \(chunks) workers \(workers)")
        }
    }

    func testReadChunksInOrder_whenAChunkBegunAtAWrongStartFails_itsErrorIsDiscarded() throws {
        // A chunk parsed from a planned start that proves wrong sees records a serial read
        // never sees; here `visit` throws on any such record. The chunk is parsed again from
        // the right start, so the bad attempt's error must not surface.
        struct Unexpected: Error {}
        let dir = try Workdir()
        let path = try dir.file("restart.csv", generate(records: 2000, seed: 5, malformed: false))
        let serial = try readAll(path).records
        let known = Set(serial.map { "\($0.line)\u{0}\($0.raw)" })
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let thrown = Count()
        var restarted = false
        // Whether a wrong-start chunk gets parsed before it is discarded depends on thread
        // timing: the sweep is repeated (a few times at most) until one did.
        for (chunks, workers) in Array(repeating: [(17, 2), (40, 3), (9, 1)], count: 8).joined() {
            if restarted && thrown.value.load(ordering: .relaxed) > 0 { break }
            var got: [ReadRecord] = []
            let read = try CSVReader.readChunksInOrder(
                path: path, options: CSVReadOptions(blockSize: 128), chunks: chunks, concurrency: workers, minChunkBytes: 1,
                makeState: { _ in [ReadRecord]() },
                visit: { state, record in
                    let r = ReadRecord(record)
                    guard known.contains("\(r.line)\u{0}\(r.raw)") else {
                        thrown.value.add(1, ordering: .relaxed)
                        throw Unexpected()
                    }
                    state.append(r)
                },
                consume: { got += $0 })
            restarted = restarted || read.fellBack
            assertSameRecords(got, serial, "chunks \(chunks) workers \(workers)")
        }
        XCTAssertTrue(restarted, "no split took the restart path: the test proves nothing")
        XCTAssertGreaterThan(thrown.value.load(ordering: .relaxed), 0, "no wrong-start chunk failed: the test proves nothing")
    }

    func testReadChunks_whenAStrayQuoteEarly_laterBoundariesStillHold() throws {
        // One stray quote near the start flips any parity counted from the file start;
        // boundaries decided locally are not misled by it.
        let dir = try Workdir()
        var text = generate(records: 3000, seed: 9, malformed: false)
        let firstLineEnd = try XCTUnwrap(text.firstIndex(of: "\n"))
        text.insert(contentsOf: "x,stray \"quote,1,2\n", at: text.index(after: firstLineEnd))
        let path = try dir.file("stray_early.csv", text)
        let serial = try readAll(path).records
        XCTAssertEqual(serial.first?.issue, .csvMalformed)
        for chunks in [2, 4, 8] {
            let got = try chunked(path, chunks: chunks, options: CSVReadOptions())
            assertSameRecords(got.records, serial, "chunks \(chunks)")
            XCTAssertFalse(got.fellBack, "chunks \(chunks)")
        }
    }
}
