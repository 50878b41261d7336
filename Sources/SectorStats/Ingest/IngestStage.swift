import Foundation

/// The ingest stage: the inputs as they are now — globs expanded, files hashed, headers
/// read — written as `inventory.json`. A file missing required columns is refused here,
/// before any work. Its key is the inputs' content, so any change to an input reruns the
/// stages after it (which reuse what they can: partials are cached by content).
final class IngestStage: PipelineStage {
    let name = StageName.ingest
    static let inventoryFile = "inventory.json"
    private let request: RunRequest
    private var planned: Inventory?
    /// Per resolved path, its stamp when hashing it read settled bytes (``FileStamp/settled(before:at:after:)``).
    private(set) var stamps: [String: FileStamp] = [:]

    init(request: RunRequest) { self.request = request }

    /// The inputs, hashed once per run (all files in parallel).
    func inventory() throws -> Inventory {
        if let planned { return planned }
        var resolvedPaths: [String] = []
        for source in request.pipeline.registrations + request.pipeline.funding {
            resolvedPaths += try PathGlob.expand(source.path, relativeTo: request.baseDirectory).map(\.1)
        }
        let stampedAt = FileStamp.now()
        let before = resolvedPaths.map { FileStamp(path: $0) }
        var hashes: [String: (sha256: String, bytes: Int64)] = [:]
        for (path, h) in zip(resolvedPaths, try ContentHash.files(resolvedPaths)) { hashes[path] = h }
        for (path, b) in zip(resolvedPaths, before) {
            if let s = FileStamp.settled(before: b, at: stampedAt, after: FileStamp(path: path)), s.size == hashes[path]?.bytes {
                stamps[path] = s
            }
        }
        func files(_ sources: [PipelineDefinition.Source]) throws -> [Inventory.File] {
            var out: [Inventory.File] = []
            for source in sources {
                for (given, resolved) in try PathGlob.expand(source.path, relativeTo: request.baseDirectory) {
                    let h = try hashes[resolved] ?? ContentHash.file(resolved)
                    let reader = try CSVReader(path: resolved, options: CSVReadOptions(encoding: source.encoding, delimiter: source.delimiter))
                    out.append(Inventory.File(
                        path: given, resolvedPath: resolved, file: reader.name, bytes: h.bytes, sha256: h.sha256,
                        encoding: reader.encoding.rawValue, delimiter: String(UnicodeScalar(source.delimiter)),
                        aliases: source.aliases, header: reader.header))
                }
            }
            return out
        }
        let inv = Inventory(registrations: try files(request.pipeline.registrations), funding: try files(request.pipeline.funding))
        planned = inv
        return inv
    }

    func keyParts(_ context: StageContext) throws -> [String: String] {
        let inv = try inventory()
        var parts: [String: String] = [:]
        for (kind, files) in [("registrations", inv.registrations), ("funding", inv.funding)] {
            parts["inputs.\(kind)"] = files.map { "\($0.path)=\($0.sha256):\($0.encoding):\($0.delimiter):\($0.aliases.sorted { $0.key < $1.key })" }.joined(separator: "|")
        }
        return parts
    }

    func run(into folder: String, _ context: StageContext) throws -> [String] {
        let inv = try inventory()
        for f in inv.registrations {
            let m = HeaderMatcher<RegistrationField>(aliases: try PartialBuilder.aliases(f.aliases, RegistrationField.self, file: f.file)).match(f.header)
            if !m.missingRequired.isEmpty { throw HeaderCheck.refuse(f.file, headers: f.header, missing: m.missingRequired) }
        }
        for f in inv.funding {
            let m = HeaderMatcher<FundingField>(aliases: try PartialBuilder.aliases(f.aliases, FundingField.self, file: f.file)).match(f.header)
            if !m.missingRequired.isEmpty { throw HeaderCheck.refuse(f.file, headers: f.header, missing: m.missingRequired) }
        }
        try JSON.write(inv, to: folder + "/" + Self.inventoryFile)
        context.log.info("inputs", metadata: [
            "registration_files": "\(inv.registrations.count)", "funding_files": "\(inv.funding.count)",
            "bytes": "\((inv.registrations + inv.funding).reduce(Int64(0)) { $0 + $1.bytes })",
        ])
        return [Self.inventoryFile]
    }
}
