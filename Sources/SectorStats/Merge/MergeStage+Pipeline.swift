import Foundation

/// The merge as the pipeline's aggregate stage.
extension MergeStage: PipelineStage {
    static let normalizeFile = "normalize.json"
    static let summaryFile = "aggregate.json"
    /// Beside `quarantine.csv.gz` in the stage folder: its ``quarantineKey(_:gzipLevel:)``.
    static let quarantineKeyFile = "quarantine.key"
    /// Beside them: the funding accumulators of this merge and what they were merged from
    /// (a ``BucketState`` of the one bucket), for the next merge when a file is added.
    static let fundingStateFile = "funding.state"

    var name: StageName { .aggregate }

    func keyParts(_ context: StageContext) throws -> [String: String] {
        let p = context.request.pipeline
        return ["as_of": context.request.asOf.description,
                "relief_purposes": p.reliefPurposes.map(\.rawValue).sorted().joined(separator: ","),
                "gzip_level": String(p.gzipLevel)]
    }

    func run(into folder: String, _ context: StageContext) throws -> [String] {
        let request = context.request
        let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
        let list = try JSON.read(PartialList.self, from: try context.input(.normalize, PartialList.file))
        let (registrations, funding) = try list.open(in: context.partialsFolder)
        let settings = context.aggregateSettings
        // The quarantine depends on the partials only: a rerun for other relief purposes
        // copies the one the last merge wrote (when its bytes are those recorded) unless --force.
        let key = Self.quarantineKey(registrations + funding, gzipLevel: settings.gzipLevel)
        let reused = request.force ? nil : Self.previousQuarantine(key: key, store: context.store)
        // A file added at the end: the funding accumulators of the ones before it come from
        // the state the last merge saved (unless --force).
        let previousState = context.store.folder(.aggregate) + "/" + Self.fundingStateFile
        let (merged, resumed) = try Self.run(
            registrations: registrations, funding: funding, regions: regions, settings: settings, folder: folder,
            reusingQuarantine: reused, resumingFrom: request.force ? nil : previousState,
            savingState: folder + "/" + Self.fundingStateFile)
        if resumed > 0 {
            context.log.info("resumed", metadata: ["funding_partials": "\(resumed) accumulated by the last merge, \(funding.count - resumed) added"])
        }
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/" + Self.quarantineKeyFile))
        try JSON.write(merged.normalize, to: folder + "/" + Self.normalizeFile)
        try JSON.write(merged.aggregate, to: folder + "/" + Self.summaryFile)
        let log = context.log
        let result = merged.normalize
        for f in result.registrationFiles + result.fundingFiles where !f.unknownColumns.isEmpty {
            log.notice("unknown columns ignored", metadata: ["file": "\(f.file)", "columns": "\(f.unknownColumns.joined(separator: ", "))"])
        }
        log.info("merged", metadata: [
            "rows_read": "\(result.registrations.rowsRead + result.funding.rowsRead)",
            "accepted": "\(result.registrations.accepted + result.funding.accepted)",
            "quarantined": "\(result.registrations.quarantined + result.funding.quarantined)",
            "duplicates": "\(result.registrations.duplicates + result.funding.duplicates)",
        ])
        let summary = merged.aggregate
        log.info("tables", metadata: [
            "rows": "\(summary.tables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))",
            "unmatched_recipients": "\(summary.unmatchedRecipients)",
        ])
        return summary.files + [Self.quarantineFile, Self.normalizeFile, Self.summaryFile]
    }

    /// The last merge's `quarantine.csv.gz` when it was written for `key` and holds the
    /// bytes its stage record lists; nil otherwise.
    static func previousQuarantine(key: String, store: StageStore) -> String? {
        let folder = store.folder(.aggregate)
        let path = folder + "/" + quarantineFile
        guard let written = try? String(contentsOfFile: folder + "/" + quarantineKeyFile, encoding: .utf8),
              written == key + "\n",
              let recorded = store.record(.aggregate)?.outputs.first(where: { $0.file == quarantineFile }),
              let now = try? ContentHash.file(path), now.sha256 == recorded.sha256, now.bytes == recorded.bytes
        else { return nil }
        return path
    }
}
