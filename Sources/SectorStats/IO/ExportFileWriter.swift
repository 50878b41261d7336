#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a raw export the way spreadsheet software and registry systems save them: UTF-8
/// (with or without a byte-order mark) or GB18030, plain or gzip-compressed, published
/// atomically. Takes UTF-8 text; bytes that are not valid UTF-8 are written through
/// unchanged, which is how the synthetic-export generator plants an `encoding` defect.
public final class ExportFileWriter {
    private let plain: AtomicFile?
    private let gzip: GzipFileWriter?
    private let encoder: GB18030Encoder?
    private var encoded: [UInt8] = []
    /// Bytes of the file's content before compression, BOM included.
    public private(set) var contentBytes = 0

    public init(path: String, encoding: TextEncoding, byteOrderMark: Bool, gzip: Bool, gzipLevel: Int = 6) throws {
        if gzip {
            self.gzip = try GzipFileWriter(path: path, level: gzipLevel)
            self.plain = nil
        } else {
            self.plain = try AtomicFile(path: path)
            self.gzip = nil
        }
        encoder = encoding == .gb18030 ? try GB18030Encoder(name: path) : nil
        // Only UTF-8 files carry a byte-order mark in practice (and only it is sniffed).
        if byteOrderMark, encoding == .utf8 {
            try [UInt8]([0xEF, 0xBB, 0xBF]).withUnsafeBytes { try emit($0) }
        }
    }

    /// Writes UTF-8 text, transcoded to the file's encoding.
    public func write(utf8 bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let encoder else {
            try emit(UnsafeRawBufferPointer(bytes))
            return
        }
        encoded.removeAll(keepingCapacity: true)
        encoder.encode(bytes, into: &encoded)
        try encoded.withUnsafeBytes { try emit($0) }
    }

    /// Writes bytes already in the file's encoding (see ``GB18030Encoder``).
    public func write(encoded bytes: UnsafeRawBufferPointer) throws {
        try emit(bytes)
    }

    /// Flushes and publishes the file under its final name.
    public func commit() throws {
        if let gzip { try gzip.commit() }
        if let plain { try plain.commit() }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        contentBytes += bytes.count
        if let gzip { try gzip.write(bytes) }
        if let plain { try plain.write(bytes) }
    }
}

/// UTF-8 → GB18030 with glibc iconv, for whole pieces of text (no character is ever cut
/// between calls). A byte iconv rejects as UTF-8 is copied through as it is.
public final class GB18030Encoder {
    // Each worker thread owns its own encoder: an iconv handle keeps conversion state.
    private let handle: iconv_t

    public init(name: String) throws {
        let cd = iconv_open("GB18030", "UTF-8")
        guard let cd, cd != iconv_t(bitPattern: -1) else {
            throw SectorStatsError(.unsupportedEncoding, file: name, "this system's iconv cannot convert UTF-8 to GB18030")
        }
        handle = cd
    }

    deinit { iconv_close(handle) }

    public func encode(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        // GB18030 needs at most 4 bytes per character and UTF-8 at least 1, so 4× always fits.
        let encoded = [UInt8](unsafeUninitializedCapacity: input.count * 4 + 16) { buffer, initialized in
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: CChar.self)
            var inLeft = input.count
            var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var outLeft = buffer.count
            while inLeft > 0 {
                if iconv(handle, &inPtr, &inLeft, &outPtr, &outLeft) != -1 { break }
                // EILSEQ, or EINVAL for a sequence cut short: pass the byte through unchanged.
                outPtr!.pointee = inPtr!.pointee
                outPtr = outPtr! + 1
                outLeft -= 1
                inPtr = inPtr! + 1
                inLeft -= 1
            }
            _ = iconv(handle, nil, nil, nil, nil)
            initialized = buffer.count - outLeft
        }
        out.append(contentsOf: encoded)
    }
}

extension ExportFileWriter {
    /// `text` with CRLF line ends, as Excel and RFC 4180 expect. With `quoted` (CSV), line
    /// breaks inside quoted fields are cell content and stay as they are.
    public static func crlfLineEnds(_ text: String, quoted: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 16)
        var inQuotes = false
        var previous: UInt8 = 0
        for b in text.utf8 {
            if quoted, b == UInt8(ascii: "\"") { inQuotes.toggle() }
            if b == 0x0A, !inQuotes, previous != 0x0D { out.append(0x0D) }
            out.append(b)
            previous = b
        }
        return String(decoding: out, as: UTF8.self)
    }
}
