/// Matches category columns against the spellings of DATA.md §1 and §2.
///
/// Values get the value normalization first; ASCII letters then compare case-insensitively.
/// Each table is exactly the spellings DATA.md lists, nothing guessed:
/// - type: 社会团体, 社会服务机构, 民办非企业单位 (= social_service), 基金会, association,
///   social_service, foundation. `other` is not a spelling: it comes only from USCC
///   category 9 with an empty type, which is the caller's rule.
/// - status: 正常/存续 active, 注销/已注销 deregistered, 撤销/已撤销 revoked.
/// - source_type: the Chinese labels and the English keys; empty → other.
/// - purpose: the 14 Chinese labels; anything else non-empty → 其他, flagged unknown.
/// - booleans: 是/否, Y/N, 1/0, true/false.
///
/// The byte entry points allocate nothing unless they throw.
public enum CategoryParser {
    /// The type column; nil when empty. Unknown → `type_unknown`.
    public static func orgType(_ raw: UnsafeBufferPointer<UInt8>) throws(FieldError) -> OrgType? {
        switch lookup(raw, orgTypes) {
        case .empty: return nil
        case .found(let value): return value
        case .unknown:
            throw FieldError(
                .typeUnknown,
                "\"\(ValueText.display(raw))\" is not an organization type: expected 社会团体, 社会服务机构, "
                    + "民办非企业单位, 基金会, association, social_service or foundation")
        }
    }

    /// The type of a registration row given its USCC's category (DATA.md §5 "type"): the
    /// type column when non-empty; when empty, `other` if the category is 9, else
    /// `missing_required`. Unknown → `type_unknown`.
    public static func orgType(
        _ raw: UnsafeBufferPointer<UInt8>,
        usccCategory: OrgType?
    ) throws(FieldError) -> OrgType {
        if let type = try orgType(raw) { return type }
        guard usccCategory == .other else {
            throw FieldError(
                .missingRequired, "the organization type is empty: it may be left empty only when USCC character 2 is 9")
        }
        return .other
    }

    /// The status column; nil when empty (no status). Unknown → `status_unknown`.
    public static func status(_ raw: UnsafeBufferPointer<UInt8>) throws(FieldError) -> RegistrationStatus? {
        switch lookup(raw, statuses) {
        case .empty: return nil
        case .found(let value): return value
        case .unknown:
            throw FieldError(
                .statusUnknown,
                "\"\(ValueText.display(raw))\" is not a registration status: expected 正常, 存续, 注销, 已注销, 撤销 or 已撤销")
        }
    }

    /// The source_type column; empty → `.other`. Unknown → `source_unknown`.
    public static func sourceType(_ raw: UnsafeBufferPointer<UInt8>) throws(FieldError) -> SourceType {
        switch lookup(raw, sourceTypes) {
        case .empty: return .other
        case .found(let value): return value
        case .unknown:
            let labels = SourceType.allCases.map { "\($0.label) (\($0.rawValue))" }.joined(separator: ", ")
            throw FieldError(.sourceUnknown, "\"\(ValueText.display(raw))\" is not a funding source: expected one of \(labels)")
        }
    }

    /// The purpose column; nil when empty. A value outside the 14 labels is `.other` with
    /// `isKnown` false: the caller records the warning `purpose_unknown`.
    public static func purpose(_ raw: UnsafeBufferPointer<UInt8>) -> (purpose: Purpose, isKnown: Bool)? {
        switch lookup(raw, purposes) {
        case .empty: nil
        case .found(let value): (value, true)
        case .unknown: (.other, false)
        }
    }

    /// A yes/no column (community, charity); nil when empty or not one of the spellings.
    /// Callers that want to tell the two apart ask ``ValueText/isEmpty(_:)``.
    public static func boolean(_ raw: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch lookup(raw, booleans) {
        case .found(let value): value
        case .empty, .unknown: nil
        }
    }

    // MARK: - String conveniences

