import Foundation
import Logging
import Synchronization

/// Log lines on stderr: human-readable on a terminal, or JSON lines for cron
/// (`--log-format json`: timestamp, level, stage, message and the metadata as counts).
public struct SectorStatsLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let format: Format
    let label: String

    public init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Serializes lines on stderr; true once the last line of a stop by signal is written
    /// (nothing may follow it).
    private static let lock = Mutex(false)

    public func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let stage = all.removeValue(forKey: "stage").map { "\($0)" }
        let line: String
        switch format {
        case .text:
            let extras = all.keys.sorted().map { "\($0)=\(all[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
            // Messages can quote the data (header names, values): no terminal escapes from it.
            line = "sectorstats: \(event.level == .info || event.level == .notice ? "" : "\(event.level): ")\(stage.map { "[\($0)] " } ?? "")"
                + TerminalText.escaped("\(event.message)\(extras.isEmpty ? "" : "  " + extras)") + "\n"
        case .json:
            var object: [String: String] = [:]
            for (k, v) in all { object[k] = "\(v)" }
            line = Self.jsonLine(level: event.level.rawValue, stage: stage, message: "\(event.message)", counts: object)
        }
        Self.writeLine(line)
    }

    /// Writes one whole line on stderr (log lines and fatal errors alike, so lines never
    /// interleave); dropped once a stop's last line is written.
    public static func writeLine(_ line: String) {
        lock.withLock { closed in
            if !closed { FileHandle.standardError.write(Data(line.utf8)) }
        }
    }

    /// Writes the line a stop by signal ends with: no line follows it on stderr. Not even
    /// from C code writing to stderr itself (libxlsxwriter reports its own errors): the
    /// descriptor is pointed at /dev/null once the line is out.
    public static func writeLastLine(_ line: String) {
        lock.withLock { closed in
            if !closed { FileHandle.standardError.write(Data(line.utf8)) }
            closed = true
            let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
            if null >= 0 {
                dup2(null, STDERR_FILENO)
                close(null)
            }
        }
    }

    /// One line of `--log-format json`: also for what is written outside swift-log (fatal
    /// errors, the signal handler), so that every line on stderr parses. Numeric counts are
    /// JSON numbers, the others strings.
    public static func jsonLine(level: String, stage: String?, message: String, counts: [String: String]) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var fields: [String] = [
            "\"timestamp\":" + quote(f.string(from: Date())),
            "\"level\":" + quote(level),
            "\"stage\":" + (stage.map(quote) ?? "null"),
            "\"message\":" + quote(message),
        ]
        let c = counts.keys.sorted().map { k -> String in
            let v = counts[k] ?? ""
            return quote(k) + ":" + (Int64(v) != nil ? v : quote(v))
        }
        fields.append("\"counts\":{" + c.joined(separator: ",") + "}")
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        var s = s
        s.withUTF8 { JSONLines.appendString($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
