import Foundation
import SectorStats

/// How one generated export file is laid out: its encoding, byte-order mark, line ends,
/// delimiter, compression, header language and which optional columns it has.
public struct FileShape: Sendable, Hashable, Codable {
    /// The language of the header row (and the favoured spelling of category values).
    public enum HeaderLanguage: String, Sendable, Hashable, Codable, CaseIterable {
        case chinese = "zh"
        case english = "en"
    }

    public var encoding: TextEncoding
    /// A UTF-8 byte-order mark at the start (UTF-8 only).
    public var byteOrderMark: Bool
    /// CRLF line ends instead of LF.
    public var crlf: Bool
    /// Tab instead of comma.
    public var tabDelimited: Bool
    /// A `.gz` file.
    public var gzip: Bool
    public var headers: HeaderLanguage
    /// Every optional column DATA.md lists; false: a narrower export (registrations without
    /// status, region, community and charity; funding without source_type, cash, in_kind
    /// and region), as smaller registry systems export them.
    public var allColumns: Bool

    public init(encoding: TextEncoding = .utf8, byteOrderMark: Bool = false, crlf: Bool = false,
                tabDelimited: Bool = false, gzip: Bool = false, headers: HeaderLanguage = .chinese,
                allColumns: Bool = true) {
        self.encoding = encoding
        self.byteOrderMark = byteOrderMark && encoding == .utf8
        self.crlf = crlf
        self.tabDelimited = tabDelimited
        self.gzip = gzip
        self.headers = headers
        self.allColumns = allColumns
    }

    /// The file name extension: `.csv` or `.tsv`, plus `.gz`.
    public var fileExtension: String {
        (tabDelimited ? ".tsv" : ".csv") + (gzip ? ".gz" : "")
    }

    /// The four shapes of the bundled datasets, in file order: GB18030 with Chinese headers;
    /// UTF-8 with BOM and CRLF (narrow columns, other Chinese spellings); gzip with English
    /// headers; tab-delimited.
    public static let mixed: [FileShape] = [
        FileShape(encoding: .gb18030, headers: .chinese),
        FileShape(encoding: .utf8, byteOrderMark: true, crlf: true, headers: .chinese, allColumns: false),
        FileShape(encoding: .utf8, gzip: true, headers: .english),
        FileShape(encoding: .utf8, tabDelimited: true, headers: .chinese),
    ]
}

/// Everything that determines a synthetic export: equal options give byte-identical files.
public struct GeneratorOptions: Sendable {
    /// Distinct organizations (each written once, clean or defective, plus re-sent copies).
    public var organizations: Int
    /// Funding records written (rows read by the pipeline, defects and duplicates included).
    public var fundingRows: Int
    public var seed: UInt64
    /// The run's as-of date (2011…2100): no clean date is later; `date_future` defects are.
    public var asOf: CivilDate
    /// The share of rows that carry a defect (a quarantine reason).
    public var badRate: Double
    /// The share of rows that are re-sent duplicates.
    public var dupRate: Double
    /// One shape per registration file, in file order (rows are split evenly).
    public var registrationShapes: [FileShape]
    /// One shape per funding file, in file order.
    public var fundingShapes: [FileShape]
    /// The output folder: `registrations/`, `funding/` and `expected.json` are written in it.
    public var outputFolder: URL
    /// The folder holding `regions.csv` and `regions_history.csv`.
    public var referenceFolder: URL
    public var gzipLevel: Int
    /// Worker threads for rendering rows (the output is the same for any count).
    public var jobs: Int

    public init(organizations: Int, fundingRows: Int, seed: UInt64 = 1,
                asOf: CivilDate = CivilDate(year: 2021, month: 12, day: 31)!,
                badRate: Double = 0.01, dupRate: Double = 0.01,
                registrationShapes: [FileShape] = [FileShape()], fundingShapes: [FileShape] = [FileShape()],
                outputFolder: URL, referenceFolder: URL, gzipLevel: Int = 6, jobs: Int = 2) {
        self.organizations = organizations
        self.fundingRows = fundingRows
        self.seed = seed
        self.asOf = asOf
        self.badRate = badRate
        self.dupRate = dupRate
        self.registrationShapes = registrationShapes
        self.fundingShapes = fundingShapes
        self.outputFolder = outputFolder
        self.referenceFolder = referenceFolder
        self.gzipLevel = gzipLevel
        self.jobs = jobs
    }

    /// Checks the values a caller can get wrong; the message says what to change.
    public func validate() throws {
        func fail(_ message: String) -> SectorStatsError { SectorStatsError(.internalError, message) }
        guard organizations >= 1, organizations <= 50_000_000 else { throw fail("organizations must be 1…50,000,000") }
        guard fundingRows >= 0 else { throw fail("funding rows must be 0 or more") }
        guard (0...0.5).contains(badRate) else { throw fail("the bad rate must be between 0 and 0.5") }
        guard (0...0.5).contains(dupRate) else { throw fail("the duplicate rate must be between 0 and 0.5") }
        guard !registrationShapes.isEmpty, !fundingShapes.isEmpty else { throw fail("each kind needs at least one file") }
        // Funding spans 2010 to the as-of year; Excel serial days stay 5 digits until 2173.
        guard asOf.year >= 2011, asOf.year <= 2100 else { throw fail("the as-of date must be in 2011…2100") }
        guard (0...9).contains(gzipLevel) else { throw fail("the gzip level must be 0…9") }
    }
}
