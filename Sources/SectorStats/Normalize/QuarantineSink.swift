import Dispatch
import Synchronization

/// Writes `quarantine.csv.gz` — every refused row, sorted by source (UTF-8 bytes), then
/// line — while the stage runs instead of after it.
///
/// Compressing 100k entries took about a second on one thread at the end of the stage, with
/// the workers done. The final order is known before the first row is read: the input files'
/// names, sorted. A file's entries arrive in line order (chunks are consumed in file order).
/// So the entries of the file that comes next in that order are handed to a background
/// queue as they arrive and compressed there; those of a file that comes later are kept
/// until their turn. When two inputs share a name, their entries interleave by line: then
/// everything is kept and sorted at the end, as before. Either way the bytes written are
/// the same as sorting all entries at the end.
final class QuarantineSink {
    /// Sources in output order.
    private let order: [String]
    /// Whether the names are distinct (else: keep all and sort at the end).
    private let streaming: Bool
    /// `order[next]` is the file whose entries are written as they come.
    private var next = 0
    private var finished: Set<String> = []
    private var kept: [String: [QuarantineEntry]] = [:]
    private var all: [QuarantineEntry] = []
    private let output: Output
    private let queue = DispatchQueue(label: "sectorstats.quarantine")
    private(set) var count = 0

    /// `sources`: the base names of every input file of the run, in any order. The file is
    /// created with the first entry (or by `close()`), on the background queue; an error
    /// there is thrown by `close()`, where the stage wrote the quarantine before.
    init(path: String, level: Int, sources: [String]) {
        order = sources.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        streaming = Set(sources).count == sources.count
        output = Output(path: path, level: level)
    }

    /// When the stage fails: drops what is queued and not yet written, waits for the queue
    /// and removes the unfinished file (a writer dropped without `commit` removes its file),
    /// so that no background write outlives the stage. Does nothing after `close()`.
    func abandon() {
        output.abandon()
        let output = output
        queue.sync { output.release() }
    }

    /// The next entries of `source`, in line order.
    func add(_ entries: [QuarantineEntry], source: String) {
        guard !entries.isEmpty else { return }
        count += entries.count
        guard streaming else {
            all += entries
            return
        }
        if next < order.count, order[next] == source {
            send(entries)
        } else {
            kept[source, default: []] += entries
        }
    }

    /// `source` has no more entries.
    func finish(source: String) {
        finished.insert(source)
        guard streaming else { return }
        // Move on past every finished file, sending the entries kept for the files reached.
        while next < order.count, finished.contains(order[next]) {
            next += 1
            if next < order.count, let entries = kept.removeValue(forKey: order[next]) { send(entries) }
        }
    }

    /// Writes what is left and returns the writer (not yet committed).
    func close() throws -> CSVWriter {
        if streaming {
            for source in order[min(next, order.count)...] {
                if let entries = kept.removeValue(forKey: source) { send(entries) }
            }
        } else {
            all.sort(by: QuarantineEntry.ordered)
            send(all)
            all = []
        }
        let output = output
        queue.async { output.write { _ in } }  // creates the file when no entry did
        queue.sync {}
        return try output.finished()
    }

    private func send(_ entries: [QuarantineEntry]) {
        let output = output
        queue.async {
            output.write { w in
                for q in entries {
                    w.field(q.source)
                    w.field(Int64(q.line))
                    w.field(q.field)
                    w.field(q.reason.rawValue)
                    w.field(q.detail)
                    w.field(q.raw)
                    try w.endRow()
                }
            }
        }
    }

    /// The writer, used only on `queue`.
    ///
    /// `@unchecked Sendable` is safe because: `writer`, `failure` and the path and level
    /// are touched only by `write` and `release`, which run only on the serial `queue`, and
    /// by `finished()`, which the sink calls only after `queue.sync {}` — every block sent
    /// before it has run by then, and no block is sent after it. `abandoned` is atomic.
    private final class Output: @unchecked Sendable {
        private let path: String
        private let level: Int
        private var writer: CSVWriter?
        private var failure: Error?
        private let abandoned = Atomic<Bool>(false)

        init(path: String, level: Int) {
            self.path = path
            self.level = level
        }

        /// Runs `body` with the writer (created with the header on first use) unless an
        /// earlier write failed (the first error is kept) or the sink was abandoned.
        func write(_ body: (CSVWriter) throws -> Void) {
            guard failure == nil, !abandoned.load(ordering: .acquiring) else { return }
            do {
                if writer == nil {
                    let w = try CSVWriter(gzipPath: path, level: level)
                    try w.writeRow(NormalizeStage.quarantineColumns)
                    writer = w
                }
                if let writer { try body(writer) }
            } catch {
                failure = error
            }
        }

        func abandon() { abandoned.store(true, ordering: .releasing) }

        /// Drops the writer (its unfinished file is removed), on the queue.
        func release() { writer = nil }

        func finished() throws -> CSVWriter {
            if let failure { throw failure }
            guard let writer else { throw SectorStatsError(.internalError, "the quarantine was abandoned") }
            return writer
        }
    }
}
