import Foundation

/// The settings of the aggregate stage (from the pipeline file): the as-of date, which
/// purposes count as relief, how many workers, and the output compression.
///
/// Only `asOf` and `reliefPurposes` change the tables; `threads` and `minChunkBytes` change
/// how the work is split, never the result; `gzipLevel` changes the `.gz` bytes, not the CSV.
public struct AggregateSettings: Sendable, Equatable {
    public static let defaultReliefPurposes = Set(Purpose.defaultRelief)

    /// The run's as-of date: output years end with its year; rows dated after it are left out
    /// of every table and counted (the normalize stage already quarantines them).
    public var asOf: CivilDate
    public var reliefPurposes: Set<Purpose>
    /// The number of work items run under `DispatchQueue.concurrentPerform`: chunks of the
    /// funding table (fewer when it is smaller than `threads × minChunkBytes`; gzip input is
    /// read serially), ranges of the in-memory funding rows and of the organization index.
    public var threads: Int
    /// The smallest chunk of the funding table worth a worker; tests set it tiny to force
    /// chunk boundaries everywhere.
    public var minChunkBytes: Int
    /// zlib level of the output files (1–9).
    public var gzipLevel: Int

    public init(asOf: CivilDate, reliefPurposes: Set<Purpose> = defaultReliefPurposes,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, minChunkBytes: Int = 4 << 20,
                gzipLevel: Int = 6) {
        self.asOf = asOf
        self.reliefPurposes = reliefPurposes
        self.threads = threads
        self.minChunkBytes = minChunkBytes
        self.gzipLevel = gzipLevel
    }

    /// `threads`, at least 1.
    var workers: Int { max(1, threads) }
}
