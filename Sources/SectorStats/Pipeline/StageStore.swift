import Synchronization
import Foundation

/// The four stages, in order. Each persists its outputs under `OUT/stages/<nn>_<stage>/`.
public enum StageName: String, CaseIterable, Sendable, Codable, Comparable {
    case ingest, normalize, aggregate, export

    public var folderName: String {
        switch self {
        case .ingest: "01_ingest"
        case .normalize: "02_normalize"
        case .aggregate: "03_aggregate"
        case .export: "04_export"
        }
    }

    public var index: Int { StageName.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: StageName, b: StageName) -> Bool { a.index < b.index }
}

/// What a stage recorded when it finished: its key and its outputs, so that a later run
/// can tell whether it is fresh (same key, outputs intact).
public struct StageRecord: Codable, Sendable, Equatable {
    public struct Output: Codable, Sendable, Equatable {
        public var file: String
        public var bytes: Int64
        public var sha256: String
    }

    public var stage: StageName
    /// SHA-256 over the stage's inputs' content hashes, its settings and the program version.
    public var key: String
    /// The settings that went into the key, for `stages` to say what changed.
    public var keyParts: [String: String]
    public var outputs: [Output]
    public var finishedAt: String
    public var seconds: Double
}

/// Reads and writes stage folders; a stage's folder is replaced as a whole (built under a
/// temporary name, then renamed into place) so it is never half-written.
struct StageStore {
    let root: String   // OUT/stages

    func folder(_ s: StageName) -> String { root + "/" + s.folderName }

    func record(_ s: StageName) -> StageRecord? {
        guard let data = FileManager.default.contents(atPath: folder(s) + "/stage.json") else { return nil }
        return try? JSONDecoder().decode(StageRecord.self, from: data)
    }

    /// Whether the recorded outputs are all there with their recorded sizes.
    func intact(_ r: StageRecord) -> Bool {
        r.outputs.allSatisfy { o in
            let attrs = try? FileManager.default.attributesOfItem(atPath: folder(r.stage) + "/" + o.file)
            return (attrs?[.size] as? NSNumber)?.int64Value == o.bytes
        }
    }

    /// A fresh temporary folder for building a stage's outputs.
    func begin(_ s: StageName) throws -> String {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let tmp = root + "/.tmp-" + s.folderName + "-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        Cleanup.shared.register(tmp)
        return tmp
    }

    /// Hashes the outputs, writes stage.json last, and swaps the folder into place.
    /// `known`: hashes computed while the stage wrote the file (by file name), taken when
    /// the file still has the size they were computed for.
    func commit(_ s: StageName, tmp: String, key: String, keyParts: [String: String], outputs: [String], seconds: Double,
                known: [String: (sha256: String, bytes: Int64)] = [:]) throws -> StageRecord {
        func size(_ file: String) -> Int64? {
            ((try? FileManager.default.attributesOfItem(atPath: tmp + "/" + file))?[.size] as? NSNumber)?.int64Value
        }
        let unknown = outputs.filter { file in known[file].map { size(file) != $0.bytes } ?? true }
        var hashes = known
        for (file, h) in zip(unknown, try ContentHash.files(unknown.map { tmp + "/" + $0 })) { hashes[file] = h }
        let recorded = try outputs.map { file in
            guard let h = hashes[file] else { throw SectorStatsError(.internalError, file: file, "the output was not hashed") }
            return StageRecord.Output(file: file, bytes: h.bytes, sha256: h.sha256)
        }
        let record = StageRecord(stage: s, key: key, keyParts: keyParts, outputs: recorded,
                                 finishedAt: Timestamp.now(), seconds: seconds)
        try JSON.write(record, to: tmp + "/stage.json")
        // Into place in one step that a stop by signal waits for (it removes `tmp` otherwise).
        try StopGate.shared.step {
            let final = folder(s)
            let old = root + "/.old-" + s.folderName + "-\(ProcessInfo.processInfo.processIdentifier)"
            if FileManager.default.fileExists(atPath: final) {
                try FileManager.default.moveItem(atPath: final, toPath: old)
            }
            try FileManager.default.moveItem(atPath: tmp, toPath: final)
            Cleanup.shared.unregister(tmp)
            try? FileManager.default.removeItem(atPath: old)
            AtomicFile.syncDirectory(root)
        }
        return record
    }

    /// Removes leftovers of killed runs (temporary and old stage folders).
    func sweep() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for n in names where (n.hasPrefix(".tmp-") || n.hasPrefix(".old-")) && OutputLayout.isFolder(root + "/" + n) {
            try? FileManager.default.removeItem(atPath: root + "/" + n)
        }
    }
}

/// Temporary paths to remove if the run is stopped by a signal.
final class Cleanup: Sendable {
    static let shared = Cleanup()
    private let paths = Mutex<Set<String>>([])

    func register(_ p: String) { paths.withLock { _ = $0.insert(p) } }
    func unregister(_ p: String) { paths.withLock { _ = $0.remove(p) } }
    func removeAll() {
        let all = paths.withLock { p -> Set<String> in
            let copy = p
            p.removeAll()
            return copy
        }
        for p in all { try? FileManager.default.removeItem(atPath: p) }
    }
}

enum Timestamp {
    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}

enum JSON {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static func write<T: Encodable>(_ value: T, to path: String) throws {
        try staged(value, to: path).commit()
    }

    /// Writes `value` durably under a temporary name; `commit()` then renames it into place.
    static func staged<T: Encodable>(_ value: T, to path: String) throws -> AtomicFile {
        var data = try encoder().encode(value)
        data.append(0x0A)
        let f = try AtomicFile(path: path)
        try data.withUnsafeBytes { try f.write($0) }
        try f.sync()
        return f
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SectorStatsError(.missingStageInput, file: path, "missing")
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// For the CLI's signal handler: removes the temporary folders of the stage being built.
public enum SectorStatsCleanup {
    public static func removeTemporaryWork() { Cleanup.shared.removeAll() }
}
