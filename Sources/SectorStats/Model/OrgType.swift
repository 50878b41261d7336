/// The kind of a social organization; the raw value is the output key of DATA.md §4.
///
/// `other` is never read from a type column: it is the type of an organization whose
/// type column is empty and whose USCC category (character 2) is 9.
public enum OrgType: String, Sendable, Hashable, CaseIterable {
    /// 社会团体
    case association
    /// 社会服务机构, formerly 民办非企业单位
    case socialService = "social_service"
    /// 基金会
    case foundation
    /// USCC category 9 with no type given
    case other
}
