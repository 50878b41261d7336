import Foundation

/// The GB/T 2260 region reference (`datasets/reference/regions.csv` and
/// `regions_history.csv`): resolves codes and names, gives provinces and county counts.
///
/// Built once per run and immutable afterwards, so it is shared freely between workers.
///
/// Resolution (DATA.md §3, §5 "region"):
/// - a six-digit code: a current code, else a retired code from the history (its latest
///   name), else `100000` = national level (全国性组织); anything else is unknown;
/// - a name (blanks removed): a current province, prefecture or county name, or a joined
///   name from the top down — province + prefecture, province + county, prefecture + county,
///   province + prefecture + county (湖北省武汉市江汉区 → 420103), and 全国性组织.
///
/// Ambiguous names are never guessed: 28 county names (鼓楼区, 市中区, 城关区 …) belong to
/// several counties, and a name that fits more than one current division resolves to
/// ``Resolution/ambiguous(_:)`` with the candidate codes. The caller treats it as not
/// resolved (a registration's `region_unknown`) and can tell the user to qualify it with
/// the prefecture or province (南京市鼓楼区). Retired names do not resolve by name; retired
/// codes do, because USCCs keep the code of the year they were issued.
public struct RegionTable: Sendable {
    /// The outcome of resolving a region value.
    public enum Resolution: Sendable, Equatable {
        case region(Region)
        /// A name that fits several current divisions: their codes, ascending.
        case ambiguous([Int])
        case unknown

        /// The region, when resolved to exactly one.
        public var region: Region? {
            if case .region(let region) = self { return region }
            return nil
        }
    }

    /// A problem in a reference file: the file, the 1-based line and what is wrong.
    public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let message: String

