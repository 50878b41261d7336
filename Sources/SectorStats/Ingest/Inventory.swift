import Foundation

/// The ingest stage's output: every input file of the run with its content hash and what
/// the reader makes of it (encoding, delimiter, header). Later stages read the raw files
/// it lists; copying gigabytes of raw exports into the stage folder would buy nothing.
public struct Inventory: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// The path as given (glob expanded), for the manifest.
        public var path: String
        /// The resolved path used for reading.
        public var resolvedPath: String
        public var file: String
        public var bytes: Int64
        public var sha256: String
        public var encoding: String
        public var delimiter: String
        public var aliases: [String: String]
        public var header: [String]

        var inputFile: InputFile {
            InputFile(path: resolvedPath,
                      read: CSVReadOptions(encoding: EncodingChoice(name: encoding) ?? .auto, delimiter: delimiter.utf8.first ?? UInt8(ascii: ",")),
                      aliases: aliases)
        }
    }

    public var registrations: [File]
    public var funding: [File]
}

/// Glob expansion (`*`, `?`, `[…]` in the last path components), sorted by name as DATA.md
/// §4 requires for the order of registration files.
enum PathGlob {
    static func expand(_ pattern: String, relativeTo base: String) throws -> [(given: String, resolved: String)] {
        let resolved = pattern.hasPrefix("/") ? pattern : base + "/" + pattern
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw SectorStatsError(.fileNotReadable, file: pattern, "no such file (looked for \(resolved))")
            }
            return [(pattern, resolved)]
        }
        var g = glob_t()
        defer { globfree(&g) }
        let rc = glob(resolved, 0, nil, &g)
        guard rc == 0 else {
            throw SectorStatsError(.fileNotReadable, file: pattern, "the pattern matches no file (looked for \(resolved))")
        }
        var out: [(String, String)] = []
        for i in 0..<Int(g.gl_pathc) {
            guard let p = g.gl_pathv[i] else { continue }
            let r = String(cString: p)
            // Keep the pattern's own prefix in the given form.
            let given = r.hasPrefix(base + "/") && !pattern.hasPrefix("/") ? String(r.dropFirst(base.count + 1)) : r
            out.append((given, r))
        }
        return out.sorted { $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) }
    }
}
