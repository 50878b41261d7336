import CZlib

/// Streaming gzip decompression on zlib. Accepts multi-member gzip (members concatenated,
/// as written by parallel compressors and by `cat a.gz b.gz`).
final class Inflater {
    // zlib keeps pointers into the z_stream between calls, so it lives on the heap at a
    // stable address for the whole life of the inflater.
    private let stream: UnsafeMutablePointer<z_stream>
    private var finishedMember = false

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: gzip wrapper only (a raw zlib stream is not a .gz file).
        let rc = sectorstats_inflateInit2(stream, 15 + 16)
        guard rc == Z_OK else {
            stream.deallocate()
            throw SectorStatsError(.internalError, "zlib inflateInit2 failed (code \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Whether the last call ended exactly at the end of a gzip member.
    var atMemberEnd: Bool { finishedMember }

    /// Inflates from `input` into `output`. Returns (bytes consumed, bytes produced).
    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int) {
        if finishedMember {
            // The next byte starts a new member.
            guard inflateReset(stream) == Z_OK else {
                throw SectorStatsError(.corruptData, "zlib inflateReset failed")
            }
            finishedMember = false
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let rc = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch rc {
        case Z_OK:
            break
        case Z_STREAM_END:
            finishedMember = true
        case Z_BUF_ERROR:
            // No progress was possible (needs more input or more output): not an error here.
            break
        case Z_DATA_ERROR:
            let msg = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
            throw SectorStatsError(.corruptData, "gzip data is corrupt: \(msg)")
        case Z_MEM_ERROR:
            throw SectorStatsError(.internalError, "zlib ran out of memory")
        default:
            throw SectorStatsError(.corruptData, "zlib inflate failed (code \(rc))")
        }
        return (consumed, produced)
    }
}

/// Streaming gzip compression on zlib with a deterministic header: mtime 0, no file name,
/// a fixed level, so equal content gives equal bytes.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init(level: Int) throws {
        guard (0...9).contains(level) else {
            throw SectorStatsError(.internalError, "gzip level must be 0…9, got \(level)")
        }
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: gzip wrapper. zlib writes mtime 0 and no name unless deflateSetHeader is called.
        let rc = sectorstats_deflateInit2(stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            stream.deallocate()
            throw SectorStatsError(.internalError, "zlib deflateInit2 failed (code \(rc))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses all of `input`, calling `sink` with each piece of output produced.
    /// With `finish`, the gzip trailer is written too and the deflater cannot be reused.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, scratch: UnsafeMutableRawBufferPointer,
                 sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            stream.pointee.next_out = scratch.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(scratch.count)
            let rc = CZlib.deflate(stream, flush)
            let produced = scratch.count - Int(stream.pointee.avail_out)
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: scratch[0..<produced]))
            }
            switch rc {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                if !finish && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
            default:
                throw SectorStatsError(.internalError, "zlib deflate failed (code \(rc))")
            }
        }
    }
}

/// zlib's CRC-32, for checking that a file still holds the bytes it was written with.
enum CRC32 {
    /// The CRC of `bytes` continued from `crc` (0 to start).
    @inline(__always)
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        var crc = uLong(crc)
        var at = 0
        // zlib takes a 32-bit length.
        while at < bytes.count {
            let n = min(bytes.count - at, 1 << 30)
            crc = CZlib.crc32(crc, (base + at).assumingMemoryBound(to: Bytef.self), uInt(n))
            at += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}

/// Whole blocks in zlib's format (`compress2`/`uncompress`), for the sections of a partial
/// that only export or a sequential pass reads: each block is independent.
enum ZlibBlock {
    /// `input` compressed at `level`.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 1) throws -> [UInt8] {
        guard let base = input.baseAddress, !input.isEmpty else { return [] }
        var size = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = out.withUnsafeMutableBufferPointer { dest in
            compress2(dest.baseAddress, &size, base.assumingMemoryBound(to: Bytef.self), uLong(input.count), level)
        }
        guard rc == Z_OK else { throw SectorStatsError(.internalError, "zlib compress2 failed (code \(rc))") }
        out.removeLast(out.count - Int(size))
        return out
    }

    /// Inflates `input` into `output`, which must be exactly the block's raw size; false when
    /// the data is not a block of that size.
    static func uncompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard let src = input.baseAddress, let dest = output.baseAddress else { return input.isEmpty && output.isEmpty }
        var size = uLong(output.count)
        let rc = CZlib.uncompress(dest.assumingMemoryBound(to: Bytef.self), &size, src.assumingMemoryBound(to: Bytef.self),
                                  uLong(input.count))
        return rc == Z_OK && Int(size) == output.count
    }
}

/// One piece of a gzip stream compressed on its own (as pigz does), so that the pieces of a
/// large output can be compressed on several cores: raw deflate of `chunk` primed with
/// `dictionary` (the 32 KiB before it, so that it compresses nearly as well as one
/// stream), ending on a byte boundary (a sync flush), or with the final block when `last`.
/// Concatenated in order between a gzip header and trailer, the pieces are one valid gzip
/// member; the bytes depend on the chunk size and level only, never on the thread count.
/// A stream that is a single piece is byte for byte what zlib's gzip writer gives.
enum DeflateChunk {
    static func compress(_ chunk: UnsafeRawBufferPointer, dictionary: UnsafeRawBufferPointer, level: Int, last: Bool) throws -> [UInt8] {
        // On the heap, as in ``Deflater``: zlib keeps the stream's address and checks it.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // -15: raw deflate, the same 32 KiB window as the gzip writer's 15 + 16.
        var rc = sectorstats_deflateInit2(stream, Int32(level), Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else { throw SectorStatsError(.internalError, "zlib deflateInit2 failed (code \(rc))") }
        defer { deflateEnd(stream) }
        if let base = dictionary.baseAddress, !dictionary.isEmpty {
            rc = deflateSetDictionary(stream, base.assumingMemoryBound(to: Bytef.self), uInt(dictionary.count))
            guard rc == Z_OK else { throw SectorStatsError(.internalError, "zlib deflateSetDictionary failed (code \(rc))") }
        }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(chunk.count))) + 64)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(chunk.count)
        let produced: Int = try out.withUnsafeMutableBytes { buffer in
            stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(buffer.count)
            rc = CZlib.deflate(stream, last ? Z_FINISH : Z_SYNC_FLUSH)
            // A sync flush that filled the buffer exactly may have more to give: refused.
            let done = last ? rc == Z_STREAM_END : (rc == Z_OK && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0)
            guard done else { throw SectorStatsError(.internalError, "zlib deflate of a chunk failed (code \(rc))") }
            return buffer.count - Int(stream.pointee.avail_out)
        }
        out.removeLast(out.count - produced)
        return out
    }

    /// The gzip header zlib writes for `level`: no name, mtime 0, its extra flags, Unix.
    static func header(level: Int) -> [UInt8] {
        let xfl: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
        return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, xfl, 3]
    }
}
