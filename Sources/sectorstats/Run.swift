import ArgumentParser
import Dispatch
import Foundation
import Logging
import SectorStats
import Synchronization

extension SectorStatsCommand {
    /// `sectorstats run [PIPELINE]`: the pipeline, for cron and analysts.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the pipeline: ingest → normalize → aggregate → export.",
            discussion: """
                Stages whose inputs and settings are unchanged (by content hash) are skipped. \
                --stage reruns one stage from its persisted inputs; --from/--to rerun a range. \
                --registrations/--funding replace the pipeline's sources (no pipeline file needed).
                Outputs appear together under OUT/latest/ (a symlink to OUT/runs/<run-id>/), or not at all.
                Exit codes: 0 success; 1 runtime failure; 64 usage error or invalid pipeline file; \
                65 input data refused (a source missing required columns, or quarantined share above \
                --max-quarantine-pct); 75 another run holds the output folder's lock.
                """
        )

        @Argument(help: "A pipeline file (pipelines/*.yml).")
        var pipeline: String?

        @Option(help: "Rerun just this stage (ingest, normalize, aggregate, export) from its persisted inputs.")
        var stage: String?

        @Option(help: "Rerun from this stage on.")
        var from: String?

        @Option(help: "Run up to this stage.")
        var to: String?

        @Flag(help: "Rerun every stage, fresh or not.")
        var force = false

        @Option(parsing: .upToNextOption, help: "Registration exports (replace the pipeline's).")
        var registrations: [String] = []

        @Option(parsing: .upToNextOption, help: "Funding exports (replace the pipeline's).")
        var funding: [String] = []

        @Option(help: "Output folder (default outputs/<name>/).")
        var out: String?

        @Option(help: "The run's as-of date (default: the pipeline's, else today).")
        var asOf: String?

        @Option(help: "Worker threads (default: the pipeline's, else the number of cores).")
        var threads: Int?

        @Option(help: "Refuse the run (exit 65) when more than this percentage of rows is quarantined.")
        var maxQuarantinePct: Double?

        @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward, else the built-in tables).")
        var reference: String?

        @Option(help: "Write Prometheus metrics of the run to this file at its end, success or failure (default: the pipeline's metrics_file).")
        var metricsFile: String?

        @Option(help: "Log format: text or json (JSON lines on stderr, for cron).")
        var logFormat: String = "text"

        @Flag(help: "Only warnings and errors in the log, no summary.")
        var quiet = false

        func validate() throws {
            guard SectorStatsLogHandler.Format(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
            for (name, value) in [("--stage", stage), ("--from", from), ("--to", to)] {
                if let value, StageName(rawValue: value) == nil {
                    throw ValidationError("\(name) must be one of \(StageName.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
                }
            }
            if stage != nil && (from != nil || to != nil) { throw ValidationError("--stage cannot be combined with --from/--to") }
            if let f = from.flatMap(StageName.init), let t = to.flatMap(StageName.init), t < f { throw ValidationError("--to comes before --from") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let asOf, (try? CivilDateArgument.parse(asOf)) == nil { throw ValidationError("--as-of must be a date such as 2021-12-31") }
            if let m = maxQuarantinePct, !(0...100).contains(m) { throw ValidationError("--max-quarantine-pct must be 0…100") }
            if pipeline == nil && registrations.isEmpty && funding.isEmpty {
                throw ValidationError("give a pipeline file, or --registrations/--funding files")
            }
        }

        func run() throws {
            let format = SectorStatsLogHandler.Format(rawValue: logFormat) ?? .text
            let level: Logger.Level = quiet ? .warning : .info
            LoggingSystem.bootstrap { SectorStatsLogHandler(label: $0, format: format, level: level) }
            let log = Logger(label: "sectorstats")
            let metrics = MetricsTarget()
            let cwd = FileManager.default.currentDirectoryPath
            if let metricsFile { metrics.set(path: metricsFile.hasPrefix("/") ? metricsFile : cwd + "/" + metricsFile, pipeline: pipelineName) }
            let signalSources = Signals.install(onStop: { code in metrics.write(exitCode: code, status: nil) })
            defer { withExtendedLifetime(signalSources) {} }
            let started = Date()
            var outputDirectory: String?
            do {
                let (request, metricsPath) = try makeRequest()
                outputDirectory = request.outputDirectory
                if let metricsPath { metrics.set(path: metricsPath, pipeline: request.pipeline.name) }
                let status = try PipelineRunner(request, logger: log).run()
                metrics.write(exitCode: 0, status: status, outputDirectory: request.outputDirectory)
                if !quiet { printSummary(status) }
            } catch {
                let code = fail(error)
                // A run refused for the lock leaves the metrics to the run that holds it.
                if (error as? SectorStatsError)?.code != .locked {
                    metrics.write(exitCode: code.rawValue, status: outputDirectory.flatMap { MetricsTarget.failedStatus(in: $0, since: started) })
                }
                throw code
            }
        }

        /// The pipeline's name as far as the arguments tell (for metrics before the file is read).
        private var pipelineName: String {
            pipeline.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "adhoc"
        }

        func makeRequest() throws -> (RunRequest, metricsPath: String?) {
            let cwd = FileManager.default.currentDirectoryPath
            var definition: PipelineDefinition
            var base = cwd
            if let pipeline {
                definition = try PipelineDefinition.load(path: pipeline)
                let abs = pipeline.hasPrefix("/") ? pipeline : cwd + "/" + pipeline
                base = URL(fileURLWithPath: abs).deletingLastPathComponent().path
            } else {
                definition = PipelineDefinition(name: "adhoc")
            }
            if !registrations.isEmpty || !funding.isEmpty {
                // The file options replace the pipeline's sources; their paths are the user's.
                func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : cwd + "/" + p }
                definition.registrations = registrations.map { PipelineDefinition.Source(path: absolute($0)) }
                definition.funding = funding.map { PipelineDefinition.Source(path: absolute($0)) }
            }
            if let maxQuarantinePct { definition.maxQuarantinePct = maxQuarantinePct }
            let outDir = OutputFolder.resolve(out: out, definition: definition, base: base, cwd: cwd)
            try OutputFolder.prepare(outDir)
            let asOfDate = try asOf.map(CivilDateArgument.parse) ?? definition.asOf ?? CivilDateArgument.today()
            let threadCount = threads ?? OutputFolder.threads(definition)
            let selection: StageSelection
            if let s = stage.flatMap(StageName.init) { selection = .only(s) }
            else if from != nil || to != nil { selection = .range(from: from.flatMap(StageName.init), to: to.flatMap(StageName.init)) }
            else { selection = .all }
            let referenceDir = try reference ?? ReferenceLocator.find(from: [base, cwd])
            let metricsPath = metricsFile.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
                ?? definition.metricsFile.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 }
            return (RunRequest(pipeline: definition, baseDirectory: base, outputDirectory: outDir, asOf: asOfDate,
                               threads: threadCount, force: force, selection: selection, referenceDirectory: referenceDir),
                    metricsPath)
        }

        func printSummary(_ s: RunStatus) {
            let out = OutputStream.standardOutput()
            out.write("\nsectorstats: pipeline \(s.pipeline) — \(s.outcome)\n")
            for st in s.stages {
                out.write("  \(st.stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(st.action.rawValue)\(st.action == .ran ? String(format: " in %.2f s (%@)", st.seconds, st.reason) : "")\n")
            }
            for (kind, acc) in [("registrations", s.registrations), ("funding", s.funding)] {
                if let a = acc {
                    out.write("  \(kind): \(a.rowsRead) rows read, \(a.accepted) accepted, \(a.quarantined) quarantined, \(a.duplicates) duplicates\n")
                }
            }
            if !s.tables.isEmpty {
                out.write("  tables: " + s.tables.keys.sorted().map { "\($0) (\(s.tables[$0] ?? 0) rows)" }.joined(separator: ", ") + "\n")
            }
            if let p = s.published { out.write("  published: \(p) (also \(s.outputFolder)/latest)\n") }
            out.flush()
        }
    }
}

