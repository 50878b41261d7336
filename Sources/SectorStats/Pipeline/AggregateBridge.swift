/// Connects the runner to the aggregate stage: settings in, table files and counts out.
enum AggregateBridge {
    static func run(organizations: String, funding: String, regions: RegionTable, asOf: CivilDate,
                    reliefPurposes: Set<Purpose>, threads: Int, gzipLevel: Int, folder: String) throws -> AggregateSummary {
        let settings = AggregateSettings(asOf: asOf, reliefPurposes: reliefPurposes, threads: threads, gzipLevel: gzipLevel)
        let result = try AggregateStage.run(organizationsPath: organizations, fundingPath: funding, regions: regions,
                                            settings: settings, outputFolder: folder)
        var tables: [String: Int] = [:]
        for t in result.tables { tables[t.file] = t.rows }
        return AggregateSummary(tables: tables, unmatchedRecipients: result.unmatchedRecipients)
    }
}
