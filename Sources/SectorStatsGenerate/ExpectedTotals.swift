import SectorStats
/// The ground truth of a synthetic export, written as `expected.json` next to it: what the
/// pipeline must find, computed by the generator from what it decided, not by reading the
/// files back. Tests and benchmarks check the pipeline against it.
///
/// Counting rules are DATA.md's: rows read = accepted + quarantined + duplicates, per file
/// and per source; a registration re-sent with the same USCC counts as a duplicate where the
/// earlier copy is (the last one wins); a funding row re-sent with the same record_id counts
/// as a duplicate where the later copy is (the first one wins); quarantined rows never take
/// part in duplicate detection. Maps keyed by year, province or reason have string keys and
/// are written with sorted keys.
public struct ExpectedTotals: Codable, Sendable, Equatable {
    /// The version of this file's layout (1).
    public var version: Int
    /// The generator settings that produced the export.
    public var settings: Settings
    /// One entry per generated file, registrations first, each kind in file order (which is
    /// also the files' name order).
    public var files: [FileTotals]
    /// All registration files together: one source (DATA.md §5).
    public var registrations: SourceTotals
    /// All funding files together: one source.
    public var funding: SourceTotals
    /// The organizations the pipeline must keep (accepted, de-duplicated) and their activity.
    public var organizations: OrganizationTotals
    /// Sums over the accepted, non-duplicate funding rows.
    public var fundingTotals: FundingTotals

    enum CodingKeys: String, CodingKey {
        case version, settings, files, registrations, funding, organizations
        case fundingTotals = "funding_totals"
    }

    /// What the export was generated with.
    public struct Settings: Codable, Sendable, Equatable {
        /// The seed (equal settings and seed → byte-identical files).
        public var seed: UInt64
        /// The as-of date the truth is computed for (`yyyy-mm-dd`): no clean date is later.
        public var asOf: String
        /// Distinct organizations generated (`--orgs`).
        public var organizations: Int
        /// Funding rows written (`--funding`).
        public var fundingRows: Int
        /// The defect rate (`--bad-rate`).
        public var badRate: Double
        /// The duplicate rate (`--dup-rate`).
        public var dupRate: Double
        /// The relief purposes the relief totals use: DATA.md §2's default list.
        public var reliefPurposes: [String]

        enum CodingKeys: String, CodingKey {
            case seed, organizations
            case asOf = "as_of"
            case fundingRows = "funding_rows"
            case badRate = "bad_rate"
            case dupRate = "dup_rate"
            case reliefPurposes = "relief_purposes"
        }
    }

    /// One generated file.
    public struct FileTotals: Codable, Sendable, Equatable {
        /// `registrations` or `funding`.
        public var kind: String
        /// The base name (the quarantine's `source`).
        public var name: String
        /// The path relative to the output folder.
        public var path: String
        /// `utf-8` or `gb18030`.
        public var encoding: String
        /// Whether the file starts with a UTF-8 byte-order mark.
        public var byteOrderMark: Bool
        /// `lf` or `crlf`.
        public var lineEnding: String
        /// `comma` or `tab`.
        public var delimiter: String
        /// Whether the file is gzip-compressed.
        public var gzip: Bool
        /// The header row as written (decoded).
        public var header: [String]
        /// Data records the pipeline reads (the header excluded; blank lines are not records).
        public var rows: Int
        /// Rows that pass every check and are not duplicates.
        public var accepted: Int
        /// Quarantined rows by reason code (reasons with no rows left out).
        public var quarantined: [String: Int]
        /// Duplicates dropped from this file.
        public var duplicates: Int
        /// Every quarantined record: the physical line it starts on and its reason, in line
        /// order (what `quarantine.csv.gz` must hold for this source file). The reader itself
        /// flags those with `csv_malformed`, `field_count` and `encoding`.
        public var quarantinedRecords: [QuarantinedRecord]

        enum CodingKeys: String, CodingKey {
            case kind, name, path, encoding, delimiter, gzip, header, rows, accepted, quarantined, duplicates
            case byteOrderMark = "byte_order_mark"
            case lineEnding = "line_ending"
            case quarantinedRecords = "quarantined_records"
        }

        /// All quarantined rows of the file.
        public var quarantinedTotal: Int { quarantined.values.reduce(0, +) }
    }

    /// A quarantined record: where it starts and why.
    public struct QuarantinedRecord: Codable, Sendable, Equatable {
        /// The 1-based physical line the record starts on (header = line 1).
        public var line: Int
        /// The quarantine reason code.
        public var reason: String
    }

