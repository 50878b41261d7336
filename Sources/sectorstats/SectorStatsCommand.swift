import ArgumentParser
import SectorStats

@main
struct SectorStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sectorstats",
        abstract: "Statistics on China's social-organization sector, from raw registry and funding exports.",
        discussion: """
            Exit codes: 0 success; 1 runtime failure; 64 usage error; 65 input data refused or \
            malformed (inspect: malformed records found).
            """,
        version: SectorStatsVersion.string,
        subcommands: [Generate.self, Inspect.self, ReadCount.self]
    )
}

/// Exit codes shared by the subcommands (sysexits.h where one fits).
enum ExitCodes {
    static let dataError = ExitCode(65)
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
    if let e = error as? SectorStatsError, e.code == .corruptData || e.code == .emptyInput {
        return ExitCodes.dataError
    }
    return .failure
}
