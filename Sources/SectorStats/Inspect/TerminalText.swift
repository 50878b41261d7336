/// Text from the data made safe for a terminal: control characters that a terminal would act
/// on (ESC sequences clear the screen, move the cursor, set the title) are shown as escapes.
public enum TerminalText {
    /// The visible form of a scalar a terminal would act on rather than show, else nil:
    /// C0 controls, DEL and C1 controls as `\xHH`; line/paragraph separators and bidi
    /// overrides and isolates (which reorder what follows) as `\uHHHH`.
    public static func escape(_ s: Unicode.Scalar) -> String? {
        let v = s.value
        switch v {
        case 0x00...0x1F, 0x7F...0x9F: return "\\x" + hex(v, digits: 2)
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return "\\u" + hex(v, digits: 4)
        default: return nil
        }
    }

    /// `s` with every scalar ``escape(_:)`` names escaped; with `keepingNewlines`, LF stays
    /// (messages of several lines).
    public static func escaped(_ s: String, keepingNewlines: Bool = false) -> String {
        guard mayNeedEscaping(s) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            if keepingNewlines && scalar == "\n" {
                out.unicodeScalars.append(scalar)
            } else if let e = escape(scalar) {
                out += e
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A quick test on the UTF-8 bytes: false when no byte can start an escaped scalar.
    static func mayNeedEscaping(_ s: String) -> Bool {
        s.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xD8 || $0 == 0xE2 }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }
}
