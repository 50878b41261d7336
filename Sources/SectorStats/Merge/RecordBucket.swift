/// One of `count` buckets of funding record ids, for a merge split over processes.
///
/// A record id's *shard* is the top six bits of FNV-1a 64 of its normalized UTF-8 bytes
/// (one of ``shards``); a funding partial stores its record ids shard by shard, so that a
/// bucket reads only its own. A row is in bucket `index` when its shard mod `count` is
/// `index`, so `count` is at most ``shards``. The hash is fixed (not seeded, not per
/// process), so the same id falls in the same bucket on every machine: rows of one id
/// always meet in one bucket, where the first one wins exactly as in a merge of everything.
public struct RecordBucket: Sendable, Equatable {
    /// Shards of the record-id space (and the most buckets a merge can be split into).
    public static let shards = 64
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard (1...Self.shards).contains(count), (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// `i/K`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let k = Int(parts[1]) else { return nil }
        self.init(index: i, count: k)
    }

    public var description: String { "\(index)/\(count)" }

    /// The one bucket of every record id (a merge not split).
    public static let all = RecordBucket(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// FNV-1a, 64 bits.
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The shard of a record id (its hash's top bits: FNV-1a's low bits see only the
    /// bytes' low bits).
    @inline(__always)
    public static func shard(_ recordID: UnsafeBufferPointer<UInt8>) -> Int { Int(truncatingIfNeeded: hash(recordID) >> 58) }

    @inline(__always)
    public func contains(shard: Int) -> Bool { count == 1 || shard % count == index }

    @inline(__always)
    public func contains(_ recordID: UnsafeBufferPointer<UInt8>) -> Bool { contains(shard: Self.shard(recordID)) }
}
