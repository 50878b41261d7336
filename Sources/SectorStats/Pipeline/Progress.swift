import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr (bytes read / total, rows/s), drawn only when stderr is a
/// terminal, so cron logs stay clean. The reader adds the bytes it parses; stages add rows.
public final class Progress: Sendable {
    public static let shared = Progress()

    private let bytes = Atomic<Int>(0)
    private let rows = Atomic<Int>(0)
    private let state = Mutex<(label: String, total: Int, started: ContinuousClock.Instant, timer: DispatchSourceTimer?)>(
        ("", 0, ContinuousClock.now, nil))

    /// Whether a bar would be drawn at all.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    func addBytes(_ n: Int) { bytes.add(n, ordering: .relaxed) }
    func addRows(_ n: Int) { rows.add(n, ordering: .relaxed) }

    /// Starts a bar for a stage that reads about `total` bytes (no-op off a terminal).
    public func begin(_ label: String, total: Int) {
        guard Progress.isTerminal else { return }
        bytes.store(0, ordering: .relaxed)
        rows.store(0, ordering: .relaxed)
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        timer.setEventHandler { [weak self] in self?.draw() }
        state.withLock { s in
            s.timer?.cancel()
            s = (label, total, ContinuousClock.now, timer)
        }
        timer.resume()
    }

    /// Stops the bar and clears its line.
    public func end() {
        let wasDrawing = state.withLock { s -> Bool in
            guard let t = s.timer else { return false }
            t.cancel()
            s.timer = nil
            return true
        }
        guard wasDrawing else { return }
        let clear = "\r\u{1B}[2K"
        _ = clear.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    private func draw() {
        let (label, total, started) = state.withLock { ($0.label, $0.total, $0.started) }
        let b = bytes.load(ordering: .relaxed), r = rows.load(ordering: .relaxed)
        let elapsed = max(Double((ContinuousClock.now - started).components.seconds), 0.5)
        let mb = Double(b) / 1e6
        let pct = total > 0 ? min(100, Int(Double(b) * 100 / Double(total))) : 0
        let width = 24
        let filled = total > 0 ? width * pct / 100 : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\u{1B}[2K\(label) \(bar) \(String(format: "%.1f", mb)) / \(String(format: "%.1f", Double(total) / 1e6)) MB  \(Int(Double(r) / elapsed)) rows/s"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }
}
