import Foundation

/// What a cluster driver needs to run a pipeline with the shard commands (`partial`,
/// `merge --bucket`, `merge --state`): the inputs in source order as `run` resolves them
/// (globs expanded, files hashed, encoding and delimiter settled), each with the key of its
/// partial exactly as `run` computes it, and the settings and folders of the run. With a
/// range size, each plain (not gzip) file larger than it also lists its byte ranges and
/// their keys. `sectorstats plan PIPELINE --json` prints it, so that a driver never
/// re-implements the pipeline file's semantics.
public struct ScalePlan: Codable, Sendable {
    public static let format = 1

    public struct ByteRange: Codable, Sendable {
        /// `START:END` for `sectorstats partial --range`.
        public var range: String
        public var key: String
    }

    public struct Input: Codable, Sendable {
        public var kind: String
        /// The path as given (glob expanded), and where it was found.
        public var path: String
        public var resolvedPath: String
        public var file: String
        public var encoding: String
        /// One character; `\t` for tab.
        public var delimiter: String
        public var aliases: [String: String]
        public var bytes: Int64
        public var sha256: String
        /// The file's ``FileStamp`` when it was hashed (nil when it was being written then):
        /// `partial --sha256 H --stamp S` takes the hash instead of reading the file again.
        public var stamp: String?
        public var gzip: Bool
        /// The key of the file's partial, as `run` computes it.
        public var key: String
        /// With a range size: the file's byte ranges (empty when it is read whole).
        public var ranges: [ByteRange]

        enum CodingKeys: String, CodingKey {
            case kind, path, file, encoding, delimiter, aliases, bytes, sha256, stamp, gzip, key, ranges
            case resolvedPath = "resolved_path"
        }
    }

    public var format: Int
    public var program: String
    public var pipeline: String
    public var asOf: String
    public var reliefPurposes: [String]
    public var gzipLevel: Int
    public var maxQuarantinePct: Double?
    public var cleanTables: Bool
    public var output: String
    public var reference: String
    /// `OUT/stages/partials`, where `run` caches partials: the driver's shards write there too.
    public var partials: String
    public var inputs: [Input]

    enum CodingKeys: String, CodingKey {
        case format, program, pipeline, inputs, output, reference, partials
        case asOf = "as_of"
        case reliefPurposes = "relief_purposes"
        case gzipLevel = "gzip_level"
        case maxQuarantinePct = "max_quarantine_pct"
        case cleanTables = "clean_tables"
    }

    /// The plan of `request` (inputs hashed, as the ingest stage does); plain files larger
    /// than `rangeBytes` are split into ranges of about that size.
    public static func make(_ request: RunRequest, rangeBytes: Int64? = nil) throws -> ScalePlan {
        var request = request
        request.outputDirectory = (request.outputDirectory as NSString).standardizingPath
        request.baseDirectory = (request.baseDirectory as NSString).standardizingPath
        let ingest = IngestStage(request: request)
        let inventory = try ingest.inventory()
        let reference = try PartialJob.referenceHash(of: request.referenceDirectory)
        let files = inventory.registrations + inventory.funding
        let jobs = PartialStage.jobs(inventory, asOf: request.asOf, referenceHash: reference)
        var inputs: [Input] = []
        for (f, job) in zip(files, jobs) {
            let gzip = try CSVReader(path: f.resolvedPath, options: f.inputFile.read).isGzip
            var ranges: [ByteRange] = []
            if let rangeBytes, rangeBytes > 0, !gzip, f.bytes > rangeBytes {
                let n = (f.bytes + rangeBytes - 1) / rangeBytes
                for i in 0..<n {
                    var ranged = job
                    ranged.range = CSVByteRange(start: f.bytes * i / n, end: f.bytes * (i + 1) / n)
                    ranges.append(ByteRange(range: ranged.range?.description ?? "", key: ranged.key))
                }
            }
            inputs.append(Input(kind: job.kind.rawValue, path: f.path, resolvedPath: f.resolvedPath, file: f.file, encoding: f.encoding,
                                delimiter: f.delimiter, aliases: f.aliases, bytes: f.bytes, sha256: f.sha256,
                                stamp: ingest.stamps[f.resolvedPath]?.description, gzip: gzip,
                                key: job.key, ranges: ranges))
        }
        let p = request.pipeline
        return ScalePlan(
            format: format, program: SectorStatsVersion.string, pipeline: p.name, asOf: request.asOf.description,
            reliefPurposes: p.reliefPurposes.map(\.rawValue), gzipLevel: p.gzipLevel, maxQuarantinePct: p.maxQuarantinePct,
            cleanTables: p.cleanTables, output: request.outputDirectory, reference: request.referenceDirectory,
            partials: request.outputDirectory + "/stages/partials", inputs: inputs)
    }
}
