/// Why a row was quarantined: exactly the reason codes of DATA.md §5, in the order listed there.
///
/// The raw value is the code written to the `reason` column of `quarantine.csv.gz`.
public enum QuarantineReason: String, Sendable, Hashable, CaseIterable {
    case csvMalformed = "csv_malformed"
    case fieldCount = "field_count"
    case encoding = "encoding"
    case missingRequired = "missing_required"
    case usccFormat = "uscc_format"
    case usccCheck = "uscc_check"
    case orgcodeCheck = "orgcode_check"
    case typeUnknown = "type_unknown"
    case statusUnknown = "status_unknown"
    case dateImpossible = "date_impossible"
    case dateFuture = "date_future"
    case deregDateMissing = "dereg_date_missing"
    case dateOrder = "date_order"
    case regionUnknown = "region_unknown"
    case amountGarbage = "amount_garbage"
    case amountNegative = "amount_negative"
    case splitMismatch = "split_mismatch"
    case sourceUnknown = "source_unknown"
    case countGarbage = "count_garbage"
}
