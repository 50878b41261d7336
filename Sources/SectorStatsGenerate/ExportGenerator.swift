import Dispatch
import Foundation
import SectorStats

/// Writes a deterministic synthetic export — registration and funding files following
/// DATA.md, with its messiness and a planted share of defects and re-sent duplicates — and
/// returns the ground truth it knows (also written as `expected.json`).
///
/// Rows stream through bounded buffers: memory holds the organization plan (a few dozen
/// bytes per organization) and a few blocks of rows, never the funding rows. Blocks of rows
/// are rendered on `jobs` threads and written in order, so the bytes do not depend on the
/// thread count.
public struct ExportGenerator: Sendable {
    public let options: GeneratorOptions

    /// Rows per rendered block.
    static let blockRows = 8_192

    public init(options: GeneratorOptions) throws {
        try options.validate()
        self.options = options
    }

    /// The names of the files a run writes, relative to the output folder, in order.
    public var filePaths: [String] {
        fileNames(kind: "registrations", shapes: options.registrationShapes).map { "registrations/" + $0 }
            + fileNames(kind: "funding", shapes: options.fundingShapes).map { "funding/" + $0 }
    }

    func fileNames(kind: String, shapes: [FileShape]) -> [String] {
        if shapes.count == 1 { return [kind + shapes[0].fileExtension] }
        return shapes.enumerated().map { index, shape in
            let number = index + 1 < 10 ? "0\(index + 1)" : "\(index + 1)"
            return "\(kind)_\(number)_\(Self.tag(shape))\(shape.fileExtension)"
        }
    }

    /// A short description of a shape for file names: `gb18030_zh`, `utf8_bom_crlf_zh_narrow`, `utf8_en`.
    static func tag(_ shape: FileShape) -> String {
        var parts = [shape.encoding == .gb18030 ? "gb18030" : "utf8"]
        if shape.byteOrderMark { parts.append("bom") }
        if shape.crlf { parts.append("crlf") }
        parts.append(shape.headers.rawValue)
        if !shape.allColumns { parts.append("narrow") }
        return parts.joined(separator: "_")
    }

