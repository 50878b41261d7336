import ArgumentParser
import Foundation
import SectorStats

extension SectorStatsCommand {
    /// `sectorstats plan PIPELINE --json`: what a cluster driver runs, resolved by the binary.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a pipeline's resolved inputs, partial keys, settings and folders (for a cluster driver).",
            discussion: """
                The inputs in source order as `run` resolves them (globs expanded, files hashed, encoding and \
                delimiter settled), each with the key of its partial as `run` computes it; with --range-bytes, \
                each plain (not gzip) file larger than that also lists its byte ranges (for `partial --range`) \
                and their keys. Nothing is built or written.
                Exit codes: 0 success; 1 runtime failure (an input missing or unreadable); 64 usage error or \
                invalid pipeline file.
                """)

        @Argument(help: "A pipeline file (pipelines/*.yml).")
        var pipeline: String

        @Flag(help: "Print the plan as JSON (what a driver reads).")
        var json = false

        @Option(help: "Output folder (default: the pipeline's, as run resolves it).")
        var out: String?

        @Option(help: "The run's as-of date (default: the pipeline's, else today).")
        var asOf: String?

        @Option(help: "Split plain files larger than this many bytes into byte ranges of about this size.")
        var rangeBytes: Int64?

        @Option(help: "Folder with the GB/T 2260 tables (default: datasets/reference found upward).")
        var reference: String?

        func validate() throws {
            if let rangeBytes, rangeBytes < 1 { throw ValidationError("--range-bytes must be at least 1") }
            if let asOf, (try? CivilDateArgument.parse(asOf)) == nil { throw ValidationError("--as-of must be a date such as 2021-12-31") }
        }

        func run() throws {
            do {
                // The request exactly as `run` makes it from the same arguments.
                var arguments = [pipeline]
                if let out { arguments += ["--out", out] }
                if let asOf { arguments += ["--as-of", asOf] }
                if let reference { arguments += ["--reference", reference] }
                let (request, _) = try Run.parse(arguments).makeRequest()
                let plan = try ScalePlan.make(request, rangeBytes: rangeBytes)
                let o = OutputStream.standardOutput()
                if json {
                    let e = JSONEncoder()
                    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    o.write(String(decoding: try e.encode(plan), as: UTF8.self) + "\n")
                } else {
                    o.write("pipeline \(plan.pipeline), as of \(plan.asOf) → \(plan.output)\n")
                    for i in plan.inputs {
                        o.write("  \(i.kind) \(i.path) (\(i.bytes) bytes, \(i.encoding)) partial \(i.key.prefix(12))"
                            + (i.ranges.isEmpty ? "" : " in \(i.ranges.count) ranges") + "\n")
                    }
                }
                o.flush()
            } catch { throw fail(error) }
        }
    }
}
