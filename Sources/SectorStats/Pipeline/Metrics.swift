import Foundation

/// A run's figures in the Prometheus text exposition format (0.0.4), written at the end of
/// every run for a textfile collector: outcome, when it last succeeded, rows per source,
/// quarantine by reason, stage seconds, bytes in and rows per table. Every metric is a
/// gauge of the last run, labelled with the pipeline.
public struct RunMetrics: Sendable {
    public var pipeline: String
    public var exitCode: Int32
    public var finishedAt: Date
    /// When a run of this pipeline last succeeded: this one, or as an earlier metrics file said.
    public var lastSuccessAt: Date?
    /// The run's status; row accounting and tables only when it succeeded.
    public var status: RunStatus?
    /// Bytes of the inputs, per source (`registrations`, `funding`).
    public var inputBytes: [String: Int64] = [:]

    public init(pipeline: String, exitCode: Int32, finishedAt: Date, lastSuccessAt: Date?, status: RunStatus?) {
        self.pipeline = pipeline
        self.exitCode = exitCode
        self.finishedAt = finishedAt
        self.lastSuccessAt = lastSuccessAt
        self.status = status
    }

    public var succeeded: Bool { exitCode == 0 }

    private struct Family {
        var name: String
        var help: String
        var samples: [(labels: [(String, String)], value: String)] = []
    }

    public func render() -> String {
        var families: [Family] = []
        func add(_ name: String, _ help: String, _ samples: [([(String, String)], String)]) {
            guard !samples.isEmpty else { return }
            families.append(Family(name: "sectorstats_" + name, help: help, samples: samples.map { (labels: $0.0, value: $0.1) }))
        }
        add("run_success", "1 when the last run succeeded, else 0.", [([], succeeded ? "1" : "0")])
        add("run_exit_code", "The exit code of the last run.", [([], String(exitCode))])
        add("run_finished_timestamp_seconds", "When the last run ended, in Unix seconds.", [([], Self.number(finishedAt.timeIntervalSince1970))])
        if let lastSuccessAt {
            add("last_success_timestamp_seconds", "When a run last succeeded, in Unix seconds.",
                [([], Self.number(lastSuccessAt.timeIntervalSince1970))])
        }
        let sources: [(String, RowAccounting)] = [("registrations", status?.registrations), ("funding", status?.funding)]
            .compactMap { name, acc in acc.map { (name, $0) } }
        if succeeded {
            add("rows_read", "Data rows read, per source.", sources.map { ([("source", $0.0)], String($0.1.rowsRead)) })
            add("rows_accepted", "Rows accepted, per source.", sources.map { ([("source", $0.0)], String($0.1.accepted)) })
            add("rows_quarantined", "Rows quarantined, per source.", sources.map { ([("source", $0.0)], String($0.1.quarantined)) })
            add("rows_duplicate", "Duplicate rows dropped, per source.", sources.map { ([("source", $0.0)], String($0.1.duplicates)) })
            add("rows_quarantined_by_reason", "Rows quarantined, per source and reason (DATA.md §5).",
                sources.flatMap { name, acc in
                    acc.quarantinedByReason.keys.sorted().map { ([("source", name), ("reason", $0)], String(acc.quarantinedByReason[$0] ?? 0)) }
                })
            add("input_bytes", "Bytes of the inputs, per source.",
                inputBytes.keys.sorted().map { ([("source", $0)], String(inputBytes[$0] ?? 0)) })
            add("table_rows", "Rows of each published table.",
                (status?.tables ?? [:]).keys.sorted().map { file in
                    let table = file.hasSuffix(".csv.gz") ? String(file.dropLast(7)) : file
                    return ([("table", table)], String(status?.tables[file] ?? 0))
                })
        }
        add("stage_duration_seconds", "Wall time of each stage in the last run (0 when skipped).",
            (status?.stages ?? []).map { ([("stage", $0.stage.rawValue), ("action", $0.action.rawValue)], Self.number($0.seconds)) })

        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(f.help)\n# TYPE \(f.name) gauge\n"
            for s in f.samples {
                let labels = [("pipeline", pipeline)] + s.labels
                out += f.name + "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "} " + s.value + "\n"
            }
        }
        return out
    }

    /// Writes ``render()`` to `path` atomically (a scraper never reads half a file).
    public func write(to path: String) throws {
        let f = try AtomicFile(path: path)
        try Array(render().utf8).withUnsafeBytes { try f.write($0) }
        try f.commit()
    }

    /// The last success time an earlier metrics file at `path` recorded, if any.
    public static func lastSuccess(inFileAt path: String) -> Date? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let prefix = "sectorstats_last_success_timestamp_seconds{"
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(prefix) {
            if let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) {
                return Date(timeIntervalSince1970: v)
            }
        }
        return nil
    }

    /// Label values escape backslash, double quote and line feed (the exposition format).
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Whole numbers without a fraction; others with millisecond precision.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "NaN" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.3f", v)
    }
}
