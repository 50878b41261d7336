/// The registration status column of a registration export (DATA.md §1).
///
/// Activity is decided by the dates, not by this value (DATA.md §5 "status"); a
/// deregistered or revoked status only demands a deregistration date.
public enum RegistrationStatus: String, Sendable, Hashable, CaseIterable {
    /// 正常, 存续
    case active
    /// 注销, 已注销
    case deregistered
    /// 撤销, 已撤销
    case revoked
}
