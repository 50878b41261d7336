import Foundation
import Yams

/// A pipeline file (`pipelines/*.yml`): what to read, how, and the settings that shape the
/// outputs. Data, not code: relief purposes, header aliases, sources, as-of date, gzip level.
/// `version: 1`; adding a key is not a version bump; unknown keys and versions are refused
/// with the key path named.
public struct PipelineDefinition: Sendable, Equatable {
    public static let supportedVersion = 1

    /// One source entry: a path or glob (relative to the pipeline file's folder's parent —
    /// the repository root for `pipelines/*.yml`, or to the current folder for CLI files).
    public struct Source: Sendable, Equatable {
        public var path: String
        public var encoding: EncodingChoice = .auto
        public var delimiter: UInt8 = UInt8(ascii: ",")
        /// Extra header spellings → canonical field names.
        public var aliases: [String: String] = [:]

        public init(path: String, encoding: EncodingChoice = .auto, delimiter: UInt8 = UInt8(ascii: ","), aliases: [String: String] = [:]) {
            self.path = path
            self.encoding = encoding
            self.delimiter = delimiter
            self.aliases = aliases
        }
    }

    public var name: String
    public var asOf: CivilDate?
    public var output: String?
    public var gzipLevel: Int = 6
    public var threads: Int?
    public var reliefPurposes: [Purpose] = PipelineDefinition.defaultReliefPurposes
    /// Refuse the run (exit 65) when more than this percentage of rows is quarantined.
    public var maxQuarantinePct: Double?
    /// Also publish the clean normalized tables (`organizations.csv.gz`, `funding.csv.gz`)
    /// with every run; otherwise `sectorstats export organizations|funding` makes them.
    public var cleanTables = false
    /// A CSV of officially published figures (year, metric, value, source) that reports show
    /// beside the computed ones; relative to the pipeline file's folder.
    public var published: String?
    /// Where each run writes its Prometheus metrics (``RunMetrics``); relative to the
    /// pipeline file's folder.
    public var metricsFile: String?
    public var registrations: [Source] = []
    public var funding: [Source] = []

    public static let defaultReliefPurposes: [Purpose] = Purpose.defaultRelief

    public init(name: String) { self.name = name }

