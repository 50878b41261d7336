import Foundation

/// `sectorstats merge`: partials given by path in, the published tables, quarantine and
/// manifest out under `OUT/latest/` — the merge and publication of `run`, without the
/// pipeline file, under the same lock. What a scale-out driver calls once its shards have
/// written their partials; with bucket states (``Request/states``), the combine of a merge
/// split by record-id bucket (``MergeStage/combine(registrations:funding:states:regions:settings:folder:)``).
public enum MergeAndPublish {
    public struct Request: Sendable {
        public var registrations: [String]
        public var funding: [String]
        public var outputDirectory: String
        public var pipelineName: String
        public var settings: AggregateSettings
        public var referenceDirectory: String
        /// The states of every bucket of a merge split by record id; empty for a plain merge.
        public var states: [String]
        /// Refuse to publish when more than this percentage of rows is quarantined (as `run`).
        public var maxQuarantinePct: Double?

        public init(registrations: [String], funding: [String], outputDirectory: String, pipelineName: String = "merge",
                    settings: AggregateSettings, referenceDirectory: String, states: [String] = []) {
            self.states = states
            self.registrations = registrations
            self.funding = funding
            self.outputDirectory = outputDirectory
            self.pipelineName = pipelineName
            self.settings = settings
            self.referenceDirectory = referenceDirectory
        }
    }

    /// The merge of one record-id bucket of the partials in `registrations` and `funding`
    /// (paths): its state written to `stateFile`, nothing published. The partials' bytes are
    /// not checked here (every bucket would check all of them): the combine checks them
    /// before it publishes, and reading a damaged partial fails cleanly or gives a state the
    /// combine then refuses with it.
    public static func mergeBucket(registrations: [String], funding: [String], bucket: RecordBucket, settings: AggregateSettings,
                                   stateFile: String) throws -> MergeStage.BucketSummary {
        let registrations = try registrations.map { try Partial(folder: $0) }
        let funding = try funding.map { try Partial(folder: $0) }
        return try MergeStage.mergeBucket(registrations: registrations, funding: funding, bucket: bucket, settings: settings,
                                          stateFile: stateFile)
    }

    /// Merges and publishes; returns the run id and what the merge gave.
    @discardableResult
    public static func run(_ request: Request) throws -> (run: String, result: MergeResult) {
        let out = (request.outputDirectory as NSString).standardizingPath
        let started = Timestamp.now()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try OutputLayout.check(out)
        let lock = try RunLock(folder: out)
        defer { withExtendedLifetime(lock) {} }
        let publisher = Publisher(outputDirectory: out)
        publisher.sweep()
        // Every partial's bytes checked (in parallel): a combine checks those its buckets read.
        let registrations = try Partial.open(request.registrations, verify: true)
        let funding = try Partial.open(request.funding, verify: true)
        let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
        let tmp = out + "/.tmp-merge-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: tmp)
        Cleanup.shared.register(tmp)
        defer {
            try? FileManager.default.removeItem(atPath: tmp)
            Cleanup.shared.unregister(tmp)
        }
        let clock = ContinuousClock.now
        let merged = request.states.isEmpty
            ? try MergeStage.run(registrations: registrations, funding: funding, regions: regions,
                                 settings: request.settings, folder: tmp)
            : try MergeStage.combine(registrations: registrations, funding: funding, states: request.states, regions: regions,
                                     settings: request.settings, folder: tmp)
        // One manifest input per file, the range partials of a file together.
        let inputs = try FileGroups.manifestMetas(registrations) + FileGroups.manifestMetas(funding)
        if let max = request.maxQuarantinePct {
            let n = merged.normalize
            let read = n.registrations.rowsRead + n.funding.rowsRead
            let q = n.registrations.quarantined + n.funding.quarantined
            if read > 0 && Double(q) * 100 / Double(read) > max {
                throw SectorStatsError(.inputRefused, field: "max_quarantine_pct",
                                       String(format: "%.2f%% of rows were quarantined (%d of %d), above the limit of %.2f%%; nothing was published",
                                              Double(q) * 100 / Double(read), q, read, max))
            }
        }
        let elapsed = (ContinuousClock.now - clock).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        var files = merged.aggregate.files.map { Publisher.File(name: $0, path: tmp + "/" + $0, rows: merged.aggregate.tables[$0] ?? 0) }
        files.append(.init(name: MergeStage.quarantineFile, path: tmp + "/" + MergeStage.quarantineFile,
                           rows: merged.normalize.quarantineRows))
        var statusFile: AtomicFile?
        let id = try publisher.publish(files) { outputs in
            Manifest.make(pipeline: request.pipelineName, asOf: request.settings.asOf,
                          inputs: inputs.map { ($0, "given") }, normalize: merged.normalize,
                          aggregate: merged.aggregate, outputs: outputs,
                          stages: [Manifest.Stage(stage: request.states.isEmpty ? "merge" : "combine",
                                                  action: StageOutcome.Action.ran.rawValue, seconds: seconds)])
        } extras: { folder, id in
            // The run's reports, as `run` publishes them (left out if they cannot be written).
            try? ReportWriter.writeRunReports(into: folder, runID: id, publishedFigures: nil)
        } beforeSwitch: { id in
            // The status follows `latest` as `run`'s does: staged now, in place right after.
            let status = RunStatus(pipeline: request.pipelineName, startedAt: started, finishedAt: Timestamp.now(), outcome: "success",
                                   message: nil, outputFolder: out, published: out + "/runs/" + id,
                                   stages: [StageOutcome(stage: .aggregate, action: .ran, reason: request.states.isEmpty ? "merge" : "combine",
                                                         seconds: seconds)],
                                   registrations: merged.normalize.registrations, funding: merged.normalize.funding,
                                   tables: merged.aggregate.tables)
            statusFile = try JSON.staged(status, to: out + "/" + PipelineRunner.statusFile)
        } afterSwitch: {
            try? statusFile?.commit()
        }
        return (id, merged)
    }
}