/// The one place the CLI resolves a run's output folder and default thread count.
enum OutputFolder {
    /// `--out` (relative to the current folder), else the pipeline's `output` (relative to
    /// the pipeline file's folder), else `outputs/<name>` in the current folder.
    static func resolve(out: String?, definition: PipelineDefinition, base: String, cwd: String) -> String {
        if let out { return out.hasPrefix("/") ? out : cwd + "/" + out }
        if let o = definition.output { return o.hasPrefix("/") ? o : base + "/" + o }
        return cwd + "/outputs/" + definition.name
    }

    /// Makes sure `path` is a folder this user can write, creating it when missing; says
    /// what is wrong in words otherwise.
    static func prepare(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw SectorStatsError(.fileNotWritable, file: path, "is a file, not a folder: give --out (or the pipeline's output:) a folder")
            }
            guard access(path, W_OK | X_OK) == 0 else {
                throw SectorStatsError(.fileNotWritable, file: path, "cannot write to this output folder (permission denied): choose another --out or change its permissions")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            // The nearest part of the path that exists says why.
            var parent = URL(fileURLWithPath: path).deletingLastPathComponent()
            while parent.path != "/" && !FileManager.default.fileExists(atPath: parent.path) { parent = parent.deletingLastPathComponent() }
            let why: String
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), !isFolder.boolValue {
                why = "\(parent.path) is a file, not a folder"
            } else if access(parent.path, W_OK | X_OK) != 0 {
                why = "\(parent.path) is not writable by this user (permission denied)"
            } else {
                why = SectorStatsError(describing: error).message
            }
            throw SectorStatsError(.fileNotWritable, file: path, "cannot create the output folder: \(why)")
        }
    }

    static func threads(_ definition: PipelineDefinition) -> Int {
        definition.threads ?? ProcessInfo.processInfo.activeProcessorCount
    }
}

/// Dates on the command line.
enum CivilDateArgument {
    static func parse(_ s: String) throws -> CivilDate {
        guard case .some(.some(let d)) = try? DateParser.parse(s, asOf: nil) else {
            throw SectorStatsError(.invalidArgument, field: "as-of", "expected a date such as 2021-12-31, got \"\(s)\"")
        }
        return d
    }

