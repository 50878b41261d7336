import ArgumentParser
import SectorStats

@main
struct SectorStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sectorstats",
        abstract: "Statistics on China's social-organization sector.",
        version: SectorStatsVersion.string
    )
}
