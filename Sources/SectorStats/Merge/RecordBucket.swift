/// One of `count` buckets of funding record ids, for a merge split over processes: a row is
/// in bucket `index` when FNV-1a 64 of its normalized record_id's UTF-8 bytes, mod `count`,
/// is `index`. The hash is fixed (not seeded, not per process), so the same id falls in the
/// same bucket on every machine: rows of one id always meet in one bucket, where the first
/// one wins exactly as in a merge of everything.
public struct RecordBucket: Sendable, Equatable {
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
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

    @inline(__always)
    public func contains(_ recordID: UnsafeBufferPointer<UInt8>) -> Bool {
        count == 1 || Int(Self.hash(recordID) % UInt64(count)) == index
    }
}
