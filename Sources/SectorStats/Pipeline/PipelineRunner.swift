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

/// Schedules the four stages — ingest (``IngestStage``), normalize (``PartialStage``: a
/// partial per input file), aggregate (``MergeStage``) and export (``PublishStage``) — with
/// content-hash staleness, an exclusive lock per output folder and atomic publication. It
/// only schedules, caches and records: each stage reads what the stages before it
/// persisted, and nothing passes between them through the runner.
public final class PipelineRunner {
    public static let statusFile = "status.json"
    let request: RunRequest
    let log: Logger
    let store: StageStore
    private var outcomes: [StageOutcome] = []
    private let ingest: IngestStage
    private let stages: [any PipelineStage]

    public init(_ request: RunRequest, logger: Logger) {
        var request = request
        request.outputDirectory = (request.outputDirectory as NSString).standardizingPath
        request.baseDirectory = (request.baseDirectory as NSString).standardizingPath
        self.request = request
        self.log = logger
        self.store = StageStore(root: request.outputDirectory + "/stages")
        ingest = IngestStage(request: request)
        stages = [ingest, PartialStage(), MergeStage(), PublishStage()]
    }

    private func stage(_ s: StageName) -> any PipelineStage { stages[s.index] }

    private func context(_ s: StageName) -> StageContext {
        var log = self.log
        log[metadataKey: "stage"] = "\(s.rawValue)"
        return StageContext(request: request, store: store, log: log, earlier: outcomes)
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
            } else if let why = stage(s).outsideOutputsChange(context(s)) {
                out.append((s, "stale: " + why))
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
        let inv = try ingest.inventory()
        let previous = (try? JSON.read(PartialList.self, from: store.folder(.normalize) + "/" + PartialList.file))?.entries ?? []
        let partialsFolder = context(.normalize).partialsFolder
        let reference = try PartialJob.referenceHash(of: request.referenceDirectory)
        return PartialStage.jobs(inv, asOf: request.asOf, referenceHash: reference).map { job in
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
    /// untouched unless the run completed. The run's last step publishes (export switches
    /// `latest`) and writes `status.json` together, after every other write, so what the
    /// exit code, the message, `status.json` and `latest` say always agree.
    @discardableResult
    public func run() throws -> RunStatus {
        let started = Timestamp.now()
        let out = request.outputDirectory
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try OutputLayout.check(out)
        let lock = try RunLock(folder: out)
        defer { withExtendedLifetime(lock) {} }
        store.sweep()
        Publisher(outputDirectory: out, keepRuns: request.keepRuns).sweep()
        var status = RunStatus(pipeline: request.pipeline.name, startedAt: started, finishedAt: "", outcome: "running",
                               message: nil, outputFolder: out, published: nil, stages: [],
                               registrations: nil, funding: nil, tables: [:])
        do {
            try OutputLayout.makeFolder(out + "/stages", in: out)
            var previous: StageRecord?
            for s in StageName.allCases {
                previous = try step(s, previous: previous)
            }
            try finish(&status)
        } catch {
            status.outcome = "failure"
            status.message = "\(error)"
            status.stages = outcomes
            status.published = Publisher(outputDirectory: out).latestRun().map { out + "/runs/" + $0 }
            status.finishedAt = Timestamp.now()
            // (Not while a stop by signal is under way: the process ends in this step.)
            StopGate.shared.step { try? JSON.write(status, to: out + "/" + PipelineRunner.statusFile) }
            throw error
        }
        for s in stages { s.afterRun(context(s.name)) }
        return status
    }

    /// The run's last step: the export stage's run folder published (when export ran) and the
    /// status written with it, the status staged durably before `latest` switches and renamed
    /// into place right after; a stop by signal waits for the step and then reports the run
    /// as completed.
    private func finish(_ status: inout RunStatus) throws {
        let out = request.outputDirectory
        status.stages = outcomes
        if let n = try? JSON.read(NormalizeResult.self, from: store.folder(.aggregate) + "/" + MergeStage.normalizeFile) {
            status.registrations = n.registrations
            status.funding = n.funding
        }
        if let a = try? JSON.read(AggregateSummary.self, from: store.folder(.aggregate) + "/" + MergeStage.summaryFile) {
            status.tables = a.tables
        }
        status.outcome = "success"
        let exportRan = outcomes.contains { $0.stage == .export && $0.action == .ran }
        try StopGate.shared.step {
            var file: AtomicFile?
            var written = status
            func stageStatus(published: String?) throws {
                written.published = published.map { out + "/runs/" + $0 }
                written.finishedAt = Timestamp.now()
                file = try JSON.staged(written, to: out + "/" + PipelineRunner.statusFile)
            }
            var published: String?
            if exportRan {
                published = try stage(.export).publish(context(.export), beforeSwitch: { try stageStatus(published: $0) })
            } else {
                try stageStatus(published: Publisher(outputDirectory: out).latestRun())
            }
            // `latest` (if it changed) now shows this run: the status follows it.
            try? file?.commit()
            status = written
            StopGate.shared.markCompleted(run: published)
        }
    }

    private func step(_ s: StageName, previous: StageRecord?) throws -> StageRecord? {
        let context = context(s)
        let log = context.log
        let outsideChange = stage(s).outsideOutputsChange(context)
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
        if !request.force && !request.selection.forces, let r = store.record(s), r.key == key, store.intact(r), outsideChange == nil {
            log.info("fresh, skipped", metadata: ["key": "\(key.prefix(12))"])
            outcomes.append(StageOutcome(stage: s, action: .skipped, reason: "fresh", seconds: 0))
            return r
        }
        let reason = store.record(s).map { r in
            r.key != key ? PipelineRunner.changed(old: r.keyParts, new: parts)
                : (!store.intact(r) ? "outputs missing or changed" : (outsideChange ?? "forced"))
        } ?? "never run"
        log.info("running", metadata: ["reason": "\(reason)"])
        let clock = ContinuousClock.now
        let tmp = try store.begin(s)
        let outputs = try stage(s).run(into: tmp, context)
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
        var parts = try stage(s).keyParts(context(s))
        parts["version"] = SectorStatsVersion.string
        parts["stage"] = s.rawValue
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
}
