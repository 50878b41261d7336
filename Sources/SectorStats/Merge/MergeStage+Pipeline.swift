import Foundation

/// The merge as the pipeline's aggregate stage.
extension MergeStage: PipelineStage {
    static let normalizeFile = "normalize.json"
    static let summaryFile = "aggregate.json"

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
        let merged = try Self.run(registrations: registrations, funding: funding, regions: regions,
                                  settings: context.aggregateSettings, folder: folder)
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
}
