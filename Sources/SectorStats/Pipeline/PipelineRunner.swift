import Foundation
import Logging

/// Which stages a run covers.
public enum StageSelection: Sendable, Equatable {
    /// Every stage; fresh ones are skipped.
    case all
    /// Exactly this stage, rerun from its persisted inputs.
    case only(StageName)
    /// A range (either end open); the stages in it are rerun.
    case range(from: StageName?, to: StageName?)

    func contains(_ s: StageName) -> Bool {
        switch self {
        case .all: return true
        case .only(let x): return s == x
        case .range(let from, let to): return s >= (from ?? .ingest) && s <= (to ?? .export)
        }
    }

    var forces: Bool { self != .all }
}

/// Everything a run needs besides the pipeline file's own content.
public struct RunRequest: Sendable {
    public var pipeline: PipelineDefinition
    /// Relative source and output paths resolve against this folder (the pipeline file's
    /// folder, or the current folder for sources given on the command line).
    public var baseDirectory: String
    public var outputDirectory: String
    public var asOf: CivilDate
    public var threads: Int
    public var force: Bool
    public var selection: StageSelection
    /// The GB/T 2260 reference folder (datasets/reference).
    public var referenceDirectory: String
    /// How many published runs to keep under OUT/runs.
    public var keepRuns: Int = 5

    public init(pipeline: PipelineDefinition, baseDirectory: String, outputDirectory: String, asOf: CivilDate,
                threads: Int, force: Bool = false, selection: StageSelection = .all, referenceDirectory: String) {
        self.pipeline = pipeline
        self.baseDirectory = baseDirectory
        self.outputDirectory = outputDirectory
        self.asOf = asOf
        self.threads = threads
        self.force = force
        self.selection = selection
        self.referenceDirectory = referenceDirectory
    }
}

/// What happened to one stage in a run.
public struct StageOutcome: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable { case ran, skipped, notSelected = "not_selected" }
    public var stage: StageName
    public var action: Action
    public var reason: String
    public var seconds: Double
}

/// The last run's outcome, for `sectorstats status` and for cron logs.
public struct RunStatus: Codable, Sendable {
    public var pipeline: String
    public var startedAt: String
    public var finishedAt: String
    public var outcome: String
    public var message: String?
    public var outputFolder: String
    public var published: String?
    public var stages: [StageOutcome]
    public var registrations: RowAccounting?
    public var funding: RowAccounting?
    public var tables: [String: Int]
}

/// Runs the stages ingest → normalize → aggregate → export with content-hash staleness,
/// an exclusive lock per output folder and atomic publication of the whole output set.
public final class PipelineRunner {
    public static let statusFile = "status.json"
    let request: RunRequest
    let log: Logger
    let store: StageStore
    var outcomes: [StageOutcome] = []

    public init(_ request: RunRequest, logger: Logger) {
        var request = request
        request.outputDirectory = (request.outputDirectory as NSString).standardizingPath
        request.baseDirectory = (request.baseDirectory as NSString).standardizingPath
        self.request = request
        self.log = logger
        self.store = StageStore(root: request.outputDirectory + "/stages")
    }

    /// Per stage: whether it is fresh, and if not why, without running anything (but ingest
    /// hashes the inputs to know).
    public func states() throws -> [(StageName, String)] {
        var out: [(StageName, String)] = []
        var previous: StageRecord?
        for s in StageName.allCases {
            let (key, parts) = try key(for: s, previous: previous)
            guard let r = store.record(s) else {
                out.append((s, "never run"))
                previous = nil
                continue
            }
            if r.key != key {
                out.append((s, "stale: " + PipelineRunner.changed(old: r.keyParts, new: parts)))
            } else if !store.intact(r) {
                out.append((s, "stale: outputs missing or changed"))
            } else {
                out.append((s, "fresh (finished \(r.finishedAt))"))
            }
            previous = r
        }
        return out
    }