    /// Generates every file and `expected.json`; returns the ground truth.
    @discardableResult
    public func run() throws -> ExpectedTotals {
        let catalog = try RegionCatalog(folder: options.referenceFolder)
        try checkUnknownRegions(catalog)
        let folder = options.outputFolder
        for sub in ["registrations", "funding"] {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let registrationLayouts = options.registrationShapes.enumerated().map { RegistrationLayout(shape: $1, fileIndex: $0) }
        let fundingLayouts = options.fundingShapes.enumerated().map { FundingLayout(shape: $1, fileIndex: $0) }
        let plan = OrganizationPlan(options: options, catalog: catalog,
                                    registrationReasons: registrationLayouts.map(\.applicableReasons))

        var files: [ExpectedTotals.FileTotals] = []
        let registrationNames = fileNames(kind: "registrations", shapes: options.registrationShapes)
        files += try writeRegistrations(plan: plan, catalog: catalog, layouts: registrationLayouts, names: registrationNames)
        let fundingNames = fileNames(kind: "funding", shapes: options.fundingShapes)
        var tally = FundingTally()
        files += try writeFunding(plan: plan, catalog: catalog, layouts: fundingLayouts, names: fundingNames, tally: &tally)

        let totals = ExpectedTotals(
            version: 1,
            settings: .init(
                seed: options.seed, asOf: options.asOf.description, organizations: options.organizations,
                fundingRows: options.fundingRows, badRate: options.badRate, dupRate: options.dupRate,
                reliefPurposes: Purpose.allCases.filter { FundingRenderer.reliefPurposes.contains($0) }.map(\.rawValue)),
            files: files,
            registrations: Self.source(files.filter { $0.kind == "registrations" }),
            funding: Self.source(files.filter { $0.kind == "funding" }),
            organizations: organizationTotals(plan, catalog: catalog),
            fundingTotals: Self.fundingTotals(tally))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var json = try encoder.encode(totals)
        json.append(0x0A)
        let file = try AtomicFile(path: folder.appendingPathComponent("expected.json").path)
        try json.withUnsafeBytes { try file.write($0) }
        try file.commit()
        return totals
    }

    private func checkUnknownRegions(_ catalog: RegionCatalog) throws {
        for code in OrganizationPlan.unknownRegionCodes where catalog.table.region(code: code) != nil {
            throw SectorStatsError(.internalError, "region code \(code) is in the reference; pick another unknown code")
        }
        for name in Vocabulary.unknownRegionNames + ["999999"] where catalog.table.resolve(name).region != nil {
            throw SectorStatsError(.internalError, "region \(name) resolves; pick another unknown value")
        }
    }

    // MARK: - Registrations

    private func writeRegistrations(plan: OrganizationPlan, catalog: RegionCatalog, layouts: [RegistrationLayout],
                                    names: [String]) throws -> [ExpectedTotals.FileTotals] {
        // Re-sent copies follow the organization they were scheduled after.
        var resends: [(after: Int32, org: Int32)] = []
        for (j, org) in plan.organizations.enumerated() where org.resendAfter >= 0 {
            resends.append((org.resendAfter, Int32(j)))
        }
        resends.sort { ($0.after, $0.org) < ($1.after, $1.org) }
        var next = 0
        let renderer = RegistrationRenderer(plan: plan, catalog: catalog, asOf: options.asOf, seed: options.seed)
        var results: [ExpectedTotals.FileTotals] = []
        for (f, layout) in layouts.enumerated() {
            // Emissions: organization index, negative (−1 − j) for a re-sent final copy.
            var emissions: [Int32] = []
            for j in plan.fileStarts[f]..<plan.fileStarts[f + 1] {
                emissions.append(Int32(j))
                while next < resends.count && Int(resends[next].after) == j {
                    emissions.append(-1 - resends[next].org)
                    next += 1
                }
            }
            let seed = options.seed
            let order = emissions
            results.append(try writeFile(
                kind: "registrations", name: names[f], shape: layout.shape, header: layout.headers,
                rowCount: emissions.count
            ) { range, rb, block in
                for e in range {
                    let value = Int(order[e])
                    let j = value >= 0 ? value : -1 - value
                    let stale = value >= 0 && plan.organizations[j].resendAfter >= 0
                    var extras = SplitMix64.stream(seed: seed, salt: 0xB1A2, index: e &+ f &* 100_000_000)
                    if extras.chance(0.0005) { rb.blankLine() }
                    let line = rb.lines
                    let outcome = renderer.render(j, stale: stale, layout: layout, fileIndex: f, into: &rb)
                    rb.endRow()
                    if outcome == .accepted || outcome == .duplicate, extras.chance(0.01) { rb.trimTrailingEmptyFields() }
                    block.count(outcome, line: line)
                }
            })
        }
        return results
    }

    // MARK: - Funding

    private func writeFunding(plan: OrganizationPlan, catalog: RegionCatalog, layouts: [FundingLayout], names: [String],
                              tally: inout FundingTally) throws -> [ExpectedTotals.FileTotals] {
        let m = options.fundingRows
        let fileCount = layouts.count
        let starts = (0...fileCount).map { $0 * m / fileCount }
        let schedules = layouts.enumerated().map { f, layout in
            DefectSchedule(
                rate: options.badRate, reasons: layout.applicableReasons, seed: options.seed, salt: 0xF00D &+ UInt64(f),
                firstEncodingPosition: OrganizationPlan.firstEncodingPosition(layout.shape, minimumRowBytes: 40))
        }
        let isDefect: @Sendable (Int) -> Bool = { i in
            var f = 0
            while i >= starts[f + 1] { f += 1 }
            return schedules[f].reason(at: i - starts[f]) != nil
        }
        let renderer = FundingRenderer(
            plan: plan, catalog: catalog, asOf: options.asOf, seed: options.seed, totalRows: m, dupRate: options.dupRate)
        var results: [ExpectedTotals.FileTotals] = []
        let seed = options.seed
        for (f, layout) in layouts.enumerated() {
            let start = starts[f]
            let schedule = schedules[f]
            results.append(try writeFile(
                kind: "funding", name: names[f], shape: layout.shape, header: layout.headers,
                rowCount: starts[f + 1] - start, tally: &tally
            ) { range, rb, block in
                for local in range {
                    let i = start + local
                    var extras = SplitMix64.stream(seed: seed, salt: 0xB1A3, index: i)
                    if extras.chance(0.0005) { rb.blankLine() }
                    let reason = schedule.reason(at: local)
                    let source = reason == nil ? renderer.duplicateSource(i, isDefect: isDefect) ?? i : i
                    let line = rb.lines
                    let outcome = renderer.render(
                        position: i, factsPosition: source, reason: reason, layout: layout, fileIndex: f,
                        tally: &block.tally, into: &rb)
                    rb.endRow()
                    if outcome == .accepted || outcome == .duplicate, extras.chance(0.01) { rb.trimTrailingEmptyFields() }
                    block.count(outcome, line: line)
                }
            })
        }
        return results
    }

    // MARK: - Files

    /// Counts and truth gathered while rendering one block of rows.
    struct BlockTally: Sendable {
        var accepted = 0
        var duplicates = 0
        var quarantined = [Int](repeating: 0, count: QuarantineReason.allCases.count)
        /// (block-relative line offset, reason) of every quarantined record.
        var quarantinedRecords: [(line: Int, reason: QuarantineReason)] = []
        var tally = FundingTally()

        mutating func count(_ outcome: RowOutcome, line: Int) {
            switch outcome {
            case .accepted: accepted += 1
            case .duplicate: duplicates += 1
            case .quarantined(let reason):
                quarantined[QuarantineReason.allCases.firstIndex(of: reason)!] += 1
                quarantinedRecords.append((line, reason))
            }
        }
    }

    struct RenderedBlock: Sendable {
        var bytes: [UInt8]
        var lines: Int
        var tally: BlockTally
    }

    private func writeFile(kind: String, name: String, shape: FileShape, header: [String], rowCount: Int,
                           render: @escaping @Sendable (Range<Int>, inout RowBuilder, inout BlockTally) -> Void)
        throws -> ExpectedTotals.FileTotals {
        var ignored = FundingTally()
        return try writeFile(kind: kind, name: name, shape: shape, header: header, rowCount: rowCount,
                             tally: &ignored, render: render)
    }

    /// Writes one file: the header, then blocks of rows rendered `jobs` at a time and
    /// written in order.
    private func writeFile(kind: String, name: String, shape: FileShape, header: [String], rowCount: Int,
                           tally: inout FundingTally,
                           render: @escaping @Sendable (Range<Int>, inout RowBuilder, inout BlockTally) -> Void)
        throws -> ExpectedTotals.FileTotals {
        let path = options.outputFolder.appendingPathComponent(kind).appendingPathComponent(name).path
        let writer = try ExportFileWriter(path: path, encoding: shape.encoding, byteOrderMark: shape.byteOrderMark,
                                          gzip: shape.gzip, gzipLevel: options.gzipLevel)
        let delimiter = shape.tabDelimited ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        var headerRow = RowBuilder(delimiter: delimiter, crlf: shape.crlf, capacity: 1024)
        for h in header { headerRow.addField(h) }
        headerRow.endRow()
        try Self.encode(headerRow.bytes, shape: shape).withUnsafeBytes { try writer.write(encoded: $0) }

        var lines = headerRow.lines
        var total = BlockTally()
        let blockCount = (rowCount + Self.blockRows - 1) / Self.blockRows
        let batch = max(1, options.jobs) * 2
        var first = 0
        while first < blockCount {
            let count = min(batch, blockCount - first)
            let slots = BlockSlots(count: count)
            let base = first
            let blockRows = Self.blockRows
            let work: @Sendable (Int) -> Void = { k in
                let b = base + k
                let range = (b * blockRows)..<min(rowCount, (b + 1) * blockRows)
                var rb = RowBuilder(delimiter: delimiter, crlf: shape.crlf, capacity: blockRows * 256)
                var blockTally = BlockTally()
                render(range, &rb, &blockTally)
                slots.store(k, RenderedBlock(bytes: Self.encode(rb.bytes, shape: shape), lines: rb.lines, tally: blockTally))
            }
            if options.jobs > 1 && count > 1 {
                DispatchQueue.concurrentPerform(iterations: count, execute: work)
            } else {
                for k in 0..<count { work(k) }
            }
            for k in 0..<count {
                let block = slots.take(k)
                try block.bytes.withUnsafeBytes { try writer.write(encoded: $0) }
                total.accepted += block.tally.accepted
                total.duplicates += block.tally.duplicates
                for r in total.quarantined.indices { total.quarantined[r] += block.tally.quarantined[r] }
                for q in block.tally.quarantinedRecords {
                    total.quarantinedRecords.append((lines + q.line + 1, q.reason))
                }
                total.tally.merge(block.tally.tally)
                lines += block.lines
            }
            first += count
        }
        try writer.commit()
        tally.merge(total.tally)

        var quarantined: [String: Int] = [:]
        for (r, reason) in QuarantineReason.allCases.enumerated() where total.quarantined[r] > 0 {
            quarantined[reason.rawValue] = total.quarantined[r]
        }
        return ExpectedTotals.FileTotals(
            kind: kind, name: name, path: kind + "/" + name, encoding: shape.encoding.rawValue,
            byteOrderMark: shape.byteOrderMark, lineEnding: shape.crlf ? "crlf" : "lf",
            delimiter: shape.tabDelimited ? "tab" : "comma", gzip: shape.gzip, header: header, rows: rowCount,
            accepted: total.accepted, quarantined: quarantined, duplicates: total.duplicates,
            quarantinedRecords: total.quarantinedRecords.map { .init(line: $0.line, reason: $0.reason.rawValue) })
    }

    /// UTF-8 bytes in the shape's encoding (invalid bytes pass through unchanged).
    static func encode(_ utf8: [UInt8], shape: FileShape) -> [UInt8] {
        guard shape.encoding == .gb18030 else { return utf8 }
        // The encoder is created per block: a worker's iconv handle is never shared.
        guard let encoder = try? GB18030Encoder(name: "generator") else { return utf8 }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        utf8.withUnsafeBufferPointer { encoder.encode($0, into: &out) }
        return out
    }

    // MARK: - Truth

    static func source(_ files: [ExpectedTotals.FileTotals]) -> ExpectedTotals.SourceTotals {
        var quarantined: [String: Int] = [:]
        for file in files {
            for (reason, n) in file.quarantined { quarantined[reason, default: 0] += n }
        }
        return .init(
            files: files.map(\.name), rows: files.reduce(0) { $0 + $1.rows },
            accepted: files.reduce(0) { $0 + $1.accepted }, quarantined: quarantined,
            duplicates: files.reduce(0) { $0 + $1.duplicates })
    }

    private func organizationTotals(_ plan: OrganizationPlan, catalog: RegionCatalog) -> ExpectedTotals.OrganizationTotals {
        let lastYear = options.asOf.year
        let firstYear = 1988
        let years = lastYear - firstYear + 1
        var new = [Int](repeating: 0, count: years)
        var gone = [Int](repeating: 0, count: years)
        var byType = [[Int]](repeating: [Int](repeating: 0, count: years), count: OrgType.allCases.count)
        var byProvince: [Int: [Int]] = [:]
        var count = 0
        var mismatches = 0
        var capital: Int64 = 0
        var firstSeen = lastYear
        for (j, org) in plan.organizations.enumerated() where !org.isDefective {
            count += 1
            if org.typeMismatch { mismatches += 1 }
            capital += plan.capital(j) ?? 0
            let registered = CivilDate(dayNumber: Int(org.registeredDay))!.year
            firstSeen = min(firstSeen, registered)
            let deregistered = org.isDeregistered ? CivilDate(dayNumber: Int(org.deregisteredDay))!.year : nil
            let type = OrgType.allCases.firstIndex(of: org.orgType)!
            let province = catalog.table.provinceCode(of: Int(org.regionCode))
            new[registered - firstYear] += 1
            var delta = byProvince[province] ?? [Int](repeating: 0, count: years)
            delta[registered - firstYear] += 1
            byType[type][registered - firstYear] += 1
            if let deregistered {
                gone[deregistered - firstYear] += 1
                delta[deregistered - firstYear] -= 1
                byType[type][deregistered - firstYear] -= 1
            }
            byProvince[province] = delta
        }
        func series(_ deltas: [Int]) -> [String: Int] {
            var result: [String: Int] = [:]
            var running = 0
            for k in 0..<years {
                running += deltas[k]
                if firstYear + k >= firstSeen { result[String(firstYear + k)] = running }
            }
            return result
        }
        let net = zip(new, gone).map { $0 - $1 }
        var typeSeries: [String: [String: Int]] = [:]
        for (t, type) in OrgType.allCases.enumerated() { typeSeries[type.rawValue] = series(byType[t]) }
        var provinceSeries: [String: [String: Int]] = [:]
        for (code, deltas) in byProvince { provinceSeries[String(code)] = series(deltas) }
        var newByYear: [String: Int] = [:]
        var goneByYear: [String: Int] = [:]
        for k in 0..<years where firstYear + k >= firstSeen {
            newByYear[String(firstYear + k)] = new[k]
            goneByYear[String(firstYear + k)] = gone[k]
        }
        return .init(
            count: count, firstYear: firstSeen, lastYear: lastYear, activeEnd: series(net), new: newByYear,
            deregistered: goneByYear, activeEndByType: typeSeries, activeEndByProvince: provinceSeries,
            typeUSCCMismatch: mismatches, capitalFen: capital)
    }

    static func fundingTotals(_ t: FundingTally) -> ExpectedTotals.FundingTotals {
        var byYear: [String: ExpectedTotals.YearTotals] = [:]
        for (k, records) in t.yearRecords.enumerated() where records > 0 {
            byYear[String(2000 + k)] = .init(records: records, amountFen: t.yearAmount[k])
        }
        var bySource: [String: Int64] = [:]
        for (k, source) in SourceType.allCases.enumerated() where t.sourceAmount[k] > 0 {
            bySource[source.rawValue] = t.sourceAmount[k]
        }
        var byPurpose: [String: Int64] = [:]
        for (k, purpose) in Purpose.allCases.enumerated() where t.purposeAmount[k] > 0 {
            byPurpose[purpose.rawValue] = t.purposeAmount[k]
        }
        return .init(
            records: t.records, amountFen: t.amount, cashFen: t.cash, inKindFen: t.inKind, unsplitFen: t.unsplit,
            splitRecords: t.splitRecords, unsplitRecords: t.unsplitRecords, reliefRecords: t.reliefRecords,
            reliefAmountFen: t.reliefAmount, unmatchedRecords: t.unmatched, beneficiaries: t.beneficiaries,
            purposeUnknown: t.purposeUnknown, byYear: byYear, amountFenBySource: bySource, amountFenByPurpose: byPurpose)
    }
}

/// One result slot per block of a batch: each slot is written by exactly one worker of
/// `concurrentPerform` and read on the calling thread after it returns, so no two threads
/// ever touch the same slot and the batch's end orders the writes before the reads.
final class BlockSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<ExportGenerator.RenderedBlock?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ k: Int, _ block: ExportGenerator.RenderedBlock) { slots[k] = block }

    func take(_ k: Int) -> ExportGenerator.RenderedBlock {
        let block = slots[k]!
        slots[k] = nil
        return block
    }
}