    /// One source's files together.
    public struct SourceTotals: Codable, Sendable, Equatable {
        /// The source's files, in order.
        public var files: [String]
        /// Data records read over all files.
        public var rows: Int
        public var accepted: Int
        /// Quarantined rows by reason code.
        public var quarantined: [String: Int]
        public var duplicates: Int
    }

    /// The accepted, de-duplicated organizations (the last copy of each USCC) per DATA.md §4's
    /// row semantics: active at the end of year Y when registered on or before Y-12-31 with no
    /// deregistration date on or before it.
    public struct OrganizationTotals: Codable, Sendable, Equatable {
        /// Distinct organizations accepted.
        public var count: Int
        /// The first registration year among them.
        public var firstYear: Int
        /// The as-of year.
        public var lastYear: Int
        /// Year → organizations active at the end of the year, nationally.
        public var activeEnd: [String: Int]
        /// Year → organizations registered in the year.
        public var new: [String: Int]
        /// Year → organizations deregistered or revoked in the year (by the date).
        public var deregistered: [String: Int]
        /// `association` / `social_service` / `foundation` / `other` → year → active at year end.
        public var activeEndByType: [String: [String: Int]]
        /// Province code (`100000` for national-level organizations) → year → active at year
        /// end; provinces come from the region column, else USCC characters 3–8.
        public var activeEndByProvince: [String: [String: Int]]
        /// Accepted organizations whose type column disagrees with USCC category 1/2/3 (the
        /// warning `type_uscc_mismatch`; such organizations are never re-sent, so rows and
        /// organizations agree).
        public var typeUSCCMismatch: Int
        /// Registered capital over the accepted organizations, in fen.
        public var capitalFen: Int64

        enum CodingKeys: String, CodingKey {
            case count, new, deregistered
            case firstYear = "first_year"
            case lastYear = "last_year"
            case activeEnd = "active_end"
            case activeEndByType = "active_end_by_type"
            case activeEndByProvince = "active_end_by_province"
            case typeUSCCMismatch = "type_uscc_mismatch"
            case capitalFen = "capital_fen"
        }
    }

    /// Sums over the accepted, non-duplicate funding rows, in fen. A row's amount, cash and
    /// in_kind are what the pipeline derives from its columns (DATA.md §5 "Split").
    public struct FundingTotals: Codable, Sendable, Equatable {
        public var records: Int
        /// Total value over all rows.
        public var amountFen: Int64
        /// Cash over the rows whose split is known.
        public var cashFen: Int64
        /// In-kind value over the rows whose split is known.
        public var inKindFen: Int64
        /// Amount over the rows with only a total (the `unsplit_yuan` of funding_summary).
        public var unsplitFen: Int64
        /// Rows whose split is known.
        public var splitRecords: Int
        /// Rows with only a total.
        public var unsplitRecords: Int
        /// Rows whose purpose is in `settings.relief_purposes`, and their amount.
        public var reliefRecords: Int
        public var reliefAmountFen: Int64
        /// Rows whose recipient_uscc matches no accepted organization.
        public var unmatchedRecords: Int
        /// Beneficiaries summed (empty = 0).
        public var beneficiaries: Int64
        /// Rows whose purpose is outside the list (→ 其他, warning `purpose_unknown`); such
        /// rows are re-sent like any other, but only the first copy counts here.
        public var purposeUnknown: Int
        /// Year of received_on → records and amount.
        public var byYear: [String: YearTotals]
        /// source_type key → amount (an absent or empty source is `other`).
        public var amountFenBySource: [String: Int64]
        /// purpose label → amount (unknown labels under 其他).
        public var amountFenByPurpose: [String: Int64]

        enum CodingKeys: String, CodingKey {
            case records, beneficiaries
            case amountFen = "amount_fen"
            case cashFen = "cash_fen"
            case inKindFen = "in_kind_fen"
            case unsplitFen = "unsplit_fen"
            case splitRecords = "split_records"
            case unsplitRecords = "unsplit_records"
            case reliefRecords = "relief_records"
            case reliefAmountFen = "relief_amount_fen"
            case unmatchedRecords = "unmatched_records"
            case purposeUnknown = "purpose_unknown"
            case byYear = "by_year"
            case amountFenBySource = "amount_fen_by_source"
            case amountFenByPurpose = "amount_fen_by_purpose"
        }
    }

    /// One year of funding.
    public struct YearTotals: Codable, Sendable, Equatable {
        public var records: Int
        public var amountFen: Int64

        enum CodingKeys: String, CodingKey {
            case records
            case amountFen = "amount_fen"
        }
    }
}