    /// Per input file, in source order: whether a partial of its current key is cached, and
    /// if not why (what changed since the partial the last normalize stage listed for the
    /// same path), without building anything (the inputs are hashed to know).
    public func partialStates() throws -> [(file: String, state: String)] {
        let inv = try plannedInputs()
        let previous = (try? JSON.read(PartialList.self, from: store.folder(.normalize) + "/" + PartialList.file))?.entries ?? []
        return PartialStage.jobs(inv, asOf: request.asOf, referenceHash: try referenceHash()).map { job in
            let key = job.key
            if PartialStage.present(key, in: partialsFolder) { return (job.path, "partial fresh (\(key.prefix(12)))") }
            guard let old = previous.first(where: { $0.path == job.path && $0.kind == job.kind }) else {
                return (job.path, "partial stale: new input, never normalized")
            }
            if old.key == key { return (job.path, "partial stale: missing from the cache") }
            return (job.path, "partial stale: " + PipelineRunner.changed(old: old.keyParts, new: job.keyParts))
        }
    }

    static func changed(old: [String: String], new: [String: String]) -> String {
        let keys = Set(old.keys).union(new.keys).sorted()
        let diff = keys.filter { old[$0] != new[$0] }
        return diff.isEmpty ? "key changed" : diff.joined(separator: ", ") + " changed"
    }

    // MARK: - Run

    /// Runs the selected stages. Throws on failure; the previous published outputs are
    /// untouched unless export finished.
    @discardableResult
    public func run() throws -> RunStatus {
        let started = Timestamp.now()
        try FileManager.default.createDirectory(atPath: request.outputDirectory, withIntermediateDirectories: true)
        let lock = try RunLock(folder: request.outputDirectory)
        defer { withExtendedLifetime(lock) {} }
        store.sweep()
        Publisher(outputDirectory: request.outputDirectory, keepRuns: request.keepRuns).sweep()
        var status = RunStatus(pipeline: request.pipeline.name, startedAt: started, finishedAt: "", outcome: "running",
                               message: nil, outputFolder: request.outputDirectory, published: nil, stages: [],
                               registrations: nil, funding: nil, tables: [:])
        do {
            var previous: StageRecord?
            for s in StageName.allCases {
                previous = try step(s, previous: previous)
            }
            status.outcome = "success"
        } catch {
            status.outcome = "failure"
            status.message = "\(error)"
            status.stages = outcomes
            status.finishedAt = Timestamp.now()
            try? JSON.write(status, to: request.outputDirectory + "/" + PipelineRunner.statusFile)
            throw error
        }
        status.stages = outcomes
        if let n = try? JSON.read(NormalizeResult.self, from: store.folder(.aggregate) + "/normalize.json") {
            status.registrations = n.registrations
            status.funding = n.funding
        }
        if let a = try? JSON.read(AggregateSummary.self, from: store.folder(.aggregate) + "/aggregate.json") {
            status.tables = a.tables
        }
        status.published = (try? FileManager.default.destinationOfSymbolicLink(atPath: request.outputDirectory + "/latest"))
            .map { request.outputDirectory + "/" + $0 }
        status.finishedAt = Timestamp.now()
        try JSON.write(status, to: request.outputDirectory + "/" + PipelineRunner.statusFile)
        return status
    }

    private func step(_ s: StageName, previous: StageRecord?) throws -> StageRecord? {
        var log = self.log
        log[metadataKey: "stage"] = "\(s.rawValue)"
        if !request.selection.contains(s) {
            guard let r = store.record(s), store.intact(r) else {
                if s < StageName.allCases.first(where: request.selection.contains) ?? .ingest {
                    throw SectorStatsError(.missingStageInput, file: store.folder(s),
                                           "the \(s.rawValue) stage's outputs are missing, and a later stage needs them: run `sectorstats run` without --stage/--from first (or with --from \(s.rawValue))")
                }
                outcomes.append(StageOutcome(stage: s, action: .notSelected, reason: "not selected", seconds: 0))
                return nil
            }
            outcomes.append(StageOutcome(stage: s, action: .notSelected, reason: "not selected", seconds: 0))
            return r
        }
        let (key, parts) = try key(for: s, previous: previous)
        if !request.force && !request.selection.forces, let r = store.record(s), r.key == key, store.intact(r), partialsPresent(s) {
            log.info("fresh, skipped", metadata: ["key": "\(key.prefix(12))"])
            outcomes.append(StageOutcome(stage: s, action: .skipped, reason: "fresh", seconds: 0))
            return r
        }
        let reason = store.record(s).map { r in
            r.key != key ? PipelineRunner.changed(old: r.keyParts, new: parts)
                : (!store.intact(r) ? "outputs missing or changed" : (partialsPresent(s) ? "forced" : "partials missing"))
        } ?? "never run"
        log.info("running", metadata: ["reason": "\(reason)"])
        let clock = ContinuousClock.now
        let tmp = try store.begin(s)
        let outputs = try execute(s, into: tmp, previous: previous, log: log)
        let elapsed = (ContinuousClock.now - clock).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let record = try store.commit(s, tmp: tmp, key: key, keyParts: parts, outputs: outputs, seconds: seconds)
        outcomes.append(StageOutcome(stage: s, action: .ran, reason: reason, seconds: seconds))
        log.info("done", metadata: ["seconds": "\(String(format: "%.2f", seconds))"])
        return record
    }

