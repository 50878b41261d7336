import Foundation
@testable import SectorStats
@testable import SectorStatsGenerate

/// A test oracle for the generator: classifies every row of a generated export with the
/// existing readers and value parsers, in DATA.md §5's check order, and recounts what
/// `expected.json` claims. It is deliberately plain (strings, dictionaries): a second,
/// independent route to the same numbers.
struct ReferenceClassifier {
    struct FileCount: Equatable {
        var rows = 0
        var accepted = 0
        var quarantined: [String: Int] = [:]
        var duplicates = 0
        var quarantinedRecords: [ExpectedTotals.QuarantinedRecord] = []
    }

    struct Organization {
        var registered: CivilDate
        var deregistered: CivilDate?
        var type: OrgType
        var province: Int
        var capital: Int64
        var mismatch: Bool
        /// Where the row came from, to move its acceptance to a later copy.
        var file: String
    }

    let table: RegionTable
    let asOf: CivilDate
    var files: [String: FileCount] = [:]
    var organizations: [String: Organization] = [:]
    /// Every USCC that failed a check on a row with a parseable code (for unmatched recipients).
    var fundingSeen: Set<String> = []
    var funding = FundingTally()
    /// Reasons a parser gave, with the detail, for the first rows of each reason.
    var details: [String: String] = [:]

    init(table: RegionTable, asOf: CivilDate) {
        self.table = table
        self.asOf = asOf
    }

    static func readOptions() -> CSVReadOptions {
        CSVReadOptions(encoding: .auto, delimiter: nil)
    }

    private mutating func quarantine(_ file: String, _ reason: QuarantineReason, line: Int, detail: String = "") {
        files[file, default: FileCount()].quarantined[reason.rawValue, default: 0] += 1
        files[file, default: FileCount()].quarantinedRecords.append(.init(line: line, reason: reason.rawValue))
        if details[reason.rawValue] == nil { details[reason.rawValue] = detail }
    }

    // MARK: - Registrations

    mutating func readRegistrations(_ path: String) throws {
        let reader = try CSVReader(path: path, options: Self.readOptions())
        let name = reader.name
        files[name] = FileCount()
        let match = HeaderMatcher<RegistrationField>().match(reader.header)
        let col = match.columns
        try reader.forEachRecord { record in
            files[name]!.rows += 1
            if let issue = record.issue {
                quarantine(name, QuarantineReason(rawValue: issue.kind.rawValue)!, line: record.line, detail: issue.detail)
                return
            }
            func value(_ field: RegistrationField) -> String {
                col[field].map { record.string(at: $0) } ?? ""
            }
            do throws(FieldError) {
                for field in [RegistrationField.uscc, .name, .registeredOn] where ValueText.normalized(value(field)).isEmpty {
                    throw FieldError(.missingRequired, "\(field.rawValue) empty")
                }
                let code = try USCC.parse(value(.uscc))!
                let type = try CategoryParser.orgType(value(.type), usccCategory: code.category)
                let status = try CategoryParser.status(value(.status))
                let registered = try DateParser.parse(value(.registeredOn), asOf: asOf)!
                let deregistered = try DateParser.parse(value(.deregisteredOn), asOf: asOf)
                if (status == .deregistered || status == .revoked) && deregistered == nil {
                    throw FieldError(.deregDateMissing, "no date")
                }
                if let deregistered, deregistered < registered { throw FieldError(.dateOrder, "order") }
                let regionText = value(.region)
                let region: Region?
                if ValueText.normalized(regionText).isEmpty {
                    region = code.regionCode.flatMap { table.region(code: $0) }
                } else {
                    region = table.resolve(regionText).region
                }
                guard let region else { throw FieldError(.regionUnknown, regionText) }
                let capital = try AmountParser.parse(value(.capital), bareUnit: match.bareUnit(of: .capital)) ?? 0
                let key = code.description
                if let earlier = organizations[key] {
                    // The last copy wins: the earlier one becomes a duplicate where it was.
                    files[earlier.file]!.accepted -= 1
                    files[earlier.file]!.duplicates += 1
                }
                files[name]!.accepted += 1
                let mismatch = code.category != .other && code.category != type
                organizations[key] = Organization(
                    registered: registered, deregistered: deregistered, type: type,
                    province: table.provinceCode(of: region.code), capital: capital, mismatch: mismatch, file: name)
            } catch {
                quarantine(name, error.reason, line: record.line, detail: error.detail)
            }
        }
    }

