/// An administrative division of GB/T 2260 (or the national level, `100000`), as the
/// region reference describes it.
public struct Region: Sendable, Hashable {
    /// The level of a division.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        /// `100000`: organizations registered by the Ministry of Civil Affairs itself.
        case national
        case province
        case prefecture
        case county
    }

    /// The six-digit code.
    public let code: Int
    /// The name in the reference (for a retired code: its last name before retirement).
    public let name: String
    public let level: Level
    /// The code of the division above, when the current reference gives one.
    public let parentCode: Int?
    /// The province: the first two digits + 0000, or `100000` for the national level.
    public let provinceCode: Int
    /// Whether the code is in the current reference (false: retired, found in the history).
    public let isCurrent: Bool

    public init(code: Int, name: String, level: Level, parentCode: Int?, provinceCode: Int, isCurrent: Bool) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.provinceCode = provinceCode
        self.isCurrent = isCurrent
    }
}
