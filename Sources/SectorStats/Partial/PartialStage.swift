import Dispatch
import Foundation
import Logging

/// The partials of a run: one per input file in source order, by key. The normalize
/// stage's output; the merge reads the partials it names.
public struct PartialList: Codable, Sendable, Equatable {
    public static let file = "partials.json"

    public struct Entry: Codable, Sendable, Equatable {
        public var kind: PartialKind
        /// The input's base name and its path as given.
        public var file: String
        public var path: String
        public var key: String
        /// What the key is made of, so that `stages` can say what changed.
        public var keyParts: [String: String]
        /// `built` or `reused` by the run that wrote this list.
        public var partial: String
    }

    public var entries: [Entry]

    /// `built` or `reused`, as the run that wrote the list did with the partial of `key`.
    public func status(of key: String) -> String { entries.first { $0.key == key }?.partial ?? "reused" }

    /// Opens the listed partials (registrations, funding) in `folder`.
    public func open(in folder: String) throws -> (registrations: [Partial], funding: [Partial]) {
        var registrations: [Partial] = []
        var funding: [Partial] = []
        for e in entries {
            let path = PartialStage.path(e.key, in: folder)
            guard FileManager.default.fileExists(atPath: path) else {
                throw SectorStatsError(.missingStageInput, file: path,
                                       "the partial of \(e.file) is missing: run the normalize stage again (`sectorstats run --from normalize`)")
            }
            let p = try Partial(folder: path)
            guard p.meta.key == e.key, p.meta.kind == e.kind else {
                throw SectorStatsError(.corruptData, file: path, "holds another partial than \(e.file)'s; run with --force")
            }
            if e.kind == .registrations { registrations.append(p) } else { funding.append(p) }
        }
        return (registrations, funding)
    }
}

/// The normalize stage: a partial per input file, built only when no complete partial of
/// its key is cached (``PartialJob/key``: content, read options, settings, program), and
/// `partials.json` listing them in source order. `run --force` builds them all anew.
struct PartialStage: PipelineStage {
    let name = StageName.normalize

    func keyParts(_ context: StageContext) throws -> [String: String] {
        ["as_of": context.request.asOf.description,
         "reference": try PartialJob.referenceHash(of: context.request.referenceDirectory)]
    }

    /// The partials a fresh normalize stage lists are still cached (the merge reads them).
    func outsideOutputsPresent(_ context: StageContext) -> Bool {
        let path = context.store.folder(name) + "/" + PartialList.file
        guard let list = try? JSON.read(PartialList.self, from: path) else { return false }
        return list.entries.allSatisfy { Self.present($0.key, in: context.partialsFolder) }
    }

    func run(into folder: String, _ context: StageContext) throws -> [String] {
        let inv = try JSON.read(Inventory.self, from: try context.input(.ingest, IngestStage.inventoryFile))
        Progress.shared.begin("normalize", total: Int((inv.registrations + inv.funding).reduce(Int64(0)) { $0 + $1.bytes }))
        defer { Progress.shared.end() }
        let request = context.request
        let regions = try RegionTable(folder: URL(fileURLWithPath: request.referenceDirectory))
        let list = try Self.run(inventory: inv, asOf: request.asOf,
                                referenceHash: try PartialJob.referenceHash(of: request.referenceDirectory),
                                folder: context.partialsFolder, regions: regions, threads: request.threads,
                                rebuild: request.force, log: context.log)
        try JSON.write(list, to: folder + "/" + PartialList.file)
        return [PartialList.file]
    }

    static func path(_ key: String, in folder: String) -> String { folder + "/" + key + PartialFormat.suffix }

    /// Whether a partial of `key` is there (its meta readable; sections are checked when used).
    static func present(_ key: String, in folder: String) -> Bool {
        FileManager.default.fileExists(atPath: path(key, in: folder) + "/" + PartialFormat.metaFile)
    }

    /// The jobs of an inventory, in source order (registrations, then funding).
    static func jobs(_ inv: Inventory, asOf: CivilDate, referenceHash: String) -> [PartialJob] {
        func job(_ kind: PartialKind, _ f: Inventory.File) -> PartialJob {
            PartialJob(kind: kind, input: f.inputFile, path: f.path, bytes: f.bytes, sha256: f.sha256, encoding: f.encoding,
                       delimiter: f.delimiter.utf8.first ?? UInt8(ascii: ","), asOf: asOf, referenceHash: referenceHash)
        }
        return inv.registrations.map { job(.registrations, $0) } + inv.funding.map { job(.funding, $0) }
    }

    /// Reuses or builds the partial of every input file; logs which. A cached partial is
    /// reused when it is complete and its sections hold the bytes they were written with;
    /// `rebuild` builds every one anew (`run --force`).
    static func run(inventory: Inventory, asOf: CivilDate, referenceHash: String, folder: String, regions: RegionTable,
                    threads: Int, rebuild: Bool = false, log: Logger) throws -> PartialList {
        var entries: [PartialList.Entry] = []
        let jobs = jobs(inventory, asOf: asOf, referenceHash: referenceHash)
        // The cached partials' bytes are checked (CRC-32 of every section) in parallel.
        let usable = ConcurrentSlots<Bool>(count: jobs.count)
        if !rebuild {
            let keys = jobs.map(\.key)
            DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
                usable.set(i, (try? Partial(folder: path(keys[i], in: folder), verify: true)) != nil)
            }
        }
        for (i, job) in jobs.enumerated() {
            let key = job.key
            let file = CSVReader.name(ofPath: job.input.path)
            var status = "reused"
            if rebuild || usable.take(i) != true {
                let clock = ContinuousClock.now
                let meta = try PartialBuilder.build(job, in: folder, regions: regions, threads: threads)
                status = "built"
                let elapsed = (ContinuousClock.now - clock).components
                log.info("partial", metadata: [
                    "file": "\(file)", "partial": "built", "key": "\(key.prefix(12))", "rows_read": "\(meta.accounting.rowsRead)",
                    "seconds": "\(String(format: "%.2f", Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18))",
                ])
            } else {
                Progress.shared.addBytes(Int(job.bytes))
                log.info("partial", metadata: ["file": "\(file)", "partial": "reused", "key": "\(key.prefix(12))"])
            }
            entries.append(PartialList.Entry(kind: job.kind, file: file, path: job.path, key: key, keyParts: job.keyParts,
                                             partial: status))
        }
        return PartialList(entries: entries)
    }

    /// Removes the partials whose keys are not in `keeping`, and leftovers of killed builds.
    static func prune(folder: String, keeping: Set<String>) {
        for n in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            if n.hasPrefix(".tmp-") || n.hasPrefix(".old-") {
                // Leftovers of killed builds; a build of a live process may be under way.
                if let pid = n.split(separator: "-").last.flatMap({ Int32($0) }), kill(pid, 0) != 0, errno == ESRCH {
                    try? FileManager.default.removeItem(atPath: folder + "/" + n)
                }
                continue
            }
            guard n.hasSuffix(PartialFormat.suffix) else { continue }
            let key = String(n.dropLast(PartialFormat.suffix.count))
            if !keeping.contains(key) { try? FileManager.default.removeItem(atPath: folder + "/" + n) }
        }
    }
}
