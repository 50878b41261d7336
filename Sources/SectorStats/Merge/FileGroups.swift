/// The partials of a merge grouped by input file: the partials of the byte ranges of one
/// file (``PartialMeta/range``), given one after the other from its first range to the one
/// that reads to its end, count as that file — once in the manifest and in the row
/// accounting, as `run` counts the file's whole partial. Any other partial is a file alone.
enum FileGroups {
    /// The groups, as index ranges into `partials`, in order. Throws when the ranges of a file
    /// do not follow each other exactly (a range that began elsewhere than where the range
    /// before it stopped, a missing range): their records would not be the file's.
    static func of(_ partials: [Partial]) throws -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var i = 0
        while i < partials.count {
            guard let first = partials[i].meta.range else {
                groups.append(i..<i + 1)
                i += 1
                continue
            }
            func broken(_ p: Partial, _ why: String) -> SectorStatsError {
                SectorStatsError(.invalidArgument, file: p.meta.path,
                                 "the range partials of \(p.meta.file) do not cover it in order: \(why)")
            }
            guard first.bounds.startLine == first.bounds.dataLine else {
                throw broken(partials[i], "its first range (\(first.range)) begins on line \(first.bounds.startLine.map(String.init) ?? "end"), not on the first data line \(first.bounds.dataLine)")
            }
            var j = i
            while let stop = partials[j].meta.range?.bounds.stopLine {
                let next = j + 1
                guard next < partials.count, let r = partials[next].meta.range, r.fileKey == first.fileKey else {
                    throw broken(partials[j], "the range \(partials[j].meta.range?.range ?? "") stops at line \(stop) and no range of the file follows it")
                }
                guard r.bounds.startLine == stop else {
                    throw broken(partials[next], "the range \(r.range) begins on line \(r.bounds.startLine.map(String.init) ?? "end"), but the range before it stopped at line \(stop): rebuild it with --range \(r.range.split(separator: "@").first ?? "")@\(stop)")
                }
                j = next
            }
            // Ranges that begin at the end of the file (empty) belong to it too.
            while j + 1 < partials.count, let r = partials[j + 1].meta.range, r.fileKey == first.fileKey,
                  r.bounds.startLine == nil {
                j += 1
            }
            groups.append(i..<j + 1)
            i = j + 1
        }
        return groups
    }

    /// The accounting per file: `parts` (one per partial) added up per group.
    static func accounting(_ parts: [RowAccounting], of partials: [Partial]) throws -> [RowAccounting] {
        try of(partials).map { g in
            var acc = parts[g.lowerBound]
            for k in g.dropFirst() { acc.add(parts[k]) }
            return acc
        }
    }

    /// The meta that describes each file in a manifest: its first partial's, with the whole
    /// file's key for a file read in ranges.
    static func manifestMetas(_ partials: [Partial]) throws -> [PartialMeta] {
        try of(partials).map { g in
            var meta = partials[g.lowerBound].meta
            if let r = meta.range { meta.key = r.fileKey }
            return meta
        }
    }
}
