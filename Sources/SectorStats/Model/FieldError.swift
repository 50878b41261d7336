/// A field value a normalize parser rejected: the quarantine reason and a message a user can act on.
///
/// The `detail` names the offending value and what was expected (`check character is 7,
/// expected K`, `2020-02-30 is not a calendar date`). The caller adds source, line and field.
/// Only the failure path builds this value, so parsers stay allocation-free on success.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: QuarantineReason
    public let detail: String

    public init(_ reason: QuarantineReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