    /// Parses YAML text; `file` names the file in errors.
    public static func parse(_ text: String, file: String) throws -> PipelineDefinition {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw SectorStatsError(.invalidPipeline, file: file, "not valid YAML: \(error)")
        }
        guard let node, let root = node.mapping else {
            throw SectorStatsError(.invalidPipeline, file: file, "the pipeline file must be a mapping with version, name and sources")
        }
        var p = Parser(file: file)
        return try p.definition(root)
    }

    public static func load(path: String) throws -> PipelineDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SectorStatsError(.fileNotReadable, file: path, "cannot read the pipeline file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Walks the YAML tree by hand so that every error names its key path
    /// (`sources.funding[1].delimiter`) and unknown keys are refused.
    private struct Parser {
        let file: String

        func fail(_ path: String, _ message: String) -> SectorStatsError {
            SectorStatsError(.invalidPipeline, file: file, field: path, message)
        }

        func keys(_ m: Node.Mapping, allowed: [String], at path: String) throws {
            try unique(m, at: path)
            for (k, _) in m {
                guard let key = k.string else { throw fail(path, "keys must be strings") }
                if !allowed.contains(key) {
                    throw fail(path.isEmpty ? key : "\(path).\(key)", "unknown key; allowed here: \(allowed.joined(separator: ", "))")
                }
            }
        }

        /// YAML parsers keep one of two equal keys without a word: refuse them instead.
        func unique(_ m: Node.Mapping, at path: String) throws {
            var seen: Set<String> = []
            for (k, _) in m {
                guard let key = k.string else { continue }
                if !seen.insert(key).inserted {
                    throw fail(path.isEmpty ? key : "\(path).\(key)", "the key appears twice; keep one")
                }
            }
        }

        func string(_ n: Node?, _ path: String) throws -> String? {
            guard let n else { return nil }
            guard let s = n.string else { throw fail(path, "expected a text value") }
            return s
        }

        func int(_ n: Node?, _ path: String) throws -> Int? {
            guard let s = try string(n, path) else { return nil }
            guard let v = Int(s) else { throw fail(path, "expected a whole number, got \"\(s)\"") }
            return v
        }

        mutating func definition(_ m: Node.Mapping) throws -> PipelineDefinition {
            try keys(m, allowed: ["version", "name", "as_of", "output", "gzip_level", "threads", "relief_purposes", "max_quarantine_pct", "clean_tables", "published", "metrics_file", "sources"], at: "")
            guard let version = try int(m["version"], "version") else { throw fail("version", "missing: write `version: 1`") }
            guard version == PipelineDefinition.supportedVersion else {
                throw fail("version", "unsupported version \(version); this sectorstats reads version \(PipelineDefinition.supportedVersion)")
            }
            guard let name = try string(m["name"], "name"), !name.isEmpty else { throw fail("name", "missing: give the pipeline a name") }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw fail("name", "use letters, digits, - and _ only (it names the output folder)")
            }
            var p = PipelineDefinition(name: name)
            if let s = try string(m["as_of"], "as_of") {
                guard case .some(.some(let d)) = try? DateParser.parse(s, asOf: nil) else { throw fail("as_of", "expected a date such as 2021-12-31, got \"\(s)\"") }
                p.asOf = d
            }
            p.output = try string(m["output"], "output")
            p.published = try string(m["published"], "published")
            p.metricsFile = try string(m["metrics_file"], "metrics_file")
            if let level = try int(m["gzip_level"], "gzip_level") {
                guard (1...9).contains(level) else { throw fail("gzip_level", "must be 1…9") }
                p.gzipLevel = level
            }
            if let t = try int(m["threads"], "threads") {
                guard t >= 1 else { throw fail("threads", "must be at least 1") }
                p.threads = t
            }
            if let s = try string(m["max_quarantine_pct"], "max_quarantine_pct") {
                guard let v = Double(s), v >= 0, v <= 100 else { throw fail("max_quarantine_pct", "expected a percentage 0…100") }
                p.maxQuarantinePct = v
            }
            if let s = try string(m["clean_tables"], "clean_tables") {
                guard let v = Bool(s) else { throw fail("clean_tables", "expected true or false, got \"\(s)\"") }
                p.cleanTables = v
            }
            if let list = m["relief_purposes"] {
                guard let seq = list.sequence else { throw fail("relief_purposes", "expected a list of purposes") }
                p.reliefPurposes = try seq.enumerated().map { i, n in
                    let path = "relief_purposes[\(i)]"
                    guard let s = try string(n, path), let purpose = Purpose(rawValue: s) else {
                        throw fail(path, "not a purpose of DATA.md §2: \(Purpose.allCases.map(\.rawValue).joined(separator: " "))")
                    }
                    return purpose
                }
            }
            if let sources = m["sources"] {
                guard let sm = sources.mapping else { throw fail("sources", "expected registrations: and funding: lists") }
                try keys(sm, allowed: ["registrations", "funding"], at: "sources")
                p.registrations = try sourceList(sm["registrations"], "sources.registrations")
                p.funding = try sourceList(sm["funding"], "sources.funding")
            }
            return p
        }

        func sourceList(_ n: Node?, _ path: String) throws -> [Source] {
            guard let n else { return [] }
            guard let seq = n.sequence else { throw fail(path, "expected a list of sources") }
            return try seq.enumerated().map { i, item in
                let at = "\(path)[\(i)]"
                if let s = item.string { return Source(path: s) }
                guard let m = item.mapping else { throw fail(at, "expected a path or a mapping with path:") }
                try keys(m, allowed: ["path", "encoding", "delimiter", "aliases"], at: at)
                guard let p = try string(m["path"], at + ".path") else { throw fail(at + ".path", "missing") }
                var source = Source(path: p)
                if let e = try string(m["encoding"], at + ".encoding") {
                    guard let choice = EncodingChoice(name: e) else { throw fail(at + ".encoding", "use auto, utf-8 or gb18030") }
                    source.encoding = choice
                }
                if let d = try string(m["delimiter"], at + ".delimiter") {
                    switch d {
                    case ",": source.delimiter = UInt8(ascii: ",")
                    case ";": source.delimiter = UInt8(ascii: ";")
                    case "tab", "\t", "\\t": source.delimiter = UInt8(ascii: "\t")
                    default: throw fail(at + ".delimiter", "use \",\", \";\" or tab")
                    }
                }
                if let a = m["aliases"] {
                    guard let am = a.mapping else { throw fail(at + ".aliases", "expected header: field pairs") }
                    try unique(am, at: at + ".aliases")
                    for (k, v) in am {
                        guard let key = k.string, let value = v.string else { throw fail(at + ".aliases", "expected text") }
                        source.aliases[key] = value
                    }
                }
                return source
            }
        }
    }
}