    // MARK: - Keys

    /// A stage's key: the SHA-256 of its inputs' content hashes, its settings and the
    /// program version. `parts` keeps the pieces so `stages` can say what changed.
    func key(for s: StageName, previous: StageRecord?) throws -> (String, [String: String]) {
        var parts: [String: String] = ["version": SectorStatsVersion.string, "stage": s.rawValue]
        switch s {
        case .ingest:
            let inv = try plannedInputs()
            for (kind, files) in [("registrations", inv.registrations), ("funding", inv.funding)] {
                parts["inputs.\(kind)"] = files.map { "\($0.path)=\($0.sha256):\($0.encoding):\($0.delimiter):\($0.aliases.sorted { $0.key < $1.key })" }.joined(separator: "|")
            }
        case .normalize:
            parts["as_of"] = request.asOf.description
            parts["reference"] = try referenceHash()
        case .aggregate:
            parts["as_of"] = request.asOf.description
            parts["relief_purposes"] = request.pipeline.reliefPurposes.map(\.rawValue).sorted().joined(separator: ",")
        case .export:
            parts["gzip_level"] = String(request.pipeline.gzipLevel)
            parts["pipeline"] = request.pipeline.name
            parts["max_quarantine_pct"] = request.pipeline.maxQuarantinePct.map { String($0) } ?? ""
            parts["clean_tables"] = String(request.pipeline.cleanTables)
        }
        if s != .ingest {
            // The previous stage's outputs, by content.
            guard let previous = previous ?? store.record(StageName.allCases[s.index - 1]) else {
                parts["inputs"] = "missing"
                return (ContentHash.text(PipelineRunner.canonical(parts)), parts)
            }
            parts["inputs"] = previous.outputs.map { "\($0.file)=\($0.sha256)" }.joined(separator: "|")
        }
        return (ContentHash.text(PipelineRunner.canonical(parts)), parts)
    }

    static func canonical(_ parts: [String: String]) -> String {
        parts.keys.sorted().map { "\($0)=\(parts[$0] ?? "")" }.joined(separator: "\n")
    }

    private var cachedInventory: Inventory?
    private var cachedReferenceHash: String?

    private var aggregateSettings: AggregateSettings {
        AggregateSettings(asOf: request.asOf, reliefPurposes: Set(request.pipeline.reliefPurposes), threads: request.threads,
                          gzipLevel: request.pipeline.gzipLevel)
    }

    /// The inputs as they are now: globs expanded, files hashed, headers read.
    func plannedInputs() throws -> Inventory {
        if let cachedInventory { return cachedInventory }
        // Every input is hashed first, all files in parallel.
        var resolvedPaths: [String] = []
        for source in request.pipeline.registrations + request.pipeline.funding {
            resolvedPaths += try PathGlob.expand(source.path, relativeTo: request.baseDirectory).map(\.1)
        }
        var hashes: [String: (sha256: String, bytes: Int64)] = [:]
        for (path, h) in zip(resolvedPaths, try ContentHash.files(resolvedPaths)) { hashes[path] = h }
        func files(_ sources: [PipelineDefinition.Source]) throws -> [Inventory.File] {
            var out: [Inventory.File] = []
            for source in sources {
                for (given, resolved) in try PathGlob.expand(source.path, relativeTo: request.baseDirectory) {
                    let h = try hashes[resolved] ?? ContentHash.file(resolved)
                    let reader = try CSVReader(path: resolved, options: CSVReadOptions(encoding: source.encoding, delimiter: source.delimiter))
                    out.append(Inventory.File(
                        path: given, resolvedPath: resolved, file: reader.name, bytes: h.bytes, sha256: h.sha256,
                        encoding: reader.encoding.rawValue, delimiter: String(UnicodeScalar(source.delimiter)),
                        aliases: source.aliases, header: reader.header))
                }
            }
            return out
        }
        let inv = Inventory(registrations: try files(request.pipeline.registrations), funding: try files(request.pipeline.funding))
        cachedInventory = inv
        return inv
    }