    public static func orgType(_ text: String) throws(FieldError) -> OrgType? {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try orgType(raw) }
    }

    public static func orgType(_ text: String, usccCategory: OrgType?) throws(FieldError) -> OrgType {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try orgType(raw, usccCategory: usccCategory) }
    }

    public static func status(_ text: String) throws(FieldError) -> RegistrationStatus? {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try status(raw) }
    }

    public static func sourceType(_ text: String) throws(FieldError) -> SourceType {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try sourceType(raw) }
    }

    public static func purpose(_ text: String) -> (purpose: Purpose, isKnown: Bool)? {
        ValueText.withBytes(of: text) { purpose($0) }
    }

    public static func boolean(_ text: String) -> Bool? {
        ValueText.withBytes(of: text) { boolean($0) }
    }

    // MARK: - Tables

    /// Lower-case labels in one byte array (no array per label: looking one up retains
    /// nothing), with their values.
    private struct Table<Value: Sendable>: Sendable {
        let bytes: [UInt8]
        /// Label `i` is `bytes[starts[i]..<starts[i + 1]]`.
        let starts: [Int]
        let values: [Value]

        /// The value of the label equal to `value`, ASCII letters compared case-insensitively.
        @inline(__always)
        func find(_ value: UnsafeBufferPointer<UInt8>) -> Value? {
            bytes.withUnsafeBufferPointer { b in
                starts.withUnsafeBufferPointer { s in
                    for i in 0..<(s.count - 1) where s[i + 1] - s[i] == value.count {
                        var same = true
                        for k in 0..<value.count {
                            let byte = value[k]
                            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                            if lower != b[s[i] + k] {
                                same = false
                                break
                            }
                        }
                        if same { return values[i] }
                    }
                    return nil
                }
            }
        }
    }

    private static func table<Value>(_ entries: [(String, Value)]) -> Table<Value> {
        var bytes: [UInt8] = []
        var starts = [0]
        for (label, _) in entries {
            bytes += Array(label.lowercased().utf8)
            starts.append(bytes.count)
        }
        return Table(bytes: bytes, starts: starts, values: entries.map(\.1))
    }

    private static let orgTypes: Table<OrgType> = table([
        ("社会团体", .association), ("社会服务机构", .socialService), ("民办非企业单位", .socialService),
        ("基金会", .foundation), ("association", .association), ("social_service", .socialService),
        ("foundation", .foundation),
    ])

    private static let statuses: Table<RegistrationStatus> = table([
        ("正常", .active), ("存续", .active), ("注销", .deregistered), ("已注销", .deregistered),
        ("撤销", .revoked), ("已撤销", .revoked),
    ])

    private static let sourceTypes: Table<SourceType> =
        table(SourceType.allCases.map { ($0.label, $0) } + SourceType.allCases.map { ($0.rawValue, $0) })

    private static let purposes: Table<Purpose> = table(Purpose.allCases.map { ($0.rawValue, $0) })

    private static let booleans: Table<Bool> = table([
        ("是", true), ("否", false), ("y", true), ("n", false), ("1", true), ("0", false),
        ("true", true), ("false", false),
    ])

    // MARK: - Matching

    private enum Lookup<Value> {
        case empty
        case found(Value)
        case unknown
    }

    @inline(__always)
    private static func lookup<Value>(_ raw: UnsafeBufferPointer<UInt8>, _ table: Table<Value>) -> Lookup<Value> {
        // The common case (nothing to fold) without a closure: capturing the table would
        // retain its arrays on every row.
        if !ValueText.needsFolding(raw) {
            let value = UnsafeBufferPointer(rebasing: raw[ValueText.trimmedRange(raw)])
            if value.isEmpty { return .empty }
            return table.find(value).map(Lookup.found) ?? .unknown
        }
        return ValueText.withNormalized(raw) { value -> Lookup<Value> in
            if value.isEmpty { return .empty }
            return table.find(value).map(Lookup.found) ?? .unknown
        }
    }
}
