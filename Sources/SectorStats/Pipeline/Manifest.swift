/// `manifest.json` (DATA.md §4): pipeline name, as-of date, each input with its bytes,
/// SHA-256 and row accounting, each output with rows and SHA-256, each stage's wall time.
/// Pretty-printed with sorted keys; the timings are the only values that change between
/// runs of the same inputs and settings.
public struct Manifest: Codable, Sendable {
    public struct Input: Codable, Sendable {
        public var kind: String
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public var encoding: String
        public var rowsRead: Int
        public var accepted: Int
        public var quarantined: Int
        public var duplicates: Int
        public var quarantinedByReason: [String: Int]
        /// The key of the input's partial, and whether this run `built` or `reused` it.
        public var partialKey: String?
        public var partial: String?

        enum CodingKeys: String, CodingKey {
            case kind, path, bytes, sha256, encoding, accepted, quarantined, duplicates, partial
            case rowsRead = "rows_read"
            case quarantinedByReason = "quarantined_by_reason"
            case partialKey = "partial_key"
        }
    }

    public struct Source: Codable, Sendable {
        public var rowsRead: Int
        public var accepted: Int
        public var quarantined: Int
        public var duplicates: Int
        enum CodingKeys: String, CodingKey {
            case accepted, quarantined, duplicates
            case rowsRead = "rows_read"
        }
    }

    public struct Output: Codable, Sendable {
        public var file: String
        public var rows: Int
        public var sha256: String
    }

    public struct Stage: Codable, Sendable {
        public var stage: String
        public var action: String
        public var seconds: Double
    }

    public var pipeline: String
    public var asOf: String
    public var inputs: [Input]
    public var sources: [String: Source]
    public var outputs: [Output]
    public var stages: [Stage]
    public var warnings: [String: Int]
    public var unmatchedRecipients: Int

    enum CodingKeys: String, CodingKey {
        case pipeline, inputs, sources, outputs, stages, warnings
        case asOf = "as_of"
        case unmatchedRecipients = "unmatched_recipients"
    }

    /// `inputs`: each input's partial (its file's path, size, hash, encoding and key) with
    /// whether this run `built` or `reused` it, in source order, aligned with the
    /// accounting of `normalize`.
    public static func make(pipeline: String, asOf: CivilDate, inputs: [(meta: PartialMeta, partial: String)],
                            normalize: NormalizeResult, aggregate: AggregateSummary, outputs: [Output], stages: [Stage]) -> Manifest {
        let accounting = normalize.registrationFiles + normalize.fundingFiles
        let described = zip(inputs, accounting).map { input, a in
            Input(kind: input.meta.kind.rawValue, path: input.meta.path, bytes: input.meta.bytes, sha256: input.meta.sha256,
                  encoding: input.meta.encoding, rowsRead: a.rowsRead, accepted: a.accepted, quarantined: a.quarantined,
                  duplicates: a.duplicates, quarantinedByReason: a.quarantinedByReason, partialKey: input.meta.key,
                  partial: input.partial)
        }
        func source(_ a: RowAccounting) -> Source {
            Source(rowsRead: a.rowsRead, accepted: a.accepted, quarantined: a.quarantined, duplicates: a.duplicates)
        }
        return Manifest(
            pipeline: pipeline, asOf: asOf.description, inputs: described,
            sources: ["registrations": source(normalize.registrations), "funding": source(normalize.funding)],
            outputs: outputs, stages: stages.map { Stage(stage: $0.stage, action: $0.action, seconds: ($0.seconds * 1000).rounded() / 1000) },
            warnings: normalize.warnings, unmatchedRecipients: aggregate.unmatchedRecipients)
    }
}

/// What the aggregate stage leaves for export and status: tables written and their rows.
public struct AggregateSummary: Codable, Sendable, Equatable {
    /// Table file → data rows.
    public var tables: [String: Int]
    public var unmatchedRecipients: Int
    public var files: [String] { tables.keys.sorted() }
}
