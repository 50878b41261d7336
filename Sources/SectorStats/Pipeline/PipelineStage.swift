import Foundation
import Logging

/// What the runner hands every stage: the run's request, where stages persist their outputs
/// and the log. Stages read only what earlier stages persisted (``input(_:_:)``) and write
/// only into the folder they are given (and the partials cache).
struct StageContext {
    let request: RunRequest
    let store: StageStore
    let log: Logger
    /// What the runner did with the stages before this one in this run.
    let earlier: [StageOutcome]

    /// Stages that ran (were not skipped) earlier in this run.
    var ranBefore: Set<StageName> { Set(earlier.filter { $0.action == .ran }.map(\.stage)) }

    /// Where partials are cached: shared by every run of this output folder.
    var partialsFolder: String { store.root + "/partials" }

    /// A persisted output of stage `s`, or a clear error when it is missing.
    func input(_ s: StageName, _ file: String) throws -> String {
        let p = store.folder(s) + "/" + file
        guard FileManager.default.fileExists(atPath: p) else {
            throw SectorStatsError(.missingStageInput, file: p,
                                   "the \(s.rawValue) stage's output \(file) is missing: run the \(s.rawValue) stage first (`sectorstats run --from \(s.rawValue)`)")
        }
        return p
    }

    var aggregateSettings: AggregateSettings {
        AggregateSettings(asOf: request.asOf, reliefPurposes: Set(request.pipeline.reliefPurposes), threads: request.threads,
                          gzipLevel: request.pipeline.gzipLevel)
    }
}

/// One stage of the pipeline, as the runner sees it: its name, the settings its outputs
/// depend on, and a transform from the earlier stages' persisted outputs to its own. The
/// runner adds the program version and the previous stage's outputs (by content) to the key,
/// skips a stage whose key and outputs are unchanged, and commits its folder atomically.
protocol PipelineStage {
    var name: StageName { get }
    /// The settings that go into the stage's key, by name (`stages` says which changed).
    func keyParts(_ context: StageContext) throws -> [String: String]
    /// Whether what the stage keeps outside its folder (the partials) is still there.
    func outsideOutputsPresent(_ context: StageContext) -> Bool
    /// Why what the stage made outside its folder is not as its record says (the partials
    /// gone, the published run changed), or nil when it is: the stage is fresh only then.
    func outsideOutputsChange(_ context: StageContext) -> String?
    /// Makes the committed outputs visible outside OUT/stages (export: switches `latest`), in
    /// the run's last step; `beforeSwitch(run)` runs just before the one step that makes them
    /// visible (the runner stages the run's status there). Returns the run id it published.
    func publish(_ context: StageContext, beforeSwitch: (String) throws -> Void) throws -> String?
    /// Housekeeping once the run is complete (pruning); failures are not the run's.
    func afterRun(_ context: StageContext)
    /// Reads the persisted inputs, writes the outputs into `folder`, returns their names.
    func run(into folder: String, _ context: StageContext) throws -> [String]
}

extension PipelineStage {
    func outsideOutputsPresent(_ context: StageContext) -> Bool { true }
    func outsideOutputsChange(_ context: StageContext) -> String? { outsideOutputsPresent(context) ? nil : "partials missing" }
    func publish(_ context: StageContext, beforeSwitch: (String) throws -> Void) throws -> String? { nil }
    func afterRun(_ context: StageContext) {}
}
