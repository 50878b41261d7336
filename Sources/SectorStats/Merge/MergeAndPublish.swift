import Foundation

/// `sectorstats merge`: partials given by path in, the published tables, quarantine and
/// manifest out under `OUT/latest/` — the merge and publication of `run`, without the
/// pipeline file, under the same lock. What a scale-out driver calls once its shards have
/// written their partials.
public enum MergeAndPublish {
    public struct Request: Sendable {
        public var registrations: [String]
        public var funding: [String]
        public var outputDirectory: String
        public var pipelineName: String
        public var settings: AggregateSettings
        public var referenceDirectory: String

        public init(registrations: [String], funding: [String], outputDirectory: String, pipelineName: String = "merge",
                    settings: AggregateSettings, referenceDirectory: String) {
            self.registrations = registrations
            self.funding = funding
            self.outputDirectory = outputDirectory
            self.pipelineName = pipelineName
            self.settings = settings
            self.referenceDirectory = referenceDirectory
        }
    }

    /// Merges and publishes; returns the run id and what the merge gave.
    @discardableResult
    public static func run(_ request: Request) throws -> (run: String, result: MergeResult) {
        let out = (request.outputDirectory as NSString).standardizingPath
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let lock = try RunLock(folder: out)
        defer { withExtendedLifetime(lock) {} }
        let publisher = Publisher(outputDirectory: out)
        publisher.sweep()
        let registrations = try request.registrations.map { try Partial(folder: $0, verify: true) }
        let funding = try request.funding.map { try Partial(folder: $0, verify: true) }
        let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
        let tmp = out + "/.tmp-merge-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: tmp)
        Cleanup.shared.register(tmp)
        defer {
            try? FileManager.default.removeItem(atPath: tmp)
            Cleanup.shared.unregister(tmp)
        }
        let clock = ContinuousClock.now
        let merged = try MergeStage.run(registrations: registrations, funding: funding, regions: regions,
                                        settings: request.settings, folder: tmp)
        let elapsed = (ContinuousClock.now - clock).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        var files = merged.aggregate.files.map { Publisher.File(name: $0, path: tmp + "/" + $0, rows: merged.aggregate.tables[$0] ?? 0) }
        files.append(.init(name: MergeStage.quarantineFile, path: tmp + "/" + MergeStage.quarantineFile,
                           rows: merged.normalize.quarantineRows))
        let id = try publisher.publish(files) { outputs in
            Manifest.make(pipeline: request.pipelineName, asOf: request.settings.asOf,
                          inputs: (registrations + funding).map { ($0.meta, "given") }, normalize: merged.normalize,
                          aggregate: merged.aggregate, outputs: outputs,
                          stages: [Manifest.Stage(stage: "merge", action: StageOutcome.Action.ran.rawValue, seconds: seconds)])
        }
        return (id, merged)
    }
}
