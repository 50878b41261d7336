/// JSON string encoding for JSON Lines output (RFC 8259): quotes, backslashes and control
/// characters escaped — C0 as RFC 8259 requires, DEL and C1 too, so that a terminal showing
/// the output acts on none of them; other UTF-8 passed through as is.
enum JSONLines {
    private static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            // C1 controls U+0080…U+009F are C2 80…C2 9F in UTF-8.
            if b == 0xC2, i < bytes.count, (0x80...0x9F).contains(bytes[i]) {
                let c = bytes[i]
                i += 1
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                continue
            }
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// One JSON array of strings.
    static func array(of fields: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            var f = f
            f.withUTF8 { appendString($0, to: &out) }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
