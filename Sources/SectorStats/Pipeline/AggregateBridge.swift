/// Connects the runner to the aggregate stage: settings in, table files and counts out.
enum AggregateBridge {
    /// From the normalize stage's persisted tables.
    static func run(organizations: String, funding: String, regions: RegionTable, settings: AggregateSettings,
                    folder: String) throws -> AggregateSummary {
        summary(try AggregateStage.run(organizationsPath: organizations, fundingPath: funding, regions: regions,
                                       settings: settings, outputFolder: folder))
    }

    /// From the normalize stage's persisted organizations table and funding facts file.
    static func run(organizations: String, facts: String, regions: RegionTable, settings: AggregateSettings,
                    folder: String) throws -> AggregateSummary {
        summary(try AggregateStage.run(organizationsPath: organizations, factsPath: facts, regions: regions,
                                       settings: settings, outputFolder: folder))
    }

    /// From the inputs the normalize stage of the same run fed while writing those tables.
    static func run(feed: AggregateFeed, regions: RegionTable, folder: String) throws -> AggregateSummary {
        summary(try AggregateStage.run(feed: feed, regions: regions, outputFolder: folder))
    }

    private static func summary(_ result: AggregateResult) -> AggregateSummary {
        var tables: [String: Int] = [:]
        for t in result.tables { tables[t.file] = t.rows }
        return AggregateSummary(tables: tables, unmatchedRecipients: result.unmatchedRecipients)
    }
}
