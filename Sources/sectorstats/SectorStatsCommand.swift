import ArgumentParser
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
    let err = OutputStream.standardError()
    err.write("sectorstats: error: \(error)\n")
    err.flush()
    guard let e = error as? SectorStatsError else { return .failure }
    switch e.code {
    case .corruptData, .emptyInput, .inputRefused: return ExitCodes.dataError
    case .locked: return ExitCodes.locked
    case .invalidPipeline, .invalidArgument: return ExitCodes.usage
    default: return .failure
    }
}
