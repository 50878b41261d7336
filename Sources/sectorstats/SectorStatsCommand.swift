import ArgumentParser
import Foundation
import SectorStats

@main
struct SectorStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sectorstats",
        abstract: "Statistics on China's social-organization sector, from raw registry and funding exports.",
        discussion: """
            Exit codes: 0 success; 1 runtime failure; 64 usage error (or an invalid pipeline file); \
            65 input data refused or malformed (inspect: malformed records found); 75 another run \
            holds the output folder's lock.
            """,
        version: SectorStatsVersion.string,
        subcommands: [Run.self, Partial.self, Merge.self, Plan.self, Stages.self, Status.self, Show.self, Export.self, Report.self, Inspect.self, Generate.self, ReadCount.self, CheckExpected.self]
    )

    /// As argument-parser's, except that with `--log-format json` a usage error is one JSON
    /// line too (help and version still print as text on stdout).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            // A stop by signal under way ends the process with its own code and message.
            StopGate.shared.yieldToStop()
        } catch let code as ExitCode {
            // Already reported (`fail`), or a plain exit status.
            StopGate.shared.yieldToStop()
            exit(withError: code)
        } catch {
            StopGate.shared.yieldToStop()
            let status = exitCode(for: error)
            guard ErrorOutput.json, status != .success else { exit(withError: error) }
            ErrorOutput.write(message: message(for: error), counts: ["exit_code": String(status.rawValue)])
            exit(withError: status)
        }
    }
}

/// How fatal errors reach stderr: one plain line, or with `--log-format json` one JSON
/// line in the shape of the log (so that every stderr line parses).
enum ErrorOutput {
    /// Read from the raw arguments, so that errors before or during parsing follow it too.
    static let json: Bool = {
        let args = CommandLine.arguments.dropFirst().prefix { $0 != "--" }
        if args.contains("--log-format=json") { return true }
        guard let i = args.lastIndex(of: "--log-format"), args.index(after: i) < args.endIndex else { return false }
        return args[args.index(after: i)] == "json"
    }()

    /// `text`: the plain line (default `sectorstats: error: MESSAGE`).
    /// `last`: the line a stop by signal ends with (no line may follow it).
    static func write(level: String = "error", message: String, counts: [String: String] = [:], text: String? = nil,
                      last: Bool = false) {
        let line = json ? SectorStatsLogHandler.jsonLine(level: level, stage: nil, message: message, counts: counts)
            : text ?? "sectorstats: \(level): \(TerminalText.escaped(message))\n"
        if last { SectorStatsLogHandler.writeLastLine(line) } else { SectorStatsLogHandler.writeLine(line) }
    }
}

/// Exit codes shared by the subcommands (sysexits.h where one fits).
enum ExitCodes {
    /// EX_USAGE: a bad flag or an invalid pipeline file.
    static let usage = ExitCode(64)
    /// EX_DATAERR: input data refused or malformed.
    static let dataError = ExitCode(65)
    /// EX_TEMPFAIL: another run holds the output folder's lock; try later.
    static let locked = ExitCode(75)
}

/// Options that say how to read a raw export.
struct ReadOptions: ParsableArguments {
    @Option(help: "Text encoding: auto, utf-8 or gb18030.")
    var encoding: String = "auto"

    @Option(help: "Field delimiter: a single character (',' ';'), 'tab', or 'auto'.")
    var delimiter: String = "auto"

    func validate() throws {
        guard EncodingChoice(name: encoding) != nil else {
            throw ValidationError("unknown encoding '\(encoding)': use auto, utf-8 or gb18030")
        }
        guard delimiter == "auto" || parsedDelimiter != nil else {
            throw ValidationError("delimiter must be one ASCII character, 'tab' or 'auto', got '\(delimiter)'")
        }
    }

    var parsedDelimiter: UInt8? {
        switch delimiter {
        case "auto": return nil
        case "tab", "\\t", "\t": return UInt8(ascii: "\t")
        default:
            let bytes = Array(delimiter.utf8)
            guard bytes.count == 1, bytes[0] < 0x80, bytes[0] != UInt8(ascii: "\""), bytes[0] != 0x0A, bytes[0] != 0x0D else { return nil }
            return bytes[0]
        }
    }

    var csvOptions: CSVReadOptions {
        CSVReadOptions(encoding: EncodingChoice(name: encoding) ?? .auto, delimiter: parsedDelimiter)
    }
}

/// Prints a core error as one line on stderr and exits with the matching code.
func fail(_ error: Error) -> ExitCode {
    // An error caused by a stop under way (its temporary work removed) is not reported: the
    // stop's message and exit code are the ones that hold.
    StopGate.shared.yieldToStop()
    // Foundation's file errors in words (not `Code=513`).
    let error: Error = error is SectorStatsError || !(error is CocoaError || (error as NSError).domain == NSPOSIXErrorDomain)
        ? error : SectorStatsError(describing: error)
    let status = exitCode(of: error)
    var counts = ["exit_code": String(status.rawValue)]
    if let e = error as? SectorStatsError {
        counts["code"] = e.code.rawValue
        if let file = e.file { counts["file"] = file }
        if let line = e.line { counts["line"] = String(line) }
        if let field = e.field { counts["field"] = field }
    }
    ErrorOutput.write(message: "\(error)", counts: counts)
    return status
}

/// The exit code of a core error.
func exitCode(of error: Error) -> ExitCode {
    guard let e = error as? SectorStatsError else { return .failure }
    switch e.code {
    case .corruptData, .emptyInput, .inputRefused: return ExitCodes.dataError
    case .locked: return ExitCodes.locked
    case .invalidPipeline, .invalidArgument: return ExitCodes.usage
    default: return .failure
    }
}
