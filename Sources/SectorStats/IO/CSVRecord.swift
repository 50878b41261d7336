/// Why the reader could not hand over a record as clean fields (DATA.md §5 "Records").
public struct CSVIssue: Sendable, Equatable, CustomStringConvertible {
    /// The stable reason code, as written to the quarantine.
    public enum Kind: String, Sendable, CaseIterable {
        /// The CSV parser rejected the record (stray or unterminated quote, record too long).
        case csvMalformed = "csv_malformed"
        /// More fields than the header has.
        case fieldCount = "field_count"
        /// Bytes invalid in the file's encoding.
        case encoding = "encoding"
    }

    public var kind: Kind
    /// A message a user can act on.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// One record as the reader sees it: its fields as byte slices, the physical line it starts
/// on, its raw text, and an issue when it is malformed.
///
/// A record borrows the reader's buffers: it is valid only inside the closure it is passed
/// to. Copy out (`string(at:)`, `fields()`, `rawText`) whatever must outlive the call.
public struct CSVRecord {
    /// 1-based physical line on which the record starts (header = line 1; embedded line
    /// breaks count; a bare CR counts as a line break, CRLF as one).
    public let line: Int
    /// Set when the record is malformed; such a record goes to the quarantine.
    public let issue: CSVIssue?
    /// The number of fields: the header's count for a good record that had fewer fields
    /// (the missing ones read as empty), the parsed count otherwise.
    public let count: Int
    /// The number of fields actually present in the record.
    public let parsedCount: Int
    /// The record's text as read (decoded to UTF-8, without its line terminator). For a
    /// `csv_malformed` record: its first physical line.
    public let raw: UnsafeBufferPointer<UInt8>

    @usableFromInline let bytes: UnsafePointer<UInt8>?
    @usableFromInline let ends: UnsafePointer<Int>?

    init(line: Int, issue: CSVIssue?, count: Int, parsedCount: Int, raw: UnsafeBufferPointer<UInt8>,
         bytes: UnsafePointer<UInt8>?, ends: UnsafePointer<Int>?) {
        self.line = line
        self.issue = issue
        self.count = count
        self.parsedCount = parsedCount
        self.raw = raw
        self.bytes = bytes
        self.ends = ends
    }

    /// The bytes of field `i` (unquoted, doubled quotes undone). Empty for a padded field.
    @inlinable
    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        guard i >= 0, i < parsedCount, let bytes, let ends else { return UnsafeBufferPointer(start: nil, count: 0) }
        let start = i == 0 ? 0 : ends[i - 1]
        return UnsafeBufferPointer(start: bytes + start, count: ends[i] - start)
    }

    /// Field `i` as a String (invalid UTF-8 replaced by U+FFFD).
    public func string(at i: Int) -> String {
        String(decoding: self[i], as: UTF8.self)
    }

    /// All fields as Strings, padded fields included.
    public func fields() -> [String] {
        (0..<count).map { string(at: $0) }
    }

    /// The raw text as a String (invalid bytes replaced by U+FFFD).
    public var rawText: String {
        String(decoding: raw, as: UTF8.self)
    }
}
