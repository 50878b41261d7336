import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What sectorstats keeps inside an output folder, and the rule that it never follows a
/// symbolic link there that it did not make: a link where it keeps a folder or file could
/// make a run write, or pruning delete, outside OUT. The one link it makes is `latest`
/// (to `runs/<run-id>`). OUT itself may be a link: that is the user's choice of folder.
public enum OutputLayout {
    public enum Kind: Sendable { case folder, file }

    /// The entries of OUT (and of OUT/stages) and what each must be when present.
    static let entries: [(path: String, kind: Kind)] = [
        (".lock", .file), (PipelineRunner.statusFile, .file), ("runs", .folder), ("stages", .folder),
        ("stages/partials", .folder),
    ] + StageName.allCases.map { ("stages/" + $0.folderName, .folder) }

    /// Refuses an output folder where an entry sectorstats keeps is a link or of another
    /// kind, or where `latest` is not the link it makes. Missing entries are fine.
    public static func check(_ out: String) throws {
        for (path, kind) in entries { try check(out + "/" + path, kind, in: out) }
        if let type = fileType(out + "/latest"), type != S_IFLNK || Publisher.runID(inLink: out + "/latest") == nil {
            throw SectorStatsError(.unsafeOutputFolder, file: out + "/latest",
                                   "is not the link to runs/<run-id> that sectorstats makes; it would be replaced by the next publication: move it away, or choose another --out")
        }
    }

    /// Creates `path` as a folder when missing; refuses a link or a file in its place.
    public static func makeFolder(_ path: String, in out: String) throws {
        if fileType(path) == nil {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) } catch {
                if fileType(path) == nil { throw SectorStatsError(describing: error) }
            }
        }
        try check(path, .folder, in: out)
    }

    static func check(_ path: String, _ kind: Kind, in out: String) throws {
        guard let type = fileType(path) else { return }
        let name = path.hasPrefix(out + "/") ? "OUT/" + path.dropFirst(out.count + 1) : path
        if type == S_IFLNK {
            throw SectorStatsError(.unsafeOutputFolder, file: path,
                                   "\(name) is a symbolic link; sectorstats never follows a link inside its output folder (it could write or delete elsewhere): remove the link, or choose another --out")
        }
        if kind == .folder && type != S_IFDIR {
            throw SectorStatsError(.unsafeOutputFolder, file: path, "\(name) should be a folder sectorstats made, and is not: move it away, or choose another --out")
        }
        if kind == .file && type != S_IFREG {
            throw SectorStatsError(.unsafeOutputFolder, file: path, "\(name) should be a file sectorstats made, and is not: move it away, or choose another --out")
        }
    }

    /// The type bits of `path` itself (not of what a link points to); nil when missing.
    public static func fileType(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & S_IFMT
    }

    /// Whether `path` is a real folder (not a link to one).
    public static func isFolder(_ path: String) -> Bool { fileType(path) == S_IFDIR }
}
