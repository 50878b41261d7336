/// A column of an export that a header can name: the contract between ``HeaderMatcher``
/// and the field enums of each export kind.
public protocol HeaderField: Hashable, Sendable, CaseIterable, RawRepresentable where RawValue == String {
    /// The built-in header spellings (DATA.md §1 / §2), as written there.
    var spellings: [String] { get }

    /// Whether the column holds money, so its header may carry a unit suffix `(万元)` or `(元)`.
    var isAmount: Bool { get }

    /// The required fields absent from `present`, in the order DATA.md lists them.
    static func missingRequired(among present: Set<Self>) -> [Self]
}
