/// A record of one of the normalize stage's persisted tables, as either reader hands it
/// over: ``CSVRecord`` (the careful libcsv reader) or ``OwnTableRow`` (the fast reader for
/// our own writer's output). The decoders are generic over it, so both paths read a row
/// the same way and fail with the same error.
protocol PersistedRow {
    /// 1-based physical line on which the record starts.
    var line: Int { get }
    /// The number of fields (padded to the header's count when there were fewer).
    var count: Int { get }
    /// Whether the reader found nothing wrong with the record itself.
    var isWellFormed: Bool { get }
    /// The record's text as read.
    var raw: UnsafeBufferPointer<UInt8> { get }
    subscript(i: Int) -> UnsafeBufferPointer<UInt8> { get }
}

extension CSVRecord: PersistedRow {
    @inline(__always)
    var isWellFormed: Bool { issue == nil }
}

extension OwnTableRow: PersistedRow {
    @inline(__always)
    var isWellFormed: Bool { !hasTooManyFields }
}

extension NormalizedTables {
    /// Why a persisted row could not be read back (as `corrupt(_:_:_:)` for a ``CSVRecord``,
    /// for any reader's row).
    static func corrupt<R: PersistedRow>(_ table: String, row: R, _ column: String) -> SectorStatsError {
        SectorStatsError(.corruptData, file: table, line: row.line, field: column,
                         "not a value this pipeline writes: \(String(decoding: row.raw, as: UTF8.self).prefix(200)); "
                             + "rerun the normalize stage")
    }
}
