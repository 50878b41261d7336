import Dispatch
import Foundation

/// The five summary tables of DATA.md §4 from an ``OrganizationIndex`` and a funding
/// accumulator (``assemble(index:funding:regions:settings:)``, which the merge calls), and
/// their files (``write(_:to:gzipLevel:)``).
///
/// The work is split and merged, never shared: the index is split into ranges, each run
/// under `DispatchQueue.concurrentPerform` into its own accumulators, merged on one thread in
/// a fixed order. Every accumulator is exact (integer counters, checked `Int64` fen, sets as
/// bits), so the tables are identical for any thread count and chunking.
///
/// From records in memory (``compute(organizations:funding:regions:settings:)``): the test
/// oracle, through the same accumulators; runs always go through partials and the merge.
/// Either input may be absent (nil): the tables that need it come out with their header only.
public enum AggregateStage {
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
