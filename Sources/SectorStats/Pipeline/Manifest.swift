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

    /// `partials`: the normalize stage's list, in the inventory's order; `built`: whether this
    /// run's normalize stage ran (else every partial was reused).
    static func make(pipeline: String, asOf: CivilDate, inventory: Inventory, normalize: NormalizeResult,
                     aggregate: AggregateSummary, outputs: [Output], stages: [StageOutcome], partials: PartialList,
                     built: Bool) -> Manifest {
        func inputs(_ kind: String, _ files: [Inventory.File], _ acc: [RowAccounting]) -> [Input] {
            let entries = partials.entries.filter { $0.kind.rawValue == kind }
            return zip(files, acc).enumerated().map { i, pair in
                let (f, a) = pair
                let entry = i < entries.count ? entries[i] : nil
                return Input(kind: kind, path: f.path, bytes: f.bytes, sha256: f.sha256, encoding: f.encoding, rowsRead: a.rowsRead,
                             accepted: a.accepted, quarantined: a.quarantined, duplicates: a.duplicates,
                             quarantinedByReason: a.quarantinedByReason, partialKey: entry?.key,
                             partial: entry.map { built ? $0.partial : "reused" })
            }
        }
        func source(_ a: RowAccounting) -> Source {
            Source(rowsRead: a.rowsRead, accepted: a.accepted, quarantined: a.quarantined, duplicates: a.duplicates)
        }
        var allStages = stages.map { Stage(stage: $0.stage.rawValue, action: $0.action.rawValue, seconds: ($0.seconds * 1000).rounded() / 1000) }
        allStages.append(Stage(stage: StageName.export.rawValue, action: StageOutcome.Action.ran.rawValue, seconds: 0))
        return Manifest(
            pipeline: pipeline, asOf: asOf.description,
            inputs: inputs("registrations", inventory.registrations, normalize.registrationFiles) + inputs("funding", inventory.funding, normalize.fundingFiles),
            sources: ["registrations": source(normalize.registrations), "funding": source(normalize.funding)],
            outputs: outputs, stages: allStages, warnings: normalize.warnings, unmatchedRecipients: aggregate.unmatchedRecipients)
    }
}

/// What the aggregate stage leaves for export and status: tables written and their rows.
public struct AggregateSummary: Codable, Sendable, Equatable {
    /// Table file → data rows.
    public var tables: [String: Int]
    public var unmatchedRecipients: Int
    public var files: [String] { tables.keys.sorted() }
}
