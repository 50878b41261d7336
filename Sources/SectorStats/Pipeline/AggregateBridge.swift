/// Connects the runner to the aggregate stage's tables.
enum AggregateBridge {
    static func run(organizations: String, funding: String, regions: RegionTable, asOf: CivilDate,
                    reliefPurposes: Set<Purpose>, threads: Int, gzipLevel: Int, folder: String) throws -> AggregateSummary {
        throw SectorStatsError(.internalError, "the aggregate stage is not wired in yet")
    }
}
