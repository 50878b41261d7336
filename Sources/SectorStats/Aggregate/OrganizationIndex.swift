/// The registry as the aggregate stage needs it, built once and then shared read-only by
/// every worker: per organization only its USCC, type, registration and deregistration
/// dates, province and county (about 40 bytes, against kilobytes for a full
/// ``Organization``), plus USCC → dense organization id for joining funding rows.
///
/// Duplicate USCCs (the normalize stage already removed them, so this is defensive): the
/// last one in input order wins, as in DATA.md §4, and keeps the id of the first; they are
/// counted in `duplicates`.
///
/// Dates after the run's as-of date (the normalize stage quarantines them; records given in
/// memory may still carry them) are read as what was known on the as-of date: an
/// organization registered later is kept for matching funding rows but counts nowhere and
/// is never active; a later deregistration has not happened yet.
struct OrganizationIndex: Sendable {
    /// One organization's facts.
    struct Entry: Sendable, Equatable {
        var uscc: USCC
        var type: OrgType
        var registeredOn: CivilDate
        var deregisteredOn: CivilDate?
        /// Six-digit province code; 100000 for national-level organizations.
        var provinceCode: Int32
        /// The county-level code of the current reference, or -1.
        var countyCode: Int32
        /// Registered after the as-of date: in no table, never active.
        var isAfterAsOf = false
        /// Its province's index in ``OrganizationIndex/provinceCodes`` (set by the index; kept
        /// here so that a funding row's look-up touches one entry).
        var provinceSlot: UInt16 = 0

        init(uscc: USCC, type: OrgType, registeredOn: CivilDate, deregisteredOn: CivilDate?, provinceCode: Int32,
             countyCode: Int32) {
            self.uscc = uscc
            self.type = type
            self.registeredOn = registeredOn
            self.deregisteredOn = deregisteredOn
            self.provinceCode = provinceCode
            self.countyCode = countyCode
        }

        /// An entry that only carries a USCC (the normalize stage's key when it does not
        /// feed the aggregate stage).
        init(uscc: USCC) {
            self.init(uscc: uscc, type: .other, registeredOn: Self.noDate, deregisteredOn: nil, provinceCode: 0,
                      countyCode: -1)
        }

        private static let noDate = CivilDate(year: 1, month: 1, day: 1)!  // a valid constant date

        /// DATA.md §4, as ``Organization/isActive(atEndOf:)``.
        @inline(__always)
        func isActive(atEndOf year: Int) -> Bool {
            guard !isAfterAsOf, registeredOn.year <= year else { return false }
            if let d = deregisteredOn, d.year <= year { return false }
            return true
        }
    }

    private(set) var entries: [Entry] = []
    /// The distinct province codes, ascending: the per-province rows in output order.
    let provinceCodes: [Int]
    private var ids: USCCTable
    private(set) var duplicates = 0
    /// Organizations registered after the as-of date.
    private(set) var registeredAfterAsOf = 0
    /// Input rows whose deregistration date is after the as-of date (ignored).
    private(set) var deregisteredAfterAsOf = 0

    /// The index of entries with distinct codes whose table (code → place in `list`) is
    /// built already (``RegistryMerge``'s).
    init(_ list: consuming [Entry], asOf: CivilDate, table: USCCTable) {
        precondition(list.count < Int(Int32.max), "more organizations than 32-bit ids")
        ids = table
        entries = list
        for i in entries.indices { Self.apply(asOf, to: &entries[i], deregisteredAfter: &deregisteredAfterAsOf) }
        provinceCodes = Self.assignProvinceSlots(&entries)
        registeredAfterAsOf = entries.reduce(0) { $0 + ($1.isAfterAsOf ? 1 : 0) }
    }

    init(_ list: [Entry], asOf: CivilDate) {
        precondition(list.count < Int(Int32.max), "more organizations than 32-bit ids")
        entries.reserveCapacity(list.count)
        HugePages.advise(&entries)
        ids = USCCTable(capacity: list.count)
        // Each insert is a cache miss in a large table: the slot of a code some places ahead
        // is loaded meanwhile.
        let ahead = 8
        for (i, var entry) in list.enumerated() {
            if i + ahead < list.count { ids.prefetch(high: list[i + ahead].uscc.high, low: list[i + ahead].uscc.low) }
            Self.apply(asOf, to: &entry, deregisteredAfter: &deregisteredAfterAsOf)
            if let id = ids.insert(entry.uscc, id: Int32(entries.count)) {
                entries[Int(id)] = entry
                duplicates += 1
            } else {
                entries.append(entry)
            }
        }
        registeredAfterAsOf = entries.reduce(0) { $0 + ($1.isAfterAsOf ? 1 : 0) }
        provinceCodes = Self.assignProvinceSlots(&entries)
    }

