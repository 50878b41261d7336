import Dispatch
import Foundation

/// The aggregate stage: from the normalize stage's persisted organizations and funding
/// tables (or the same records in memory) to the five summary tables of DATA.md §4, written
/// as gzip CSV, each file published atomically.
///
/// The work is split and merged, never shared: the organizations are read first (chunks in
/// parallel, concatenated in file order) into a compact ``OrganizationIndex``; the index is
/// split into ranges and the funding table into chunks, each run under
/// `DispatchQueue.concurrentPerform` into its own accumulators, which are merged on one
/// thread in a fixed order. Every accumulator is exact (integer counters, checked `Int64`
/// fen, sets as bits), so the tables are identical for any thread count and chunking.
///
/// Either input may be absent (nil): the tables that need it come out with their header only.
public enum AggregateStage {
    // MARK: - Files in, files out

    /// Reads the persisted tables, computes the five tables and writes them into `outputFolder`.
    public static func run(organizationsPath: String?, fundingPath: String?, regions: RegionTable,
                           settings: AggregateSettings, outputFolder: String) throws -> AggregateResult {
        let output = try compute(organizationsPath: organizationsPath, fundingPath: fundingPath, regions: regions,
                                 settings: settings)
        return try write(output, to: outputFolder, gzipLevel: settings.gzipLevel)
    }

    /// Computes the five tables from the persisted tables, in memory.
    public static func compute(organizationsPath: String?, fundingPath: String?, regions: RegionTable,
                               settings: AggregateSettings) throws -> AggregateOutput {
        let index = try organizationsPath.map { try readOrganizations(path: $0, settings: settings) }
        let funding = try fundingPath.map { try readFunding(path: $0, index: index, settings: settings) }
        return try assemble(index: index, funding: funding, regions: regions, settings: settings)
    }

    /// Reads the persisted organizations table and the funding facts file the normalize
    /// stage wrote beside the funding table (``FundingFactsFile``), computes the five tables
    /// and writes them into `outputFolder`: the same tables as from the funding table.
    static func run(organizationsPath: String, factsPath: String, regions: RegionTable,
                    settings: AggregateSettings, outputFolder: String) throws -> AggregateResult {
        let output = try compute(organizationsPath: organizationsPath, factsPath: factsPath, regions: regions, settings: settings)
        return try write(output, to: outputFolder, gzipLevel: settings.gzipLevel)
    }

    static func compute(organizationsPath: String, factsPath: String, regions: RegionTable,
                        settings: AggregateSettings) throws -> AggregateOutput {
        let index = try readOrganizations(path: organizationsPath, settings: settings)
        let funding = try FundingFactsReader.read(path: factsPath, index: index, settings: settings)
        return try assemble(index: index, funding: funding, regions: regions, settings: settings)
    }

    /// Computes the five tables from the inputs the normalize stage fed while writing the
    /// tables (the same as reading them back) and writes them into `outputFolder`.
    static func run(feed: AggregateFeed, regions: RegionTable, outputFolder: String) throws -> AggregateResult {
        let output = try assemble(index: feed.index, funding: feed.funding, regions: regions, settings: feed.settings)
        return try write(output, to: outputFolder, gzipLevel: feed.settings.gzipLevel)
    }

    // MARK: - Records in

    /// Computes the five tables from records in memory (tests, small runs) and writes them.
    public static func run(organizations: [Organization]?, funding: [FundingRecord]?, regions: RegionTable,
                           settings: AggregateSettings, outputFolder: String) throws -> AggregateResult {
        let output = try compute(organizations: organizations, funding: funding, regions: regions, settings: settings)
        return try write(output, to: outputFolder, gzipLevel: settings.gzipLevel)
    }

    /// Computes the five tables from records in memory, through the same accumulators and
    /// merges as the file path (the funding rows split into `threads` ranges).
    public static func compute(organizations: [Organization]?, funding: [FundingRecord]?, regions: RegionTable,
                               settings: AggregateSettings) throws -> AggregateOutput {
        let index = organizations.map { OrganizationIndex(organizations: $0, asOf: settings.asOf) }
        let partial = try funding.map { try aggregate(funding: $0, index: index, settings: settings) }
        return try assemble(index: index, funding: partial, regions: regions, settings: settings)
    }

    // MARK: - Output

