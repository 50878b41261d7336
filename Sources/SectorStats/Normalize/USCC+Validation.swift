extension USCC {
    /// The index of an upper-case ASCII byte in the alphabet `0-9A-HJ-NPQRTUWXY`, or -1.
    /// Arithmetic rather than a table: this runs once per character of every code.
    @inline(__always)
    public static func alphabetIndex(of byte: UInt8) -> Int {
        switch byte {
        case 0x30...0x39: Int(byte &- 0x30)  // 0-9 → 0…9
        case 0x41...0x48: Int(byte &- 0x41) + 10  // A-H → 10…17
        case 0x4A...0x4E: Int(byte &- 0x4A) + 18  // J-N → 18…22
        case 0x50...0x52: Int(byte &- 0x50) + 23  // P Q R → 23…25
        case 0x54, 0x55: Int(byte &- 0x54) + 26  // T U → 26, 27
        case 0x57...0x59: Int(byte &- 0x57) + 28  // W X Y → 28…30
        default: -1
        }
    }

    /// GB 11714 weight of character `position` (9–16): 3 7 9 10 5 8 4 2, which is 2^(17 − position) mod 11.
    @inline(__always)
    static func organizationWeight(at position: Int) -> Int {
        switch position {
        case 9: 3
        case 10: 7
        case 11: 9
        case 12: 10
        case 13: 5
        case 14: 8
        case 15: 4
        default: 2
        }
    }

    /// Validates the code in `raw` (UTF-8 bytes of one field as read); nil when empty.
    ///
    /// The code normalization comes first (full-width folded, blanks removed, letters
    /// upper-cased), then the checks of DATA.md §5 in order, the first failure thrown:
    /// - `uscc_format`: not 18 characters of `0-9A-HJ-NPQRTUWXY`;
    /// - `uscc_check`: character 18 is not (31 − Σ value(cᵢ)·3^(i−1) mod 31) mod 31 over
    ///   characters 1–17;
    /// - `orgcode_check`: character 17 is not 11 − (Σ value(cᵢ)·wᵢ mod 11) over characters
    ///   9–16 with weights 3 7 9 10 5 8 4 2, values 0–9 and A=10…Z=35, 10 → X, 11 → 0.
    ///
    /// Allocates nothing unless it throws.
    public static func parse(_ raw: UnsafeBufferPointer<UInt8>) throws(FieldError) -> USCC? {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        var checkSum = 0
        var weight = 1
        var organizationSum = 0
        var organizationCheck: UInt8 = 0
        var check: UInt8 = 0
        var i = 0
        while i < raw.count {
            var byte = raw[i]
            if let folded = ValueText.foldedByte(raw, at: i) {
                byte = folded
                i += 3
            } else {
                i += 1
            }
            if ValueText.isBlank(byte) { continue }
            if byte >= 0x61, byte <= 0x7A { byte -= 0x20 }
            count += 1
            let index = alphabetIndex(of: byte)
            guard count <= 18, index >= 0 else { throw formatError(raw) }
            if count <= 9 {
                high = high * 31 + UInt64(index)
            } else {
                low = low * 31 + UInt64(index)
            }
            if count <= 17 {
                checkSum += index * weight
                weight = weight * 3 % 31  // GB 32100: 3^(position − 1) mod 31
            }
            if count >= 9, count <= 16 {
                // GB 11714 values: digits as such, letters A=10 … Z=35 (not alphabet indices).
                let value = byte <= 0x39 ? Int(byte &- 0x30) : Int(byte &- 0x41) + 10
                organizationSum += value * organizationWeight(at: count)
            }
            if count == 17 { organizationCheck = byte }
            if count == 18 { check = byte }
        }
        if count == 0 { return nil }
        if count != 18 { throw formatError(raw) }

        let expected = alphabet[(31 - checkSum % 31) % 31]
        if check != expected {
            throw FieldError(
                .usccCheck,
                "\(ValueText.display(raw)): check character is \(ascii(check)), expected \(ascii(expected))")
        }
        let c9 = 11 - organizationSum % 11
        let expectedOrganization: UInt8 = c9 == 10 ? UInt8(ascii: "X") : c9 == 11 ? UInt8(ascii: "0") : UInt8(0x30 + c9)
        if organizationCheck != expectedOrganization {
            throw FieldError(
                .orgcodeCheck,
                "\(ValueText.display(raw)): organization code check digit (character 17) is "
                    + "\(ascii(organizationCheck)), expected \(ascii(expectedOrganization))")
        }
        return USCC(high: high, low: low)
    }

    /// String convenience for ``parse(_:)-(UnsafeBufferPointer<UInt8>)``.
    public static func parse(_ text: String) throws(FieldError) -> USCC? {
        try ValueText.withBytes(of: text) { raw throws(FieldError) in try parse(raw) }
    }

    /// The valid code in `text`; throws also when `text` is empty (`missing_required`).
    public init(validating text: String) throws(FieldError) {
        guard let code = try USCC.parse(text) else {
            throw FieldError(.missingRequired, "the unified social credit code is empty")
        }
        self = code
    }

    private static func ascii(_ byte: UInt8) -> String {
        String(decoding: CollectionOfOne(byte), as: UTF8.self)
    }

    /// The `uscc_format` error for `raw`: its first character outside the alphabet, else its length.
    private static func formatError(_ raw: UnsafeBufferPointer<UInt8>) -> FieldError {
        let shown = ValueText.display(raw)
        let code = ValueText.withBytes(of: shown) { bytes in
            var scratch: [UInt8] = []
            ValueText.normalizeCode(bytes, into: &scratch)
            return String(decoding: scratch, as: UTF8.self)
        }
        for (offset, character) in code.enumerated() {
            let valid = character.asciiValue.map { alphabetIndex(of: $0) >= 0 } ?? false
            if !valid {
                return FieldError(
                    .usccFormat,
                    "\"\(shown)\" has '\(character)' at position \(offset + 1): a USCC uses only 0-9 and "
                        + "A-H, J-N, P, Q, R, T, U, W, X, Y (no I, O, S, V, Z)")
            }
        }
        return FieldError(.usccFormat, "\"\(shown)\" has \(code.count) characters: a USCC has 18")
    }
}
