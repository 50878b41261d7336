extension USCC {
    /// GB 32100 weights of characters 1–17: 3^i mod 31 for i = 0...16.
    static let checkWeights: [Int] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// GB 11714 weights of characters 9–16.
    static let organizationWeights: [Int] = [3, 7, 9, 10, 5, 8, 4, 2]

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
            guard count <= 18, byte < 0x80, case let index = Int(alphabetIndex[Int(byte)]), index >= 0 else {
                throw formatError(raw)
            }
            if count <= 9 {
                high = high * 31 + UInt64(index)
            } else {
                low = low * 31 + UInt64(index)
            }
            if count <= 17 { checkSum += index * checkWeights[count - 1] }
            if count >= 9, count <= 16 {
                // GB 11714 values: digits as such, letters A=10 … Z=35 (not alphabet indices).
                let value = byte <= 0x39 ? Int(byte - 0x30) : Int(byte - 0x41) + 10
                organizationSum += value * organizationWeights[count - 9]
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
            let valid = character.asciiValue.map { $0 < 0x80 && alphabetIndex[Int($0)] >= 0 } ?? false
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