    // MARK: - Stages

    private func execute(_ s: StageName, into tmp: String, previous: StageRecord?, log: Logger) throws -> [String] {
        switch s {
        case .ingest:
            let inv = try plannedInputs()
            // Refuse a file missing required columns now, before any work.
            for f in inv.registrations {
                let m = HeaderMatcher<RegistrationField>(aliases: try PartialBuilder.aliases(f.aliases, RegistrationField.self, file: f.file)).match(f.header)
                if !m.missingRequired.isEmpty { throw HeaderCheck.refuse(f.file, headers: f.header, missing: m.missingRequired) }
            }
            for f in inv.funding {
                let m = HeaderMatcher<FundingField>(aliases: try PartialBuilder.aliases(f.aliases, FundingField.self, file: f.file)).match(f.header)
                if !m.missingRequired.isEmpty { throw HeaderCheck.refuse(f.file, headers: f.header, missing: m.missingRequired) }
            }
            try JSON.write(inv, to: tmp + "/inventory.json")
            log.info("inputs", metadata: ["registration_files": "\(inv.registrations.count)", "funding_files": "\(inv.funding.count)",
                                          "bytes": "\((inv.registrations + inv.funding).reduce(Int64(0)) { $0 + $1.bytes })"])
            return ["inventory.json"]

        case .normalize:
            let inv = try JSON.read(Inventory.self, from: try input(.ingest, "inventory.json"))
            Progress.shared.begin("normalize", total: Int((inv.registrations + inv.funding).reduce(Int64(0)) { $0 + $1.bytes }))
            defer { Progress.shared.end() }
            let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
            let list = try PartialStage.run(inventory: inv, asOf: request.asOf, referenceHash: try referenceHash(),
                                            folder: partialsFolder, regions: regions, threads: request.threads,
                                            rebuild: request.force, log: log)
            try JSON.write(list, to: tmp + "/" + PartialList.file)
            return [PartialList.file]

        case .aggregate:
            let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
            let list = try JSON.read(PartialList.self, from: try input(.normalize, PartialList.file))
            let (registrations, funding) = try list.open(in: partialsFolder)
            let merged = try MergeStage.run(registrations: registrations, funding: funding, regions: regions,
                                            settings: aggregateSettings, folder: tmp)
            try JSON.write(merged.normalize, to: tmp + "/normalize.json")
            try JSON.write(merged.aggregate, to: tmp + "/aggregate.json")
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
            log.info("tables", metadata: ["rows": "\(summary.tables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))",
                                          "unmatched_recipients": "\(summary.unmatchedRecipients)"])
            return summary.files + [MergeStage.quarantineFile, "normalize.json", "aggregate.json"]

        case .export:
            return try export(into: tmp, log: log)
        }
    }

    /// Where partials are cached: shared by every run of this output folder.
    var partialsFolder: String { store.root + "/partials" }

    /// Whether the partials a fresh normalize stage lists are still there (the aggregate
    /// stage reads them); other stages have no such inputs.
    private func partialsPresent(_ s: StageName) -> Bool {
        guard s == .normalize else { return true }
        guard let list = try? JSON.read(PartialList.self, from: store.folder(.normalize) + "/" + PartialList.file) else { return false }
        return list.entries.allSatisfy { PartialStage.present($0.key, in: partialsFolder) }
    }

    /// The SHA-256 of the region reference tables (part of every partial's key).
    func referenceHash() throws -> String {
        if let cachedReferenceHash { return cachedReferenceHash }
        let h = try PartialJob.referenceHash(of: request.referenceDirectory)
        cachedReferenceHash = h
        return h
    }

    /// A persisted input of a stage, or a clear error when it is missing.
    func input(_ s: StageName, _ file: String) throws -> String {
        let p = store.folder(s) + "/" + file
        guard FileManager.default.fileExists(atPath: p) else {
            throw SectorStatsError(.missingStageInput, file: p,
                                   "the \(s.rawValue) stage's output \(file) is missing: run the \(s.rawValue) stage first (`sectorstats run --from \(s.rawValue)`)")
        }
        return p
    }

