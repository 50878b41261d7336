import Foundation

/// The export stage: checks the quarantine limit, then stages the merge's tables, the
/// quarantine (and, when the pipeline asks, the clean tables) with their manifest as one run
/// folder (``Publisher``); the runner publishes it (``publish(_:)``) in the run's last step,
/// after the stage's record, and then old runs and partials no kept run refers to are pruned.
struct PublishStage: PipelineStage {
    let name = StageName.export
    static let publishedFile = "published.json"

    func keyParts(_ context: StageContext) throws -> [String: String] {
        let p = context.request.pipeline
        return ["gzip_level": String(p.gzipLevel), "pipeline": p.name,
                "max_quarantine_pct": p.maxQuarantinePct.map { String($0) } ?? "", "clean_tables": String(p.cleanTables)]
    }

    func run(into tmp: String, _ context: StageContext) throws -> [String] {
        let (request, log, partialsFolder) = (context.request, context.log, context.partialsFolder)
        func input(_ s: StageName, _ file: String) throws -> String { try context.input(s, file) }
        let normalize = try JSON.read(NormalizeResult.self, from: try input(.aggregate, MergeStage.normalizeFile))
        let partials = try JSON.read(PartialList.self, from: try input(.normalize, PartialList.file))
        // Built in this run only when this run's normalize stage ran.
        let normalizeRan = context.ranBefore.contains(.normalize)
        let aggregate = try JSON.read(AggregateSummary.self, from: try input(.aggregate, MergeStage.summaryFile))
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
        let staged = try publisher.stage(files) { outputs in
            Manifest.make(pipeline: request.pipeline.name, asOf: request.asOf,
                          inputs: (metas.registrations + metas.funding).map { ($0.meta, normalizeRan ? partials.status(of: $0.meta.key) : "reused") },
                          normalize: normalize, aggregate: aggregate, outputs: outputs,
                          stages: context.earlier.map { Manifest.Stage(stage: $0.stage.rawValue, action: $0.action.rawValue, seconds: $0.seconds) }
                              + [Manifest.Stage(stage: StageName.export.rawValue, action: StageOutcome.Action.ran.rawValue, seconds: 0)])
        } extras: { folder, id in
            // The run's reports, published with its tables. A report that cannot be written
            // (a bad published-figures file) does not hold the tables back: it is left out and
            // the log says why; `sectorstats report` then gives the error (exit 65).
            let figures = request.pipeline.published.map { $0.hasPrefix("/") ? $0 : request.baseDirectory + "/" + $0 }
            do { try ReportWriter.writeRunReports(into: folder, runID: id, publishedFigures: figures) } catch {
                log.warning("reports not written", metadata: ["why": "\(error)"])
            }
        }
        // (The clean tables' copies in the run folder are the ones kept.)
        for f in files where f.path.hasPrefix(tmp + "/") { try? FileManager.default.removeItem(atPath: f.path) }
        // What the run folder holds, by size: the export stage is fresh only while `latest`
        // points to this run and holds all of it.
        var sizes: [String: Int64] = [:]
        for n in try FileManager.default.contentsOfDirectory(atPath: staged.folder) {
            let attrs = try FileManager.default.attributesOfItem(atPath: staged.folder + "/" + n)
            sizes[n] = (attrs[.size] as? NSNumber)?.int64Value ?? -1
        }
        do {
            try JSON.write(Published(run: staged.id, files: sizes), to: tmp + "/" + Self.publishedFile)
        } catch {
            publisher.unstage(staged)
            throw error
        }
        return [Self.publishedFile]
    }

    /// The export stage's record of the run it staged: published by ``publish(_:)``.
    struct Published: Codable {
        var run: String
        /// Every file of the run folder, by name, with its size in bytes.
        var files: [String: Int64]
    }

    private func published(_ context: StageContext) -> Published? {
        try? JSON.read(Published.self, from: context.store.folder(name) + "/" + Self.publishedFile)
    }

    func outsideOutputsChange(_ context: StageContext) -> String? {
        guard let p = published(context) else { return "no published run recorded" }
        let publisher = Publisher(outputDirectory: context.request.outputDirectory)
        return publisher.incompleteness(of: p.run, files: p.files)
    }

    /// Installs the staged run folder and switches `latest` to it (``Publisher/installAndSwitch(_:beforeSwitch:)``).
    func publish(_ context: StageContext, beforeSwitch: (String) throws -> Void) throws -> String? {
        guard let p = published(context) else {
            throw SectorStatsError(.missingStageInput, file: context.store.folder(name) + "/" + Self.publishedFile, "the export stage's record is missing")
        }
        let publisher = Publisher(outputDirectory: context.request.outputDirectory, keepRuns: context.request.keepRuns)
        guard let staged = publisher.staged(p.run) else {
            throw SectorStatsError(.missingStageInput, file: publisher.runs + "/.tmp-" + p.run, "the run folder to publish is missing")
        }
        try publisher.installAndSwitch(staged, beforeSwitch: beforeSwitch)
        context.log.notice("published", metadata: ["folder": "\(context.request.outputDirectory)/latest", "run": "\(p.run)"])
        return p.run
    }

    /// Prunes old runs and the partials that no kept run refers to.
    func afterRun(_ context: StageContext) {
        let request = context.request
        let publisher = Publisher(outputDirectory: request.outputDirectory, keepRuns: request.keepRuns)
        if let current = published(context)?.run { publisher.prune(current: current) }
        guard let partials = try? JSON.read(PartialList.self, from: context.store.folder(.normalize) + "/" + PartialList.file) else { return }
        PartialStage.prune(folder: context.partialsFolder, keeping: keptPartialKeys(current: partials, request: request))
    }

    /// The partials that the kept runs and the normalize stage's list refer to.
    private func keptPartialKeys(current: PartialList, request: RunRequest) -> Set<String> {
        var keys = Set(current.entries.map(\.key))
        let runs = request.outputDirectory + "/runs"
        for n in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [] where !n.hasPrefix(".") {
            guard let m = try? JSON.read(Manifest.self, from: runs + "/" + n + "/manifest.json") else { continue }
            for input in m.inputs { if let k = input.partialKey { keys.insert(k) } }
        }
        return keys
    }
}