        public var description: String {
            line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
        }
    }

    public static let nationalCode = 100_000
    public static let nationalName = "全国性组织"
    public static let regionsFileName = "regions.csv"
    public static let historyFileName = "regions_history.csv"

    static let national = Region(
        code: nationalCode, name: nationalName, level: .national, parentCode: nil, provinceCode: nationalCode,
        isCurrent: true)

    /// Every region a code resolves to: current ones, then retired ones, then 全国性组织.
    private let regions: [Region]
    /// Code look-up by open addressing (resolve runs once or twice per input row): a slot
    /// holds `code << 32 | (index in regions + 1)`, 0 = free; at most a quarter full.
    private let codeSlots: [UInt64]
    /// Name keys (value-normalized, blanks removed, ASCII upper-cased) → their resolution,
    /// looked up by the key's bytes without building a `String`.
    private let nameKeys: ByteInterner
    private let nameResolutions: [Resolution]
    /// By name id: the code the name resolves to, -1 when ambiguous or unknown (the per-row
    /// path, without copying a ``Region`` and its name out).
    private let nameCodes: [Int32]
    /// By index in `regions`: a current county-level division.
    private let currentCounty: [Bool]
    private let countiesByProvince: [Int: Int]

    /// Every current province, by code.
    public let provinces: [Region]

    /// The number of county-level divisions in the current reference.
    public let countyCount: Int

    /// Loads `regions.csv` and `regions_history.csv` from `folder`, or the tables built into
    /// the binary when `folder` is ``ReferenceTables/embeddedPath``.
    public init(folder: URL) throws(LoadError) {
        if ReferenceTables.isEmbedded(folder.path) {
            let b: (regions: [UInt8], history: [UInt8])
            do { b = try ReferenceTables.bytes() } catch {
                throw LoadError(file: ReferenceTables.embeddedPath, line: 0, message: "cannot unpack the built-in reference tables: \(error)")
            }
            try self.init(regionsCSV: b.regions, historyCSV: b.history)
            return
        }
        func read(_ name: String) throws(LoadError) -> [UInt8] {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw LoadError(file: url.path, line: 0, message: "cannot read the region reference file")
            }
            return [UInt8](data)
        }
        try self.init(regionsCSV: read(Self.regionsFileName), historyCSV: read(Self.historyFileName))
    }

    /// Builds the table from the bytes of the two files (plain CSV: no quoting, LF or CRLF).
    public init(regionsCSV: [UInt8], historyCSV: [UInt8]) throws(LoadError) {
        var current: [Int: Region] = [:]
        try Self.rows(regionsCSV, file: Self.regionsFileName, header: "code,name,level,parent_code,province_code") {
            (fields, line) throws(LoadError) in
            let code = try Self.code(fields[0], file: Self.regionsFileName, line: line)
            let parent = fields[3].isEmpty ? nil : try Self.code(fields[3], file: Self.regionsFileName, line: line)
            let region = Region(
                code: code, name: fields[1], level: try Self.level(fields[2], file: Self.regionsFileName, line: line),
                parentCode: parent, provinceCode: code / 10_000 * 10_000, isCurrent: true)
            guard current.updateValue(region, forKey: code) == nil else {
                throw LoadError(file: Self.regionsFileName, line: line, message: "code \(fields[0]) appears twice")
            }
        }

        // Retired codes: the history entry that was in use last.
        var retired: [Int: (region: Region, lastYear: Int)] = [:]
        try Self.rows(
            historyCSV, file: Self.historyFileName,
            header: "code,name,level,province_code,first_year,last_year,in_current"
        ) { (fields, line) throws(LoadError) in
            let code = try Self.code(fields[0], file: Self.historyFileName, line: line)
            guard current[code] == nil else { return }
            let lastYear = fields[5] == "current" ? Int.max : Int(fields[5]) ?? -1
            guard lastYear >= 0 else {
                throw LoadError(file: Self.historyFileName, line: line, message: "last_year \"\(fields[5])\" is not a year")
            }
            if let known = retired[code], known.lastYear >= lastYear { return }
            let region = Region(
                code: code, name: fields[1], level: try Self.level(fields[2], file: Self.historyFileName, line: line),
                parentCode: nil, provinceCode: code / 10_000 * 10_000, isCurrent: false)
            retired[code] = (region, lastYear)
        }

        var names: [String: Set<Int>] = [Self.nameKey(Self.nationalName): [Self.nationalCode]]
        var counties: [Int: Int] = [:]
        for region in current.values {
            let province = current[region.provinceCode]?.name ?? ""
            var keys = [region.name]
            switch region.level {
            case .province, .national:
                break
            case .prefecture:
                keys.append(province + region.name)
            case .county:
                counties[region.provinceCode, default: 0] += 1
                keys.append(province + region.name)
                if let parent = region.parentCode.flatMap({ current[$0] }), parent.level == .prefecture {
                    keys.append(parent.name + region.name)
                    keys.append(province + parent.name + region.name)
                }
            }
            for key in keys { names[Self.nameKey(key), default: []].insert(region.code) }
        }

        var list = current.values.sorted { $0.code < $1.code }
        list += retired.values.map(\.region).sorted { $0.code < $1.code }
        if current[Self.nationalCode] == nil, retired[Self.nationalCode] == nil { list.append(Self.national) }
        var size = 16
        while size < 4 * list.count { size *= 2 }
        var slots = [UInt64](repeating: 0, count: size)
        for (index, region) in list.enumerated() {
            var position = Self.codePosition(region.code, mask: size - 1)
            while slots[position] != 0 { position = (position + 1) & (size - 1) }
            slots[position] = UInt64(region.code) << 32 | UInt64(index + 1)
        }
        self.regions = list
        self.codeSlots = slots

        var nameKeys = ByteInterner()
        var resolutions: [Resolution] = []
        // Ids are only indexes into `resolutions`: any order of the keys will do.
        for (key, codes) in names {
            precondition(Int(nameKeys.intern(key)) == resolutions.count, "name keys are distinct")
            let sorted = codes.sorted()
            if sorted.count > 1 {
                resolutions.append(.ambiguous(sorted))
            } else if let code = sorted.first, let index = Self.index(ofCode: code, in: slots) {
                resolutions.append(.region(list[index]))
            } else {
                resolutions.append(.unknown)
            }
        }
        self.nameKeys = nameKeys
        self.nameResolutions = resolutions
        self.nameCodes = resolutions.map { $0.region.map { Int32($0.code) } ?? -1 }
        self.currentCounty = list.map { $0.isCurrent && $0.level == .county }
        self.countiesByProvince = counties
        self.countyCount = counties.values.reduce(0, +)
        self.provinces = current.values.filter { $0.level == .province }.sorted { $0.code < $1.code }
    }

    // MARK: - Look-ups

    /// The region of `code`: current, else retired, else national for `100000`.
    public func region(code: Int) -> Region? {
        Self.index(ofCode: code, in: codeSlots).map { regions[$0] }
    }

    /// The current region of `code` (not retired, not the national level's stand-in).
    private func currentRegion(code: Int) -> Region? {
        guard let region = region(code: code), region.isCurrent, region.level != .national else { return nil }
        return region
    }

    /// Resolves a region column (UTF-8 bytes of one field as read): a six-digit code or a name.
    /// Empty and unmatched values are `.unknown`. Neither codes nor names allocate: a name's
    /// key is built in a temporary buffer and looked up by its bytes.
    public func resolve(_ raw: UnsafeBufferPointer<UInt8>) -> Resolution {
        let code: Int? = ValueText.withNormalized(raw) { value in
            guard value.count == 6 else { return nil }
            var code = 0
            for byte in value {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                code = code * 10 + Int(byte - 0x30)
            }
            return code
        }
        if let code { return region(code: code).map(Resolution.region) ?? .unknown }
        // The key as `ValueText.normalizeCode` makes it (width-folded, blanks removed, ASCII
        // upper-cased; letters do not occur in names), in a buffer of the call.
        guard let id = nameID(raw) else { return .unknown }
        return nameResolutions[Int(id)]
    }

    /// The id of `raw`'s name key, built as `ValueText.normalizeCode` makes it (width-folded,
    /// blanks removed, ASCII upper-cased; letters do not occur in names) in a buffer of the call.
    private func nameID(_ raw: UnsafeBufferPointer<UInt8>) -> Int32? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(raw.count, 1)) { key in
            let folded = ValueText.fold(raw, into: key)
            var n = 0
            for i in 0..<folded where !ValueText.isBlank(key[i]) {
                let byte = key[i]
                key[n] = byte >= 0x61 && byte <= 0x7A ? byte &- 0x20 : byte
                n += 1
            }
            return nameKeys.id(of: UnsafeBufferPointer(rebasing: key[0..<n]))
        }
    }

    /// The code ``resolve(_:)-(UnsafeBufferPointer<UInt8>)`` resolves `raw` to, nil when it
    /// is ambiguous or unknown: the same answer without building a ``Resolution`` (the
    /// per-row path; the caller asks `resolve` again only to describe a failure).
    public func resolvedCode(_ raw: UnsafeBufferPointer<UInt8>) -> Int? {
        if ValueText.needsFolding(raw) {
            // Full-width digits or ideographic spaces (rare): the careful path.
            if case .region(let region) = resolve(raw) { return region.code }
            return nil
        }
        let trimmed = UnsafeBufferPointer(rebasing: raw[ValueText.trimmedRange(raw)])
        if trimmed.count == 6 {
            var code = 0
            var digits = true
            for byte in trimmed {
                guard byte >= 0x30, byte <= 0x39 else {
                    digits = false
                    break
                }
                code = code * 10 + Int(byte - 0x30)
            }
            if digits { return contains(code: code) ? code : nil }
        }
        // A name without blanks or ASCII lower case inside (the usual Chinese name) is its
        // own key: looked up in place, without building one.
        var plain = true
        for byte in trimmed where ValueText.isBlank(byte) || (byte >= 0x61 && byte <= 0x7A) {
            plain = false
            break
        }
        guard let id = plain ? nameKeys.id(of: trimmed) : nameID(raw) else { return nil }
        let code = nameCodes[Int(id)]
        return code >= 0 ? Int(code) : nil
    }

    /// Whether `code` is a current, retired or the national code (``region(code:)`` is not nil).
    public func contains(code: Int) -> Bool {
        Self.index(ofCode: code, in: codeSlots) != nil
    }

    /// String convenience for ``resolve(_:)-(UnsafeBufferPointer<UInt8>)``.
    public func resolve(_ text: String) -> Resolution {
        ValueText.withBytes(of: text) { resolve($0) }
    }

    /// Its province's code: the first two digits + 0000; `100000` stays `100000`.
    public func provinceCode(of code: Int) -> Int {
        code == Self.nationalCode ? Self.nationalCode : code / 10_000 * 10_000
    }

    /// The name of `code`'s province in the current reference (全国性组织 for `100000`).
    public func provinceName(of code: Int) -> String? {
        let province = provinceCode(of: code)
        return province == Self.nationalCode ? Self.nationalName : currentRegion(code: province)?.name
    }

    /// Whether `code` is a county-level code of the current reference.
    public func isCountyLevel(_ code: Int) -> Bool {
        Self.index(ofCode: code, in: codeSlots).map { currentCounty[$0] } ?? false
    }

    /// The number of current county-level divisions in the province `provinceCode` (0 for `100000`).
    public func countyCount(inProvince provinceCode: Int) -> Int {
        countiesByProvince[provinceCode] ?? 0
    }

    // MARK: - Private

    @inline(__always)
    private static func codePosition(_ code: Int, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: code) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The index in `regions` of `code`, found in `slots`.
    @inline(__always)
    private static func index(ofCode code: Int, in slots: [UInt64]) -> Int? {
        guard code >= 0, code <= Int(UInt32.max) else { return nil }
        return slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var position = codePosition(code, mask: mask)
            while true {
                let slot = table[position]
                if slot == 0 { return nil }
                if slot >> 32 == UInt64(code) { return Int(slot & 0xFFFF_FFFF) - 1 }
                position = (position + 1) & mask
            }
        }
    }

    /// The comparable form of a name: value-normalized with every blank removed.
    private static func nameKey(_ name: String) -> String {
        ValueText.normalizedCode(name)
    }

    /// Calls `body` with the fields and 1-based line number of each data row of `bytes`.
    private static func rows(
        _ bytes: [UInt8], file: String, header: String,
        _ body: ([String], Int) throws(LoadError) -> Void
    ) throws(LoadError) {
        let expectedCount = header.split(separator: ",").count
        var lineNumber = 0
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count {
            var end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let next = end + 1
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = next
            if line.isEmpty { continue }
            if line.contains(0x22) {
                throw LoadError(file: file, line: lineNumber, message: "quoted fields are not supported in the reference")
            }
            let fields = line.split(separator: 0x2C, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            if lineNumber == 1 {
                guard fields.joined(separator: ",") == header else {
                    throw LoadError(file: file, line: 1, message: "header is not \"\(header)\"")
                }
                continue
            }
            guard fields.count == expectedCount else {
                throw LoadError(file: file, line: lineNumber, message: "\(fields.count) fields, expected \(expectedCount)")
            }
            try body(fields, lineNumber)
        }
        if lineNumber == 0 { throw LoadError(file: file, line: 0, message: "the file is empty") }
    }

    private static func code(_ text: String, file: String, line: Int) throws(LoadError) -> Int {
        guard text.utf8.count == 6, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let code = Int(text) else {
            throw LoadError(file: file, line: line, message: "\"\(text)\" is not a six-digit code")
        }
        return code
    }

    private static func level(_ text: String, file: String, line: Int) throws(LoadError) -> Region.Level {
        guard let level = Region.Level(rawValue: text), level != .national else {
            throw LoadError(file: file, line: line, message: "level \"\(text)\" is not province, prefecture or county")
        }
        return level
    }
}
