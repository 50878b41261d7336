/// A per-province output row's key: the code and the reference name (DATA.md §4:
/// `100000` / 全国性组织 for national-level organizations).
struct ProvinceLabel: Sendable, Equatable {
    var code: Int
    var name: String

    /// The national row's key.
    static let nation = ProvinceLabel(code: 0, name: "全国")

    var codeText: String { FixedPoint.code(code) }
}
