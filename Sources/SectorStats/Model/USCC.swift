/// A valid unified social credit code (统一社会信用代码, GB 32100-2015): the key of an
/// organization.
///
/// Sixteen bytes: the 18 characters as indices into the 31-character alphabet
/// `0-9A-HJ-NPQRTUWXY`, characters 1–9 and 10–18 each packed base 31 into one integer.
/// The alphabet is in ASCII order, so comparing values orders codes as their text does.
/// Values exist only for codes that passed ``parse(_:)-(UnsafeBufferPointer<UInt8>)``.
public struct USCC: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Characters 1–9, base 31, character 1 most significant.
    let high: UInt64
    /// Characters 10–18, base 31, character 10 most significant.
    let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 31 characters a USCC is written with, in ASCII order (no I, O, S, V, Z).
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)

    /// 31^0 ... 31^8.
    private static let powers: [UInt64] = (0..<9).map { exponent in
        (0..<exponent).reduce(UInt64(1)) { product, _ in product * 31 }
    }

    /// The ASCII byte of character `position` (1-based, 1...18).
    public func byte(at position: Int) -> UInt8 {
        precondition((1...18).contains(position), "USCC positions are 1...18")
        let index = position <= 9
            ? high / USCC.powers[9 - position] % 31
            : low / USCC.powers[18 - position] % 31
        return USCC.alphabet[Int(index)]
    }

    /// The 18-character code.
    public var description: String {
        String(unsafeUninitializedCapacity: 18) { buffer in
            for position in 1...18 { buffer[position - 1] = byte(at: position) }
            return 18
        }
    }

    /// Calls `body` with the 18 ASCII bytes of the code (no String).
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 18) { buffer in
            var (high, low) = (high, low)
            for position in stride(from: 8, through: 0, by: -1) {
                buffer[position] = USCC.alphabet[Int(high % 31)]
                buffer[position + 9] = USCC.alphabet[Int(low % 31)]
                high /= 31
                low /= 31
            }
            return body(UnsafeBufferPointer(buffer))
        }
    }

    /// The organization category of character 2: 1 association, 2 social_service,
    /// 3 foundation, 9 other; nil for any other character.
    ///
    /// Read the same whatever the registration department (character 1) is, as DATA.md §1 does.
    public var category: OrgType? {
        switch byte(at: 2) {
        case UInt8(ascii: "1"): .association
        case UInt8(ascii: "2"): .socialService
        case UInt8(ascii: "3"): .foundation
        case UInt8(ascii: "9"): .other
        default: nil
        }
    }

    /// Characters 3–8, the GB/T 2260 division code at issue, or nil when they are not all digits.
    public var regionCode: Int? {
        var code = 0
        for position in 3...8 {
            let byte = byte(at: position)
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            code = code * 10 + Int(byte - 0x30)
        }
        return code
    }

    /// Characters 3–8 as written.
    public var regionCodeText: String {
        String(description.dropFirst(2).prefix(6))
    }

    /// Characters 9–17: the GB 11714 organization code, its check digit last.
    public var organizationCode: String {
        String(description.dropFirst(8).prefix(9))
    }

    public static func < (lhs: USCC, rhs: USCC) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
