import ArgumentParser
import SectorStats
import SectorStatsGenerate

extension SectorStatsCommand {
    /// `sectorstats check-expected`: a published run against the generator's expected.json
    /// (used by `make bench`; exits 1 listing every difference).
    struct CheckExpected: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-expected", abstract: "Compare a published run with a generator's expected.json.", shouldDisplay: false)

        @Option(help: "The published folder (OUT/latest).")
        var published: String

        @Option(help: "The generator's expected.json.")
        var expected: String

        func run() throws {
            let problems: [String]
            do { problems = try ExpectedCheck.compare(published: published, expected: expected) } catch { throw fail(error) }
            let out = OutputStream.standardOutput()
            if problems.isEmpty {
                out.write("check-expected: the run matches expected.json\n")
                out.flush()
                return
            }
            out.write("check-expected: \(problems.count) difference(s):\n" + problems.map { "  " + $0 }.joined(separator: "\n") + "\n")
            out.flush()
            throw ExitCode.failure
        }
    }
}