    static func today() -> CivilDate {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Shanghai")!, from: Date())
        return CivilDate(year: c.year ?? 2000, month: c.month ?? 1, day: c.day ?? 1) ?? CivilDate(year: 2000, month: 1, day: 1)!
    }
}

/// Finds datasets/reference by walking up from the given folders, else the tables built
/// into the binary.
enum ReferenceLocator {
    static func find(from starts: [String]) throws -> String {
        for start in starts {
            var dir = URL(fileURLWithPath: start)
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("datasets/reference")
                if FileManager.default.fileExists(atPath: candidate.path + "/regions.csv") { return candidate.path }
                dir = dir.deletingLastPathComponent()
            }
        }
        return ReferenceTables.embeddedPath
    }
}

/// Where and for which pipeline a run writes its metrics (`--metrics-file`, `metrics_file`);
/// set from the main thread, read by the signal handler too.
final class MetricsTarget: Sendable {
    private let target = Mutex<(path: String, pipeline: String)?>(nil)

    func set(path: String, pipeline: String) {
        target.withLock { $0 = (path, pipeline) }
    }

    /// Writes the metrics when a path is set; a failure to write is a warning, never the
    /// run's outcome.
    func write(exitCode: Int32, status: RunStatus?, outputDirectory: String? = nil) {
        guard let t = target.withLock({ $0 }) else { return }
        let (path, pipeline) = (t.path, t.pipeline)
        let now = Date()
        var m = RunMetrics(pipeline: status?.pipeline ?? pipeline, exitCode: exitCode, finishedAt: now,
                           lastSuccessAt: exitCode == 0 ? now : RunMetrics.lastSuccess(inFileAt: path), status: status)
        if exitCode == 0, let outputDirectory,
           let data = FileManager.default.contents(atPath: outputDirectory + "/latest/manifest.json"),
           let manifest = try? JSONDecoder().decode(Manifest.self, from: data) {
            for input in manifest.inputs { m.inputBytes[input.kind, default: 0] += input.bytes }
        }
        do { try m.write(to: path) } catch {
            ErrorOutput.write(level: "warning", message: "cannot write the metrics file: \(SectorStatsError(describing: error))",
                              text: "sectorstats: warning: cannot write the metrics file: \(SectorStatsError(describing: error))\n")
        }
    }

    /// OUT/status.json when this run wrote it (a failure after the lock was taken): its stages.
    static func failedStatus(in outputDirectory: String, since start: Date) -> RunStatus? {
        guard let data = FileManager.default.contents(atPath: outputDirectory + "/" + PipelineRunner.statusFile),
              let status = try? JSONDecoder().decode(RunStatus.self, from: data),
              let finished = ISO8601DateFormatter().date(from: status.finishedAt),
              finished.timeIntervalSince(start) > -1 else { return nil }
        return status
    }
}

/// SIGTERM/SIGINT/SIGHUP stop the run cleanly: temporary work is removed, published outputs stay.
/// The stop waits for a step that changes OUT to end (``StopGate``), so what it reports is
/// what `latest` shows: stopped before publication (exit 128+signal, outputs unchanged), or
/// the run had already completed (exit 0, the run published).
enum Signals {
    private static let stopping = Atomic<Bool>(false)

    private static func isIgnored(_ sig: Int32) -> Bool {
        #if os(Linux)
        var current = sigaction()
        guard sigaction(sig, nil, &current) == 0 else { return false }
        // (Handlers are C function pointers: compared by address. SIG_IGN is 1.)
        guard let handler = current.__sigaction_handler.sa_handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == 1
        #else
        return false
        #endif
    }

    /// Installs the handlers; keep the returned sources alive for as long as they should act.
    /// `onStop` runs before the process exits, with the exit code.
    static func install(onStop: @escaping @Sendable (Int32) -> Void = { _ in }) -> [DispatchSourceSignal] {
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            // A SIGHUP ignored at start (`nohup`) stays ignored: the run outlives its terminal.
            if sig == SIGHUP, Self.isIgnored(sig) { continue }
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                // One stop per process: a second signal (SIGINT after SIGTERM) leaves it to the first.
                guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
                let code: Int32
                switch StopGate.shared.requestStop() {
                case .stopped:
                    code = 128 + sig
                    let message = "stopped by signal \(sig); partial work removed, published outputs unchanged"
                    ErrorOutput.write(message: message, counts: ["signal": String(sig), "exit_code": String(code)],
                                      text: "sectorstats: \(message)\n", last: true)
                case .completed(let run):
                    code = 0
                    let message = "signal \(sig) arrived after the run had completed\(run.map { " (published \($0))" } ?? ""); exiting 0"
                    ErrorOutput.write(level: "warning", message: message,
                                      counts: ["signal": String(sig), "exit_code": "0"].merging(run.map { ["run": $0] } ?? [:]) { $1 },
                                      text: "sectorstats: warning: \(message)\n", last: true)
                }
                SectorStatsCleanup.removeTemporaryWork()
                onStop(code)
                exit(code)
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }
}