    // MARK: - Export and publication

    private func export(into tmp: String, log: Logger) throws -> [String] {
        let normalize = try JSON.read(NormalizeResult.self, from: try input(.aggregate, "normalize.json"))
        let partials = try JSON.read(PartialList.self, from: try input(.normalize, PartialList.file))
        // Built in this run only when this run's normalize stage ran.
        let normalizeRan = outcomes.contains { $0.stage == .normalize && $0.action == .ran }
        let aggregate = try JSON.read(AggregateSummary.self, from: try input(.aggregate, "aggregate.json"))
        // Checked here, before publishing, so that it holds even when normalize was fresh.
        if let max = request.pipeline.maxQuarantinePct {
            let read = normalize.registrations.rowsRead + normalize.funding.rowsRead
            let q = normalize.registrations.quarantined + normalize.funding.quarantined
            if read > 0 && Double(q) * 100 / Double(read) > max {
                throw SectorStatsError(.inputRefused, field: "max_quarantine_pct",
                                       String(format: "%.2f%% of rows were quarantined (%d of %d), above the limit of %.2f%%; nothing was published",
                                              Double(q) * 100 / Double(read), q, read, max))
            }
        }
        let publisher = Publisher(outputDirectory: request.outputDirectory, keepRuns: request.keepRuns)
        var files: [Publisher.File] = []
        for file in aggregate.files where file != MergeStage.quarantineFile {
            files.append(.init(name: file, path: try input(.aggregate, file), rows: aggregate.tables[file] ?? 0))
        }
        files.append(.init(name: MergeStage.quarantineFile, path: try input(.aggregate, MergeStage.quarantineFile),
                           rows: normalize.quarantineRows))
        let metas = try partials.open(in: partialsFolder)
        if request.pipeline.cleanTables {
            // The clean tables, asked for with every run (the pipeline's clean_tables).
            for (name, write) in [("organizations", { try CleanTables.writeOrganizations(metas.registrations, to: $0) }),
                                  ("funding", { (w: CSVWriter) in try CleanTables.writeFunding(metas.funding, to: w) })] {
                let file = name + ".csv.gz"
                let w = try CSVWriter(gzipPath: tmp + "/" + file, level: request.pipeline.gzipLevel)
                try write(w)
                let rows = w.rows - 1
                try w.commit()
                files.append(.init(name: file, path: tmp + "/" + file, rows: rows))
            }
        }
        let id = try publisher.publish(files) { outputs in
            Manifest.make(pipeline: request.pipeline.name, asOf: request.asOf,
                          inputs: (metas.registrations + metas.funding).map { ($0.meta, normalizeRan ? partials.status(of: $0.meta.key) : "reused") },
                          normalize: normalize, aggregate: aggregate, outputs: outputs,
                          stages: outcomes.map { Manifest.Stage(stage: $0.stage.rawValue, action: $0.action.rawValue, seconds: $0.seconds) }
                              + [Manifest.Stage(stage: StageName.export.rawValue, action: StageOutcome.Action.ran.rawValue, seconds: 0)])
        }
        // (The clean tables' copies in the run folder are the ones kept.)
        for f in files where f.path.hasPrefix(tmp + "/") { try? FileManager.default.removeItem(atPath: f.path) }
        PartialStage.prune(folder: partialsFolder, keeping: keptPartialKeys(current: partials))
        log.notice("published", metadata: ["folder": "\(request.outputDirectory)/latest", "run": "\(id)"])
        try JSON.write(["run": id], to: tmp + "/published.json")
        return ["published.json"]
    }

    /// The partials that the kept runs and the normalize stage's list refer to.
    private func keptPartialKeys(current: PartialList) -> Set<String> {
        var keys = Set(current.entries.map(\.key))
        let runs = request.outputDirectory + "/runs"
        for n in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [] where !n.hasPrefix(".") {
            guard let m = try? JSON.read(Manifest.self, from: runs + "/" + n + "/manifest.json") else { continue }
            for input in m.inputs { if let k = input.partialKey { keys.insert(k) } }
        }
        return keys
    }
}