    // MARK: - Funding

    mutating func readFunding(_ path: String) throws {
        let reader = try CSVReader(path: path, options: Self.readOptions())
        let name = reader.name
        files[name] = FileCount()
        let match = HeaderMatcher<FundingField>().match(reader.header)
        let col = match.columns
        try reader.forEachRecord { record in
            files[name]!.rows += 1
            if let issue = record.issue {
                quarantine(name, QuarantineReason(rawValue: issue.kind.rawValue)!, line: record.line, detail: issue.detail)
                return
            }
            func value(_ field: FundingField) -> String {
                col[field].map { record.string(at: $0) } ?? ""
            }
            do throws(FieldError) {
                for field in [FundingField.recordID, .recipientUSCC, .receivedOn, .purpose]
                where ValueText.normalized(value(field)).isEmpty {
                    throw FieldError(.missingRequired, "\(field.rawValue) empty")
                }
                let source = try CategoryParser.sourceType(value(.sourceType))
                let amount = try AmountParser.parse(value(.amount), bareUnit: match.bareUnit(of: .amount))
                let cash = try AmountParser.parse(value(.cash), bareUnit: match.bareUnit(of: .cash))
                let inKind = try AmountParser.parse(value(.inKind), bareUnit: match.bareUnit(of: .inKind))
                let split = try FundingSplit.resolve(amount: amount, cash: cash, inKind: inKind)
                let received = try DateParser.parse(value(.receivedOn), asOf: asOf)!
                let beneficiaries = try CountParser.parse(value(.beneficiaries))
                let id = ValueText.normalized(value(.recordID))
                if fundingSeen.contains(id) {
                    files[name]!.duplicates += 1
                    return
                }
                fundingSeen.insert(id)
                files[name]!.accepted += 1
                let purpose = CategoryParser.purpose(value(.purpose))!
                var t = funding
                t.records += 1
                t.amount += split.amount
                if split.isSplit {
                    t.cash += split.cash!
                    t.inKind += split.inKind!
                    t.splitRecords += 1
                } else {
                    t.unsplit += split.amount
                    t.unsplitRecords += 1
                }
                if !purpose.isKnown { t.purposeUnknown += 1 }
                if FundingRenderer.reliefPurposes.contains(purpose.purpose) {
                    t.reliefRecords += 1
                    t.reliefAmount += split.amount
                }
                if organizations[ValueText.normalizedCode(value(.recipientUSCC))] == nil { t.unmatched += 1 }
                t.beneficiaries += beneficiaries
                t.yearRecords[received.year - 2000] += 1
                t.yearAmount[received.year - 2000] += split.amount
                t.sourceAmount[SourceType.allCases.firstIndex(of: source)!] += split.amount
                t.purposeAmount[Purpose.allCases.firstIndex(of: purpose.purpose)!] += split.amount
                funding = t
            } catch {
                quarantine(name, error.reason, line: record.line, detail: error.detail)
            }
        }
    }

    // MARK: - Totals

    /// Year → organizations active at the end of the year, over the de-duplicated organizations.
    func activeEnd(firstYear: Int, lastYear: Int, where include: (Organization) -> Bool = { _ in true }) -> [String: Int] {
        var result: [String: Int] = [:]
        for year in firstYear...lastYear {
            let end = CivilDate(year: year, month: 12, day: 31)!
            result[String(year)] = organizations.values.filter { org in
                include(org) && org.registered <= end && !(org.deregistered.map { $0 <= end } ?? false)
            }.count
        }
        return result
    }
}
