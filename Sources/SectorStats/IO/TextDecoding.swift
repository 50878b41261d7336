#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text encodings raw exports come in (DATA.md §3 "Encodings").
public enum TextEncoding: String, Sendable, CaseIterable, Codable {
    case utf8 = "utf-8"
    /// GB18030 (GBK and GB2312 are subsets): files saved on Chinese-locale machines.
    case gb18030 = "gb18030"
}

/// How a source's encoding is chosen: sniffed, or declared in the pipeline file / CLI.
public enum EncodingChoice: Sendable, Equatable {
    case auto
    case fixed(TextEncoding)

    /// Parses `auto`, `utf-8`/`utf8`, `gb18030`/`gbk`/`gb2312` (case-insensitive).
    public init?(name: String) {
        switch name.lowercased() {
        case "auto": self = .auto
        case "utf-8", "utf8": self = .fixed(.utf8)
        case "gb18030", "gbk", "gb2312", "cp936": self = .fixed(.gb18030)
        default: return nil
        }
    }
}

/// The byte that stands in the decoded stream for each byte that was invalid in the source
/// encoding. 0xFF never occurs in valid UTF-8, so the record's UTF-8 validation catches it
/// and the record is reported as `encoding`.
let invalidByteMarker: UInt8 = 0xFF

enum EncodingSniffer {
    /// The encoding of a sample from the start of a file: UTF-8 when it has a UTF-8 BOM or
    /// is valid UTF-8 (a sequence cut by the end of the sample is allowed); UTF-8 also when
    /// valid multi-byte sequences outnumber invalid bytes four to one — a UTF-8 export with
    /// a few corrupt bytes is still UTF-8 (those records are reported as `encoding`), while
    /// GB18030 text almost never forms valid UTF-8 sequences; else GB18030.
    static func sniff(_ sample: UnsafeRawBufferPointer, isWholeFile: Bool) -> TextEncoding {
        let bytes = sample.bindMemory(to: UInt8.self)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return .utf8 }
        var valid = 0
        var invalid = 0
        var i = 0
        while i < bytes.count {
            let rest = UnsafeBufferPointer(rebasing: bytes[i...])
            guard let bad = UTF8Validation.firstInvalid(rest) else { break }
            // Count the valid multi-byte sequences before the bad byte.
            valid += rest[..<bad].reduce(0) { $0 + ($1 >= 0xC0 ? 1 : 0) }
            if !isWholeFile && bad >= rest.count - 3 && UTF8Validation.isTruncatedPrefix(UnsafeBufferPointer(rebasing: rest[bad...])) {
                break
            }
            invalid += 1
            i += bad + 1
        }
        if invalid == 0 { return .utf8 }
        if i < bytes.count { valid += bytes[i...].reduce(0) { $0 + ($1 >= 0xC0 ? 1 : 0) } }
        return valid >= 4 * invalid ? .utf8 : .gb18030
    }
}

/// Decodes a byte stream into UTF-8: strips a UTF-8 BOM at the start; transcodes GB18030
/// with glibc iconv in streaming blocks (a character cut by a block boundary is carried
/// over). Bytes invalid in the source encoding become `invalidByteMarker`.
final class DecodingSource: ByteSource {
    private let input: ByteSource
    let encoding: TextEncoding
    private var atStart: Bool
    private var iconvHandle: iconv_t?
    private var inBuffer: UnsafeMutableRawBufferPointer?
    private var inStart = 0
    private var inEnd = 0
    private var inputEOF = false

    /// `stripBOM` is false for a chunk that does not start at the beginning of the file.
    init(input: ByteSource, encoding: TextEncoding, stripBOM: Bool = true, name: String) throws {
        self.input = input
        self.encoding = encoding
        self.atStart = stripBOM
        if encoding == .gb18030 {
            let cd = iconv_open("UTF-8", "GB18030")
            guard let cd, cd != iconv_t(bitPattern: -1) else {
                throw SectorStatsError(.unsupportedEncoding, file: name, "this system's iconv cannot convert GB18030 to UTF-8")
            }
            iconvHandle = cd
            inBuffer = .allocate(byteCount: 1 << 18, alignment: 16)
        }
    }

    deinit {
        if let iconvHandle { iconv_close(iconvHandle) }
        inBuffer?.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var n: Int
        repeat {
            n = encoding == .utf8 ? try input.read(into: buffer) : try transcode(into: buffer)
            if n == 0 { return 0 }
            if atStart {
                // Strip a BOM; the first read may be shorter than 3 bytes only for tiny files.
                atStart = false
                let b = buffer.bindMemory(to: UInt8.self)
                if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                    if n > 3 { memmove(buffer.baseAddress!, buffer.baseAddress! + 3, n - 3) }
                    n -= 3
                }
            }
        } while n == 0
        return n
    }

    private func transcode(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let cd = iconvHandle, let inBuffer else { return 0 }
        // Leave room so that one whole character (at most 4 UTF-8 bytes) always fits.
        guard out.count >= 8 else { return 0 }
        var produced = 0
        while produced < out.count - 4 {
            if inStart == inEnd || (!inputEOF && inEnd - inStart < 4) {
                // Refill, carrying over an incomplete character.
                if inStart > 0 {
                    let tail = inEnd - inStart
                    if tail > 0 { memmove(inBuffer.baseAddress!, inBuffer.baseAddress! + inStart, tail) }
                    inStart = 0
                    inEnd = tail
                }
                if !inputEOF {
                    let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: inBuffer[inEnd...]))
                    if n == 0 { inputEOF = true } else { inEnd += n }
                }
                if inStart == inEnd { break }
            }
            var inPtr: UnsafeMutablePointer<CChar>? = (inBuffer.baseAddress! + inStart).assumingMemoryBound(to: CChar.self)
            var inLeft = inEnd - inStart
            var outPtr: UnsafeMutablePointer<CChar>? = (out.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
            var outLeft = out.count - produced
            let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            let err = errno
            inStart = inEnd - inLeft
            produced = out.count - outLeft
            if rc != -1 { continue }
            switch err {
            case E2BIG:
                return produced
            case EINVAL:
                // An incomplete character at the end of the input block.
                if inputEOF {
                    // Truncated at end of file: every remaining byte is invalid.
                    while inStart < inEnd && produced < out.count {
                        out[produced] = invalidByteMarker
                        produced += 1
                        inStart += 1
                    }
                } else if inStart > 0 || inEnd < inBuffer.count {
                    // Force a refill that carries the tail over.
                    let tail = inEnd - inStart
                    memmove(inBuffer.baseAddress!, inBuffer.baseAddress! + inStart, tail)
                    inStart = 0
                    inEnd = tail
                    let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: inBuffer[inEnd...]))
                    if n == 0 { inputEOF = true } else { inEnd += n }
                }
            case EILSEQ:
                // iconv may fill the output and then meet the bad byte: mark it next read.
                if produced == out.count { return produced }
                out[produced] = invalidByteMarker
                produced += 1
                inStart += 1
            default:
                throw SectorStatsError(.corruptData, "iconv failed: \(String(cString: strerror(err)))")
            }
        }
        return produced
    }
}
