/// Maps the header row of an export to its fields (DATA.md §1, §2).
///
/// A header matches a spelling after the value normalization (trim, full-width →
/// half-width), ASCII case folding, and dropping a leading byte-order mark. A money
/// column's header may end in a unit, `(万元)` or `(元)` (full-width parentheses fold to
/// these): the unit is stripped before matching and remembered, so a bare number under
/// `注册资金(万元)` or `金额（万元）` is read in 万元. Extra aliases from the pipeline file
/// are matched the same way and take precedence over the built-in spellings.
public struct HeaderMatcher<Field: HeaderField>: Sendable {
    /// The outcome of matching one header row.
    public struct Match: Sendable, Equatable {
        /// Field → 0-based column index (the first column naming a field wins).
        public let columns: [Field: Int]
        /// Columns whose header names no field, in order.
        public let unknownColumns: [Int]
        /// Columns naming a field an earlier column already named (ignored), in order.
        public let duplicateColumns: [Int]
        /// Required fields no column names, in DATA.md order; non-empty means the file is unusable.
        public let missingRequired: [Field]
        /// Money fields whose header carried `(万元)`.
        public let wanYuanFields: Set<Field>

        /// The unit of a bare number in `field`'s column: 万 under a `(万元)` header, else 元.
        public func bareUnit(of field: Field) -> AmountUnit {
            wanYuanFields.contains(field) ? .wan : .yuan
        }
    }

    private let spellings: [String: Field]

    /// A matcher with the built-in spellings plus `aliases` (header text → field).
    public init(aliases: [String: Field] = [:]) {
        var spellings: [String: Field] = [:]
        for field in Field.allCases {
            for spelling in field.spellings { spellings[Self.key(spelling)] = field }
        }
        for (alias, field) in aliases { spellings[Self.key(alias)] = field }
        self.spellings = spellings
    }

    /// Matches `headers`, the fields of an export's first record.
    public func match(_ headers: [String]) -> Match {
        var columns: [Field: Int] = [:]
        var unknown: [Int] = []
        var duplicates: [Int] = []
        var wanYuan: Set<Field> = []
        for (index, header) in headers.enumerated() {
            guard let (field, unit) = field(for: header) else {
                unknown.append(index)
                continue
            }
            if columns[field] != nil {
                duplicates.append(index)
                continue
            }
            columns[field] = index
            if unit == .wan { wanYuan.insert(field) }
        }
        return Match(
            columns: columns,
            unknownColumns: unknown,
            duplicateColumns: duplicates,
            missingRequired: Field.missingRequired(among: Set(columns.keys)),
            wanYuanFields: wanYuan)
    }

    /// The field `header` names and the unit its header states (nil: none), if any.
    public func field(for header: String) -> (field: Field, unit: AmountUnit?)? {
        let key = Self.key(header)
        for (suffix, unit) in Self.unitSuffixes where key.hasSuffix(suffix) {
            let stem = ValueText.normalized(String(key.dropLast(suffix.count)))
            if let field = spellings[stem], field.isAmount { return (field, unit) }
        }
        return spellings[key].map { ($0, nil) }
    }

    private static var unitSuffixes: [(String, AmountUnit)] { [("(万元)", .wan), ("(元)", .yuan)] }

    /// The comparable form of a header: BOM dropped, value-normalized, ASCII lower-cased.
    static func key(_ header: String) -> String {
        let text = header.hasPrefix("\u{FEFF}") ? String(header.dropFirst()) : header
        var bytes = Array(ValueText.normalized(text).utf8)
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
