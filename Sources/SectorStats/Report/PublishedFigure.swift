import Foundation

/// An officially published figure (pipeline key `published: FILE`), shown in the report
/// beside the same figure computed from the run. The file is CSV with the header
/// `year,metric,value,source`.
public struct PublishedFigure: Sendable, Equatable {
    /// The figures the report can compute from its tables.
    public enum Metric: String, CaseIterable, Sendable {
        /// Active organizations nationally at year end (growth_trends, scope 000000).
        case activeStock = "active_stock"
        /// Donations received in the year: corporate plus individual (funding_summary).
        case donationsYuan = "donations_yuan"

        public func title(_ lang: ReportLanguage) -> String {
            switch (self, lang) {
            case (.activeStock, .zh): "全国社会组织年末存量"
            case (.donationsYuan, .zh): "捐赠收入(元)"
            case (.activeStock, .en): "National active organizations"
            case (.donationsYuan, .en): "Donations (yuan)"
            }
        }
    }

    public var year: Int
    public var metric: Metric
    /// The value in the metric's unit; money in fen.
    public var value: Int64
    public var source: String
    /// Where it was read: file and 1-based line.
    public var line: Int

    public static let header = ["year", "metric", "value", "source"]

    public static func load(path: String) throws -> [PublishedFigure] {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw SectorStatsError(.inputRefused, file: path, "cannot read the published figures file (pipeline key published)")
        }
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch let e as SectorStatsError {
            throw SectorStatsError(.inputRefused, file: path, line: e.line, e.message)
        }
        guard reader.header == header else {
            throw SectorStatsError(.corruptData, file: path, line: 1, "expected the header \(header.joined(separator: ",")), found \(reader.header.joined(separator: ","))")
        }
        var figures: [PublishedFigure] = []
        var failure: SectorStatsError?
        try reader.forEachRecord { r in
            guard failure == nil else { return }
            do { figures.append(try parse(r.issue == nil ? r.fields() : [], line: r.line, file: path)) } catch let e as SectorStatsError {
                failure = e
            } catch {
                failure = SectorStatsError(.corruptData, file: path, line: r.line, "\(error)")
            }
        }
        if let failure { throw failure }
        return figures
    }

    static func parse(_ f: [String], line: Int, file: String) throws -> PublishedFigure {
        func fail(_ field: String?, _ message: String) -> SectorStatsError {
            SectorStatsError(.corruptData, file: file, line: line, field: field, message)
        }
        guard f.count == 4 else { throw fail(nil, "expected 4 fields (year,metric,value,source), found \(f.count)") }
        let t = f.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let year = Int(t[0]), (1000...2999).contains(year) else { throw fail("year", "\"\(t[0])\" is not a year") }
        guard let metric = Metric(rawValue: t[1]) else {
            throw fail("metric", "unknown metric \"\(t[1])\"; use \(Metric.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        let value: Int64?
        switch metric {
        case .activeStock: value = Int64(t[2])
        case .donationsYuan: value = ReportCell.fixed(t[2], decimals: 2)
        }
        guard let value, value >= 0 else {
            throw fail("value", "\"\(t[2])\" is not a \(metric == .activeStock ? "whole number" : "yuan amount with at most two decimals") of 0 or more")
        }
        return PublishedFigure(year: year, metric: metric, value: value, source: t[3], line: line)
    }

    /// The value as a number for charts and the comparison (yuan for money).
    public var number: Double { metric == .donationsYuan ? Double(value) / 100 : Double(value) }
}