    /// Marks an entry registered after the as-of date, and drops a deregistration dated
    /// after it (counted in `deregisteredAfter`).
    @inline(__always)
    private static func apply(_ asOf: CivilDate, to entry: inout Entry, deregisteredAfter: inout Int) {
        entry.isAfterAsOf = entry.registeredOn > asOf
        if let d = entry.deregisteredOn, d > asOf {
            entry.deregisteredOn = nil
            deregisteredAfter += 1
        }
    }

    /// The distinct province codes, ascending, each entry given its code's place among them,
    /// without hashing 900,000 codes.
    private static func assignProvinceSlots(_ entries: inout [Entry]) -> [Int] {
        // Province-level codes are NN0000: a flag per NN, the rest in a set.
        @inline(__always) func short(_ code: Int32) -> Int? { code >= 0 && code < 1_000_000 && code % 10_000 == 0 ? Int(code / 10_000) : nil }
        var seen = [Bool](repeating: false, count: 100)
        var other = Set<Int32>()
        for e in entries {
            if let s = short(e.provinceCode) { seen[s] = true } else { other.insert(e.provinceCode) }
        }
        let codes = (seen.indices.filter { seen[$0] }.map { Int32($0 * 10_000) } + other).sorted()
        precondition(codes.count <= Int(UInt16.max), "more provinces than 16-bit slots")
        var slotOf = [UInt16](repeating: 0, count: 100)
        for (slot, code) in codes.enumerated() { if let s = short(code) { slotOf[s] = UInt16(slot) } }
        for i in entries.indices {
            let code = entries[i].provinceCode
            if let s = short(code) {
                entries[i].provinceSlot = slotOf[s]
            } else {
                var (lo, hi) = (0, codes.count - 1)
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if codes[mid] < code { lo = mid + 1 } else { hi = mid }
                }
                entries[i].provinceSlot = UInt16(lo)
            }
        }
        return codes.map(Int.init)
    }

    init(organizations: [Organization], asOf: CivilDate) {
        self.init(organizations.map(Self.entry), asOf: asOf)
    }

    var count: Int { entries.count }

    static func entry(_ o: Organization) -> Entry {
        Entry(uscc: o.uscc, type: o.type, registeredOn: o.registeredOn, deregisteredOn: o.deregisteredOn,
              provinceCode: Int32(truncatingIfNeeded: o.provinceCode),
              countyCode: o.countyCode.map { Int32(truncatingIfNeeded: $0) } ?? -1)
    }

    @inline(__always)
    func id(of uscc: USCC) -> Int32? { ids.id(high: uscc.high, low: uscc.low) }

    /// The organization whose USCC is `code` (a normalized recipient_uscc: upper-case, no
    /// blanks), without allocating. Anything that is not 18 characters of the USCC alphabet
    /// matches nothing; check characters need no verification, since every indexed code has them.
    @inline(__always)
    func id(recipient code: UnsafeBufferPointer<UInt8>) -> Int32? {
        Self.key(recipient: code).flatMap { ids.id(high: $0.high, low: $0.low) }
    }

    /// A normalized recipient_uscc as ``USCC``'s halves; nil when it cannot be a USCC.
    @inline(__always)
    static func key(recipient code: UnsafeBufferPointer<UInt8>) -> (high: UInt64, low: UInt64)? {
        guard code.count == 18 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<18 {
            let index = USCC.alphabetIndex(of: code[i])
            guard index >= 0 else { return nil }
            if i < 9 { high = high * 31 + UInt64(index) } else { low = low * 31 + UInt64(index) }
        }
        return (high, low)
    }

    /// The organization of a key from ``key(recipient:)``.
    @inline(__always)
    func id(key: (high: UInt64, low: UInt64)) -> Int32? { ids.id(high: key.high, low: key.low) }

    /// Starts loading the slot of a key from ``key(recipient:)`` (see ``Prefetch``).
    @inline(__always)
    func prefetch(key: (high: UInt64, low: UInt64)) { ids.prefetch(high: key.high, low: key.low) }

    /// Starts loading the entry of organization `id` (see ``Prefetch``); none for -1.
    @inline(__always)
    func prefetch(entry id: Int32) {
        guard id >= 0 else { return }
        entries.withUnsafeBufferPointer { e in
            if Int(id) < e.count, let base = e.baseAddress { Prefetch.forRead(base + Int(id)) }
        }
    }

    /// String convenience for `id(recipient:)`.
    func id(recipient code: String) -> Int32? {
        var code = code
        return code.withUTF8 { id(recipient: $0) }
    }
}
