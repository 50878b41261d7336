import Foundation

/// Publication of a run's outputs: the files and their manifest are copied into
/// `OUT/runs/<run-id>/` under a temporary name, renamed into place, and `OUT/latest` is
/// switched to them by renaming a new symlink over the old one — readers see the old set or
/// the new one, never a mix. The last `keepRuns` runs are kept.
public struct Publisher: Sendable {
    /// One file to publish: its name in the run folder, where it is now, its data rows.
    public struct File: Sendable {
        public var name: String
        public var path: String
        public var rows: Int

        public init(name: String, path: String, rows: Int) {
            self.name = name
            self.path = path
            self.rows = rows
        }
    }

    public let outputDirectory: String
    public let keepRuns: Int

    public init(outputDirectory: String, keepRuns: Int = 5) {
        self.outputDirectory = outputDirectory
        self.keepRuns = keepRuns
    }

    var runs: String { outputDirectory + "/runs" }

    /// Publishes `files` with the manifest `manifest(outputs)` makes from their rows and
    /// hashes (sorted by name); returns the run id.
    /// `extras`, when given, writes more files into the run's folder (`folder`, `run id`)
    /// after the manifest and before the folder is published: they are not in the manifest.
    @discardableResult
    public func publish(_ files: [File], manifest: ([Manifest.Output]) throws -> Manifest,
                        extras: ((_ folder: String, _ run: String) throws -> Void)? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        let id = Self.runID()
        let staging = runs + "/.tmp-" + id
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        Cleanup.shared.register(staging)
        defer {
            try? FileManager.default.removeItem(atPath: staging)
            Cleanup.shared.unregister(staging)
        }
        var outputs: [Manifest.Output] = []
        for f in files {
            try FileManager.default.copyItem(atPath: f.path, toPath: staging + "/" + f.name)
            outputs.append(Manifest.Output(file: f.name, rows: f.rows, sha256: try ContentHash.file(f.path).sha256))
        }
        try JSON.write(try manifest(outputs.sorted { $0.file < $1.file }), to: staging + "/manifest.json")
        try extras?(staging, id)
        AtomicFile.syncDirectory(staging)
        try FileManager.default.moveItem(atPath: staging, toPath: runs + "/" + id)
        // Swap OUT/latest atomically: a new symlink renamed over the old one.
        let link = outputDirectory + "/.latest-" + id
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "runs/" + id)
        guard rename(link, outputDirectory + "/latest") == 0 else {
            throw SectorStatsError(.fileNotWritable, file: outputDirectory + "/latest", "cannot publish: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(outputDirectory)
        prune(current: id)
        return id
    }

    static func runID() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date()) + "-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Removes leftovers of killed runs (unfinished run folders and symlinks).
    public func sweep() {
        for n in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [] where n.hasPrefix(".tmp-") {
            try? FileManager.default.removeItem(atPath: runs + "/" + n)
        }
        for n in (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? [] where n.hasPrefix(".latest-") {
            try? FileManager.default.removeItem(atPath: outputDirectory + "/" + n)
        }
    }

    private func prune(current: String) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        for n in names.dropLast(max(keepRuns, 1)) where n != current {
            try? FileManager.default.removeItem(atPath: runs + "/" + n)
        }
    }
}
