/// UTF-8 bytes of the CJK characters and symbols the parsers recognise.
enum CJK {
    static let yi: (UInt8, UInt8, UInt8) = (0xE4, 0xBA, 0xBF)  // 亿 U+4EBF
    static let wan: (UInt8, UInt8, UInt8) = (0xE4, 0xB8, 0x87)  // 万 U+4E07
    static let yuan: (UInt8, UInt8, UInt8) = (0xE5, 0x85, 0x83)  // 元 U+5143
    static let fullWidthYen: (UInt8, UInt8, UInt8) = (0xEF, 0xBF, 0xA5)  // ￥ U+FFE5
    static let yen: (UInt8, UInt8) = (0xC2, 0xA5)  // ¥ U+00A5
    static let nian: (UInt8, UInt8, UInt8) = (0xE5, 0xB9, 0xB4)  // 年 U+5E74
    static let yue: (UInt8, UInt8, UInt8) = (0xE6, 0x9C, 0x88)  // 月 U+6708
    static let ri: (UInt8, UInt8, UInt8) = (0xE6, 0x97, 0xA5)  // 日 U+65E5
}
