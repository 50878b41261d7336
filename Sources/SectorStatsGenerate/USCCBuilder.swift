import SectorStats
/// Builds unified social credit codes from the rules of GB 32100-2015 and GB 11714, and
/// the deliberately broken variants the generator plants as defects.
enum USCCBuilder {
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)

    /// Characters for position 9 once the seven-digit serial space of "5" is used up.
    private static let overflowLeads: [UInt8] = Array("5678ABCDEFGHKLNPQRTUWY".utf8)

    /// A valid code: `5` (civil affairs), the category character, the six-digit region,
    /// an organization code unique to `serial`, and both check characters.
    ///
    /// Organization codes: `MJ` + six digits for organizations registered from 2016 on
    /// (as newer codes are) while `serial` < 10^6, else a lead character and seven digits.
    /// Both spaces are bijections of the serial, so distinct serials give distinct codes.
    static func make(category: UInt8, region: Int, serial: Int, modern: Bool) -> [UInt8] {
        var code = [UInt8](repeating: 0x30, count: 18)
        code[0] = UInt8(ascii: "5")
        code[1] = category
        var r = region
        for i in stride(from: 7, through: 2, by: -1) {
            code[i] = UInt8(0x30 + r % 10)
            r /= 10
        }
        if modern && serial < 1_000_000 {
            code[8] = UInt8(ascii: "M")
            code[9] = UInt8(ascii: "J")
            writeDigits(&code, from: 10, count: 6, value: (serial &* 7_919 &+ 104_729) % 1_000_000)
        } else {
            code[8] = overflowLeads[min(serial / 10_000_000, overflowLeads.count - 1)]
            writeDigits(&code, from: 9, count: 7, value: (serial % 10_000_000 &* 7_919 &+ 3_571) % 10_000_000)
        }
        code[16] = organizationCheck(code)
        code[17] = creditCheck(code)
        return code
    }

    private static func writeDigits(_ code: inout [UInt8], from start: Int, count: Int, value: Int) {
        var v = value
        for i in stride(from: start + count - 1, through: start, by: -1) {
            code[i] = UInt8(0x30 + v % 10)
            v /= 10
        }
    }

    /// GB 11714 check character over characters 9–16 (indices 8–15).
    static func organizationCheck(_ code: [UInt8]) -> UInt8 {
        let weights = [3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<8 {
            let b = code[8 + i]
            let value = b <= 0x39 ? Int(b - 0x30) : Int(b - 0x41) + 10
            sum += value * weights[i]
        }
        let c = 11 - sum % 11
        return c == 10 ? UInt8(ascii: "X") : c == 11 ? UInt8(ascii: "0") : UInt8(0x30 + c)
    }

    /// GB 32100 check character over characters 1–17 (indices 0–16).
    static func creditCheck(_ code: [UInt8]) -> UInt8 {
        var sum = 0
        var weight = 1
        for i in 0..<17 {
            sum += USCC.alphabetIndex(of: code[i]) * weight
            weight = weight * 3 % 31
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The code with its check character (18) replaced by another valid character.
    static func breakCreditCheck(_ code: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var broken = code
        let index = alphabet.firstIndex(of: code[17])!
        broken[17] = alphabet[(index + 1 + rng.below(30)) % 31]
        return broken
    }

    /// The code with a wrong organization check digit (17) but a matching character 18.
    static func breakOrganizationCheck(_ code: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var broken = code
        let digits: [UInt8] = Array("0123456789X".utf8)
        let index = digits.firstIndex(of: code[16])!
        broken[16] = digits[(index + 1 + rng.below(10)) % 11]
        broken[17] = creditCheck(broken)
        return broken
    }

    /// A code of the wrong shape: a character outside the alphabet, or the wrong length.
    static func breakFormat(_ code: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var broken = code
        switch rng.below(4) {
        case 0: broken.removeLast()
        case 1: broken.append(alphabet[rng.below(31)])
        case 2: broken[8 + rng.below(8)] = Array("IOSVZ".utf8)[rng.below(5)]
        default: broken[2 + rng.below(6)] = UInt8(ascii: "O")
        }
        return broken
    }
}
