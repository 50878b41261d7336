import Foundation

/// The GB/T 2260 tables of `datasets/reference`, compiled into the binary (from
/// `ReferenceTables+Generated.swift`) so that an installed binary runs from any folder.
/// A reference folder given by the user still overrides them.
public enum ReferenceTables {
    /// The reference "folder" that selects the embedded tables, wherever a folder path is
    /// expected (`RunRequest.referenceDirectory`, `RegionTable(folder:)`, `PartialJob.referenceHash(of:)`).
    public static let embeddedPath = "(embedded)"

    /// Whether `folder` names the embedded tables: the sentinel, as given or made absolute,
    /// unless a real folder of that name holds reference files.
    public static func isEmbedded(_ folder: String) -> Bool {
        guard folder == embeddedPath || folder.hasSuffix("/" + embeddedPath) else { return false }
        return !FileManager.default.fileExists(atPath: folder + "/" + RegionTable.regionsFileName)
    }

    /// The bytes of `regions.csv` and `regions_history.csv`, decompressed once.
    public static func bytes() throws -> (regions: [UInt8], history: [UInt8]) {
        try decoded.get()
    }

    private static let decoded: Result<(regions: [UInt8], history: [UInt8]), any Error> = Result {
        (try inflate(regionsGzipBase64, RegionTable.regionsFileName), try inflate(historyGzipBase64, RegionTable.historyFileName))
    }

    private static func inflate(_ base64: String, _ name: String) throws -> [UInt8] {
        guard let gz = Data(base64Encoded: base64) else {
            throw SectorStatsError(.internalError, file: embeddedPath + "/" + name, "the embedded table is not valid base64")
        }
        let source = try GzipByteSource(input: PrefixedSource(prefix: [UInt8](gz), rest: EmptyByteSource()), name: embeddedPath + "/" + name)
        var out: [UInt8] = []
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { block.deallocate() }
        while true {
            let n = try source.read(into: block)
            if n == 0 { return out }
            out.append(contentsOf: block.prefix(n))
        }
    }

    /// SHA-256 over the two tables' SHA-256s: `PartialJob.referenceHash(of:)` of a folder
    /// holding the same bytes.
    static func hash() throws -> String {
        let b = try bytes()
        return ContentHash.text([ContentHash.bytes(b.regions), ContentHash.bytes(b.history)].joined(separator: ","))
    }
}

/// A source with nothing in it (the end of an in-memory stream).
final class EmptyByteSource: ByteSource {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { 0 }
}
