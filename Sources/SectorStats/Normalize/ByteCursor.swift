/// A read position in the bytes of one normalized value, for the hand-written parsers.
///
/// With `skipsSpaces` every read first steps over spaces, which is how the amount
/// grammar's "all spaces removed" is applied without copying the value.
struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let skipsSpaces: Bool
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, skipsSpaces: Bool = false) {
        self.bytes = bytes
        self.skipsSpaces = skipsSpaces
    }

    private mutating func settle() {
        guard skipsSpaces else { return }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
    }

    var isAtEnd: Bool {
        mutating get {
            settle()
            return index >= bytes.count
        }
    }

    /// The next byte, without consuming it.
    mutating func peek() -> UInt8? {
        settle()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// Consumes the two-byte sequence `a b` if it is next.
    mutating func consume(_ a: UInt8, _ b: UInt8) -> Bool {
        settle()
        guard index + 1 < bytes.count, bytes[index] == a, bytes[index + 1] == b else { return false }
        index += 2
        return true
    }

    /// Consumes the three-byte sequence `a b c` (one CJK character) if it is next.
    mutating func consume(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        settle()
        guard index + 2 < bytes.count, bytes[index] == a, bytes[index + 1] == b, bytes[index + 2] == c else {
            return false
        }
        index += 3
        return true
    }

    /// Consumes the next byte if it is an ASCII digit and returns its value.
    mutating func digit() -> Int64? {
        guard let byte = peek(), byte >= 0x30, byte <= 0x39 else { return nil }
        index += 1
        return Int64(byte &- 0x30)
    }

    /// Consumes a run of 1...`maxCount` digits and returns its value and length; nil when
    /// no digit is next. Stops before the (`maxCount` + 1)th digit.
    mutating func number(maxCount: Int) -> (value: Int, count: Int)? {
        var value = 0
        var count = 0
        while count < maxCount, let d = digit() {
            value = value * 10 + Int(d)
            count += 1
        }
        return count == 0 ? nil : (value, count)
    }
}

extension ByteCursor {
    mutating func consume(_ character: (UInt8, UInt8, UInt8)) -> Bool {
        consume(character.0, character.1, character.2)
    }

    mutating func consume(_ character: (UInt8, UInt8)) -> Bool {
        consume(character.0, character.1)
    }
}