    /// Writes each table as `<name>.csv.gz` into `folder` (created when missing), each
    /// published atomically.
    public static func write(_ output: AggregateOutput, to folder: String, gzipLevel: Int) throws -> AggregateResult {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw SectorStatsError(.fileNotWritable, file: folder, "cannot create the output folder: \(error.localizedDescription)")
        }
        var files: [AggregateResult.TableFile] = []
        for table in output.tables {
            try table.write(to: folder + "/" + table.kind.fileName, gzipLevel: gzipLevel)
            files.append(.init(kind: table.kind, file: table.kind.fileName, rows: table.rows.count))
        }
        return AggregateResult(tables: files, organizations: output.organizations, fundingRows: output.fundingRows,
                               unmatchedRecipients: output.unmatchedRecipients, warnings: output.warnings)
    }

    // MARK: - Reading

    private static let readOptions = CSVReadOptions(encoding: .fixed(.utf8), delimiter: UInt8(ascii: ","))

    /// The normalized table's header must be the contract's column list.
    private static func checkHeader(path: String, expected: [String]) throws {
        let reader = try CSVReader(path: path, options: readOptions)
        guard reader.header == expected else {
            throw SectorStatsError(
                .corruptData, file: reader.name, line: 1, field: "record",
                "the header is not the normalize stage's (\(expected.joined(separator: ","))); rerun the normalize stage")
        }
    }

    /// Which reader reads the persisted tables: `.fast` tries ``OwnTableReader`` first (the
    /// tables are our own writer's output) and falls back to libcsv for a file outside its
    /// grammar; `.careful` always uses libcsv (tests compare the two).
    enum TableReading: Sendable {
        case fast
        case careful
    }

    static func readOrganizations(path: String, settings: AggregateSettings,
                                  reading: TableReading = .fast) throws -> OrganizationIndex {
        try checkHeader(path: path, expected: NormalizedTables.organizationColumns)
        let table = CSVReader.baseName(path)
        if reading == .fast, let read = try OwnTableReader.read(
            path: path, chunks: settings.workers, minChunkBytes: settings.minChunkBytes,
            textColumns: OrganizationIndex.textColumns,
            makeState: { _ in [OrganizationIndex.Entry]() },
            visit: { entries, row in entries.append(try OrganizationIndex.decode(row, table: table)) }) {
            return OrganizationIndex(Array(read.states.joined()), asOf: settings.asOf)
        }
        let read = try CSVReader.readChunks(
            path: path, options: readOptions, chunks: settings.workers, minChunkBytes: settings.minChunkBytes,
            makeState: { _ in [OrganizationIndex.Entry]() },
            visit: { entries, record in entries.append(try OrganizationIndex.decode(record, table: table)) })
        return OrganizationIndex(Array(read.states.joined()), asOf: settings.asOf)
    }

    static func readFunding(path: String, index: OrganizationIndex?, settings: AggregateSettings,
                            reading: TableReading = .fast) throws -> FundingPartial {
        try checkHeader(path: path, expected: NormalizedTables.fundingColumns)
        let table = CSVReader.baseName(path)
        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        if reading == .fast, let read = try OwnTableReader.read(
            path: path, chunks: settings.workers, minChunkBytes: settings.minChunkBytes,
            textColumns: FundingFacts.textColumns,
            makeState: { _ in FundingPartial(asOf: asOf, index: index, reliefPurposes: relief) },
            visit: { partial, row in
                partial.funders.prefetch(funder: row[4])
                try partial.add(FundingFacts.decode(row, table: table, index: index))
            }) {
            return try mergeInOrder(read.states) ?? FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
        }
        let read = try CSVReader.readChunks(
            path: path, options: readOptions, chunks: settings.workers, minChunkBytes: settings.minChunkBytes,
            makeState: { _ in FundingPartial(asOf: asOf, index: index, reliefPurposes: relief) },
            visit: { partial, record in try partial.add(FundingFacts.decode(record, table: table, index: index)) })
        return try mergeInOrder(read.states) ?? FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
    }

    // MARK: - Aggregating

    /// The in-memory funding rows in `workers` contiguous ranges, one partial each.
    static func aggregate(funding: [FundingRecord], index: OrganizationIndex?, settings: AggregateSettings) throws -> FundingPartial {
        let parts = settings.workers
        let slots = ConcurrentSlots<Result<FundingPartial, Error>>(count: parts)
        let (asOf, relief) = (settings.asOf, settings.reliefPurposes)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            slots.set(k, Result {
                var partial = FundingPartial(asOf: asOf, index: index, reliefPurposes: relief)
                for i in funding.count * k / parts..<funding.count * (k + 1) / parts {
                    try FundingFacts.with(funding[i], index: index) { try partial.add($0) }
                }
                return partial
            })
        }
        let partials = try (0..<parts).map { k in try slots.take(k)!.get() }
        return try mergeInOrder(partials)!
    }

    /// The organization index in `workers` contiguous ranges, one partial each.
    static func aggregate(index: OrganizationIndex, asOfYear: Int, workers: Int) -> RegistryPartial {
        let parts = max(1, min(workers, index.count))
        let provinceCount = index.provinceCodes.count
        let slots = ConcurrentSlots<RegistryPartial>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            var partial = RegistryPartial(provinceCount: provinceCount, asOfYear: asOfYear)
            for id in index.count * k / parts..<index.count * (k + 1) / parts {
                partial.add(index.entries[id])
            }
            slots.set(k, partial)
        }
        var merged = slots.take(0)!
        for k in 1..<parts { merged.merge(slots.take(k)!) }
        return merged
    }

    /// Merges partials on this thread, first to last.
    private static func mergeInOrder(_ partials: [FundingPartial]) throws(SectorStatsError) -> FundingPartial? {
        guard var merged = partials.first else { return nil }
        for partial in partials.dropFirst() { try merged.merge(partial) }
        return merged
    }

    // MARK: - Assembling the tables

    static func assemble(index: OrganizationIndex?, funding: FundingPartial?, regions: RegionTable,
                         settings: AggregateSettings) throws -> AggregateOutput {
        var warnings: [AggregateWarning] = []
        var rows: [AggregateTable.Kind: [[String]]] = [:]

        if let index {
            var provinces: [ProvinceLabel] = []
            var unnamed = 0
            for code in index.provinceCodes {
                let name = regions.provinceName(of: code)
                if name == nil { unnamed += 1 }
                provinces.append(ProvinceLabel(code: code, name: name ?? ""))
            }
            if unnamed > 0 {
                warnings.append(.init(code: "province_unknown", count: unnamed,
                                      message: "province codes not in the region reference: their province name is empty"))
            }
            if index.duplicates > 0 {
                warnings.append(.init(code: "duplicate_organization", count: index.duplicates,
                                      message: "organizations with a USCC seen before: the last one was used"))
            }
            if index.registeredAfterAsOf > 0 {
                warnings.append(.init(code: "organization_after_as_of", count: index.registeredAfterAsOf,
                                      message: "organizations registered after the as-of date \(settings.asOf): in no table"))
            }
            if index.deregisteredAfterAsOf > 0 {
                warnings.append(.init(code: "deregistration_after_as_of", count: index.deregisteredAfterAsOf,
                                      message: "deregistration dates after the as-of date \(settings.asOf): not yet in effect"))
            }
            let registry = aggregate(index: index, asOfYear: settings.asOf.year, workers: settings.workers)
            let active = registry.growth.activeCounts()
            rows[.registrationsByYear] = registry.registrations.rows(provinces: provinces)
            rows[.growthTrends] = GrowthTrendsAccumulator.rows(active, provinces: provinces)
            if let relief = funding?.relief {
                rows[.reliefCoverage] = try relief.rows(active: active, provinces: provinces, regions: regions)
                if relief.inactiveRecipientRows > 0 {
                    warnings.append(.init(code: "relief_recipient_inactive", count: relief.inactiveRecipientRows,
                                          message: "relief rows whose recipient was not active at the end of the row's year: "
                                              + "not in relief_coverage"))
                }
                if relief.unmatchedRows > 0 {
                    warnings.append(.init(code: "relief_recipient_unmatched", count: relief.unmatchedRows,
                                          message: "relief rows whose recipient_uscc matches no organization: not in relief_coverage"))
                }
            }
        }
        if let funding {
            rows[.fundingSummary] = try funding.summary.rows()
            rows[.topFunders] = try funding.funders.rows()
            if index == nil, funding.rows > 0 {
                warnings.append(.init(code: "organizations_absent", count: funding.rows - funding.afterAsOf,
                                      message: "no organizations table: every recipient is unmatched and relief_coverage is empty"))
            }
            if funding.afterAsOf > 0 {
                warnings.append(.init(code: "funding_after_as_of", count: funding.afterAsOf,
                                      message: "funding rows received after the as-of date \(settings.asOf): left out of every table"))
            }
        }
        return AggregateOutput(
            tables: AggregateTable.Kind.allCases.map { AggregateTable(kind: $0, rows: rows[$0] ?? []) },
            organizations: index?.count, fundingRows: funding?.rows, unmatchedRecipients: funding?.unmatched ?? 0,
            warnings: warnings)
    }
}
