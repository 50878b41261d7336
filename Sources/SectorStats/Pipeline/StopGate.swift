import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Coordinates a stop by signal with the steps that change what OUT holds (a stage folder or
/// a partial renamed into place, a run published). The signal handler runs beside the work:
/// without the gate it could remove a temporary folder while the run renames it into place,
/// or say "outputs unchanged" just after `latest` was switched.
///
/// - A step (``step(_:)``) runs whole or not at all with respect to a stop: a stop waits for
///   the steps under way, and once it is asked for, no step starts (the thread that would
///   start one waits for the process to exit).
/// - The run marks itself ``markCompleted(run:)`` in the same step that switches `latest`, so
///   the handler knows which of the two it is reporting: stopped before publication (outputs
///   unchanged) or after it (the run completed).
public final class StopGate: Sendable {
    public static let shared = StopGate()

    struct State {
        var stopRequested = false
        var active = 0
        /// The run id published by this process (`latest` switched to it).
        var completedRun: String?
        var completed = false
    }

    private let state = Mutex(State())
    private static let depthKey = "sectorstats.StopGate.depth"

    public init() {}

    /// Runs `body` as one step: a stop waits for it to end. Steps nest on one thread (the
    /// inner ones run as part of the outer).
    public func step<T>(_ body: () throws -> T) rethrows -> T {
        let thread = Thread.current.threadDictionary
        let depth = (thread[Self.depthKey] as? Int) ?? 0
        if depth == 0 {
            let admitted = state.withLock { s -> Bool in
                if s.stopRequested { return false }
                s.active += 1
                return true
            }
            // A stop is under way and will end the process: nothing more may change OUT.
            if !admitted { Self.waitForExit() }
        }
        thread[Self.depthKey] = depth + 1
        defer {
            thread[Self.depthKey] = depth
            if depth == 0 { state.withLock { $0.active -= 1 } }
        }
        return try body()
    }

    /// Records that this process published `run` and that its run is complete: a stop from
    /// now on reports the run as completed. Call inside the step that switched `latest`.
    public func markCompleted(run: String?) {
        state.withLock {
            $0.completed = true
            $0.completedRun = run
        }
    }

    /// What a stop found once the steps under way had ended.
    public enum StopOutcome: Sendable, Equatable {
        /// Nothing was published by this process: the outputs are as they were.
        case stopped
        /// The run had completed (published `run`, or nothing to publish when nil).
        case completed(run: String?)
    }

    /// For the signal handler: no step starts from now on; returns when the steps under way
    /// have ended, with what the run had done by then.
    public func requestStop() -> StopOutcome {
        state.withLock { $0.stopRequested = true }
        while true {
            let (active, completed, run) = state.withLock { ($0.active, $0.completed, $0.completedRun) }
            if active == 0 { return completed ? .completed(run: run) : .stopped }
            usleep(1000)
        }
    }

    /// Whether a stop has been asked for (the process is about to exit).
    public var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// For code about to end the process by itself: when a stop is under way, waits for it
    /// to end the process instead (its exit code and message are the ones that hold).
    public func yieldToStop() {
        if stopRequested { Self.waitForExit() }
    }

    private static func waitForExit() -> Never {
        while true { sleep(60) }
    }
}
