import CFuzzDriver
import Foundation
import SectorStats

/// One libFuzzer binary, several targets: `SECTORSTATS_FUZZ_TARGET` picks one (csv-reader,
/// values, header, pipeline-file). A target crashes (`fatalError`) when an invariant
/// breaks; libFuzzer and the address sanitizer report the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch FuzzTarget.selected {
    case .csvReader: FuzzTarget.csvReader(bytes)
    case .values: FuzzTarget.values(bytes)
    case .header: FuzzTarget.header(bytes)
    case .pipelineFile: FuzzTarget.pipelineFile(bytes)
    }
    return 0
}

enum FuzzTarget: String {
    case csvReader = "csv-reader"
    case values
    case header
    case pipelineFile = "pipeline-file"

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["SECTORSTATS_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            fatalError("set SECTORSTATS_FUZZ_TARGET to csv-reader, values, header or pipeline-file (got \"\(name)\")")
        }
        return t
    }()

    // MARK: - CSV reader: serial and parallel reads agree

    /// A record as both reads see it.
    struct Seen: Equatable, Sendable {
        var line: Int
        var issue: String?
        var fields: [[UInt8]]
        var raw: [UInt8]
    }

    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "sectorstats-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/input.csv"
    }()

    static func see(_ r: CSVRecord) -> Seen {
        Seen(line: r.line, issue: r.issue?.kind.rawValue,
             fields: r.issue?.kind == .csvMalformed ? [] : (0..<r.count).map { Array(r[$0]) }, raw: Array(r.raw))
    }

    /// The first byte picks the delimiter (auto, comma, tab, semicolon) and the chunk count.
    static func csvReader(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let first = bytes.first else { return }
        let delimiters: [UInt8?] = [nil, UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";")]
        let options = CSVReadOptions(delimiter: delimiters[Int(first & 3)])
        let chunks = 2 + Int((first >> 2) & 3)
        let body = UnsafeBufferPointer(rebasing: bytes[1...])
        guard FileManager.default.createFile(atPath: scratch, contents: Data(body)) else { fatalError("cannot write \(scratch)") }
        var serial: [Seen] = []
        let serialHeader: [String]
        do {
            let reader = try CSVReader(path: scratch, options: options)
            serialHeader = reader.header
            try reader.forEachRecord { serial.append(see($0)) }
        } catch {
            // Refused input (empty, undecodable header…): the parallel read must refuse it too.
            if (try? CSVReader.readChunks(path: scratch, options: options, chunks: chunks, minChunkBytes: 1,
                                          makeState: { _ in [Seen]() }, visit: { $0.append(see($1)) })) != nil {
                fatalError("the serial read failed (\(error)) but the parallel read did not")
            }
            return
        }
        let parallel: ChunkedRead<[Seen]>
        do {
            parallel = try CSVReader.readChunks(path: scratch, options: options, chunks: chunks, minChunkBytes: 1,
                                                makeState: { _ in [Seen]() }, visit: { $0.append(see($1)) })
        } catch {
            fatalError("the parallel read failed where the serial read did not: \(error)")
        }
        guard parallel.header == serialHeader else { fatalError("headers differ: \(parallel.header) vs \(serialHeader)") }
        let merged = parallel.states.flatMap { $0 }
        guard merged == serial else {
            let i = (0..<min(merged.count, serial.count)).first { merged[$0] != serial[$0] } ?? min(merged.count, serial.count)
            fatalError("serial and parallel reads differ at record \(i) (of \(serial.count) serial, \(merged.count) parallel)")
        }
    }

    // MARK: - Value parsers

    static let regions: RegionTable = {
        do { return try RegionTable(folder: URL(fileURLWithPath: ReferenceTables.embeddedPath)) } catch {
            fatalError("cannot load the built-in reference tables: \(error)")
        }
    }()

    static let asOf = CivilDate(year: 2021, month: 12, day: 31)

    /// Every value parser on the same bytes; a parsed value must satisfy what DATA.md §5 says.
    static func values(_ raw: UnsafeBufferPointer<UInt8>) {
        for unit in [AmountUnit.yuan, .wan] {
            if case .some(.some(let fen)) = try? AmountParser.parse(raw, bareUnit: unit), fen < 0 {
                fatalError("a negative amount was accepted: \(fen)")
            }
        }
        if case .some(.some(let d)) = try? DateParser.parse(raw, asOf: asOf) {
            guard CivilDate(year: d.year, month: d.month, day: d.day) != nil, let asOf, !(asOf < d) else {
                fatalError("an impossible or future date was accepted: \(d)")
            }
        }
        if case .some(.some(let code)) = try? USCC.parse(raw) {
            guard case .some(.some(let again)) = try? USCC.parse(code.description), again == code else {
                fatalError("a valid USCC does not parse back from its text: \(code)")
            }
        }
        _ = try? CategoryParser.orgType(raw)
        _ = try? CategoryParser.status(raw)
        _ = try? CategoryParser.sourceType(raw)
        _ = CategoryParser.purpose(raw)
        _ = CategoryParser.boolean(raw)
        if case .some(let n) = try? CountParser.parse(raw), n < 0 { fatalError("a negative count was accepted: \(n)") }
        let resolution = regions.resolve(raw)
        let code = regions.resolvedCode(raw)
        switch resolution {
        case .region(let r): if code != r.code { fatalError("resolve gives \(r.code), resolvedCode \(String(describing: code))") }
        case .ambiguous, .unknown: if code != nil { fatalError("resolvedCode gives \(code ?? 0) where resolve gives none") }
        }
    }

    // MARK: - Header matching

    /// Comma- and line-separated header names; each field matched at most once, indexes in range.
    static func header(_ bytes: UnsafeBufferPointer<UInt8>) {
        let names = String(decoding: bytes, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map(String.init)
        check(HeaderMatcher<RegistrationField>().match(names).columns, count: names.count)
        check(HeaderMatcher<FundingField>().match(names).columns, count: names.count)
    }

    static func check<Field>(_ columns: [Field: Int], count: Int) {
        guard columns.values.allSatisfy({ (0..<count).contains($0) }) else { fatalError("a column index out of range") }
        guard Set(columns.values).count == columns.count else { fatalError("one column matched to two fields") }
    }

    // MARK: - Pipeline file loader

    static func pipelineFile(_ bytes: UnsafeBufferPointer<UInt8>) {
        do {
            let p = try PipelineDefinition.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yml")
            guard !p.name.isEmpty, (1...9).contains(p.gzipLevel) else { fatalError("an invalid definition was accepted") }
        } catch let e as SectorStatsError {
            guard e.code == .invalidPipeline else { fatalError("unexpected error code \(e.code)") }
        } catch {
            fatalError("an error that is not a SectorStatsError: \(error)")
        }
    }
}
