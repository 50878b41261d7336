import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Publication of a run's outputs in three moves: the files and their manifest are copied into
/// `OUT/runs/.tmp-<run-id>/` (``stage(_:manifest:extras:)``); that folder is renamed to
/// `OUT/runs/<run-id>/` (``install(_:)``); `OUT/latest` is switched to it by renaming a new
/// symlink over the old one (``switchLatest(to:)``) — the one step that changes what readers
/// see, so they see the old set or the new one, never a mix. The last `keepRuns` runs are
/// kept; only folders named and filled as runs are pruned, and no link inside OUT is followed.
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

    /// A run folder built completely under its temporary name, not yet published.
    public struct Staged: Sendable {
        public let id: String
        let folder: String
    }

    public let outputDirectory: String
    public let keepRuns: Int

    public init(outputDirectory: String, keepRuns: Int = 5) {
        self.outputDirectory = outputDirectory
        self.keepRuns = keepRuns
    }

    var runs: String { outputDirectory + "/runs" }

    /// Builds the run folder of `files` with the manifest `manifest(outputs)` makes from their
    /// rows and hashes (sorted by name), durable, under a temporary name (removed if a signal
    /// stops the run). `extras`, when given, writes more files into the folder (`folder`,
    /// `run id`) after the manifest: they are not in the manifest.
    public func stage(_ files: [File], manifest: ([Manifest.Output]) throws -> Manifest,
                      extras: ((_ folder: String, _ run: String) throws -> Void)? = nil) throws -> Staged {
        try OutputLayout.makeFolder(runs, in: outputDirectory)
        let id = Self.runID()
        let staging = runs + "/.tmp-" + id
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        Cleanup.shared.register(staging)
        do {
            var outputs: [Manifest.Output] = []
            for f in files {
                do { try FileManager.default.copyItem(atPath: f.path, toPath: staging + "/" + f.name) } catch {
                    // Foundation names the source; what failed is the copy into the run folder.
                    throw SectorStatsError(.fileNotWritable, file: staging + "/" + f.name,
                                           "cannot copy \(f.name) into the run folder: \(SectorStatsError(describing: error).message)")
                }
                outputs.append(Manifest.Output(file: f.name, rows: f.rows, sha256: try ContentHash.file(f.path).sha256))
            }
            try JSON.write(try manifest(outputs.sorted { $0.file < $1.file }), to: staging + "/" + Self.manifestFile)
            try extras?(staging, id)
            AtomicFile.syncDirectory(staging)
        } catch {
            unstage(Staged(id: id, folder: staging))
            throw error
        }
        return Staged(id: id, folder: staging)
    }

    /// Removes a staged run folder that will not be published.
    public func unstage(_ s: Staged) {
        try? FileManager.default.removeItem(atPath: s.folder)
        Cleanup.shared.unregister(s.folder)
    }

    /// The staged run folder of run `id`, when it is there.
    public func staged(_ id: String) -> Staged? {
        let folder = runs + "/.tmp-" + id
        return OutputLayout.isFolder(folder) ? Staged(id: id, folder: folder) : nil
    }

    /// Renames the staged folder to `runs/<id>`: complete, not yet `latest`.
    public func install(_ s: Staged) throws {
        try OutputLayout.makeFolder(runs, in: outputDirectory)
        guard rename(s.folder, runs + "/" + s.id) == 0 else {
            throw SectorStatsError(.fileNotWritable, file: runs + "/" + s.id, "cannot publish: \(String(cString: strerror(errno)))")
        }
        Cleanup.shared.unregister(s.folder)
        AtomicFile.syncDirectory(runs)
    }

    /// Switches `OUT/latest` to `runs/<id>` in one rename: the step that publishes.
    public func switchLatest(to id: String) throws {
        let link = outputDirectory + "/.latest-" + id
        unlink(link)
        guard symlink("runs/" + id, link) == 0 else {
            throw SectorStatsError(.fileNotWritable, file: link, "cannot publish: \(String(cString: strerror(errno)))")
        }
        guard rename(link, outputDirectory + "/latest") == 0 else {
            let why = String(cString: strerror(errno))
            unlink(link)
            throw SectorStatsError(.fileNotWritable, file: outputDirectory + "/latest", "cannot publish: \(why)")
        }
        AtomicFile.syncDirectory(outputDirectory)
    }

    /// Installs the staged run folder and switches `latest` to it; `beforeSwitch(run)` runs
    /// just before the switch. A failure leaves `latest` as it was and removes the run folder.
    public func installAndSwitch(_ staged: Staged, beforeSwitch: (String) throws -> Void) throws {
        do {
            try install(staged)
            try beforeSwitch(staged.id)
            try switchLatest(to: staged.id)
        } catch {
            unstage(staged)
            discard(staged.id)
            throw error
        }
    }

    /// Removes `runs/<id>` unless `latest` points to it (a run installed, then not published).
    public func discard(_ id: String) {
        guard latestRun() != id, OutputLayout.isFolder(runs + "/" + id) else { return }
        try? FileManager.default.removeItem(atPath: runs + "/" + id)
    }

    /// Stages, installs and switches in one go (for `merge`), then prunes; returns the run id.
    /// `beforeSwitch(run)` runs just before the switch and `afterSwitch()` right after it, in
    /// the same step (to stage a status file and then put it in place).
    @discardableResult
    public func publish(_ files: [File], manifest: ([Manifest.Output]) throws -> Manifest,
                        extras: ((_ folder: String, _ run: String) throws -> Void)? = nil,
                        beforeSwitch: (String) throws -> Void = { _ in }, afterSwitch: () -> Void = {}) throws -> String {
        let staged = try stage(files, manifest: manifest, extras: extras)
        try StopGate.shared.step {
            try installAndSwitch(staged, beforeSwitch: beforeSwitch)
            afterSwitch()
        }
        prune(current: staged.id)
        return staged.id
    }

    static let manifestFile = "manifest.json"

    static func runID() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: Date()) + "-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Whether `name` has the shape of a run id this program makes (`20261205T104508Z-123`).
    static func isRunID<S: StringProtocol>(_ name: S) -> Bool {
        let b = Array(name.utf8)
        guard b.count >= 18, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"), b[16] == UInt8(ascii: "-") else { return false }
        let digits = Array(b[0..<8]) + Array(b[9..<15]) + Array(b[17...])
        return digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The run id `link` points to, when it is a link to `runs/<run-id>` as this program makes.
    static func runID(inLink link: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link), target.hasPrefix("runs/") else { return nil }
        let id = target.dropFirst(5)
        return isRunID(id) ? String(id) : nil
    }

    /// The run `OUT/latest` points to.
    public func latestRun() -> String? { Self.runID(inLink: outputDirectory + "/latest") }

    /// Why the published run `id` is not complete as recorded (`files` by name, with their
    /// sizes in bytes), or nil when `latest` points to it and every file is there.
    public func incompleteness(of id: String, files: [String: Int64]) -> String? {
        guard latestRun() == id else { return "latest does not point to run \(id)" }
        for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let path = runs + "/" + id + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return "latest/\(name) is missing" }
            if Int64(st.st_size) != bytes { return "latest/\(name) changed" }
        }
        return nil
    }

    /// Removes leftovers of killed runs (unfinished run folders, links and pruned folders).
    public func sweep() {
        for n in (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        where (n.hasPrefix(".tmp-") || n.hasPrefix(".prune-")) && OutputLayout.isFolder(runs + "/" + n) {
            try? FileManager.default.removeItem(atPath: runs + "/" + n)
        }
        for n in (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []
        where n.hasPrefix(".latest-") && OutputLayout.fileType(outputDirectory + "/" + n) == S_IFLNK {
            unlink(outputDirectory + "/" + n)
        }
    }

    /// Keeps the newest `keepRuns` runs and `current`. Only folders that this program made
    /// (a run id for a name, a manifest inside, no link) are counted or removed; each is
    /// renamed aside first, so a run is never seen half-deleted.
    public func prune(current: String) {
        guard OutputLayout.isFolder(runs) else { return }
        // Oldest first: by the second in the id, then (runs of one second) by when the
        // manifest was written.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).compactMap { n -> (String, Double)? in
            var st = stat()
            guard Self.isRunID(n), OutputLayout.isFolder(runs + "/" + n),
                  lstat(runs + "/" + n + "/" + Self.manifestFile, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
            return (n, Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        }.sorted { ($0.0.prefix(16), $0.1, $0.0) < ($1.0.prefix(16), $1.1, $1.0) }.map(\.0)
        let latest = latestRun()
        for n in names.dropLast(max(keepRuns, 1)) where n != current && n != latest {
            let aside = runs + "/.prune-" + n
            guard rename(runs + "/" + n, aside) == 0 else { continue }
            try? FileManager.default.removeItem(atPath: aside)
        }
    }
}
