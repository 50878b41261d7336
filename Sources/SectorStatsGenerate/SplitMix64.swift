import SectorStats
/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64):
/// the generator's only source of randomness, so equal seeds give byte-identical exports
/// on every platform and thread count.
///
/// Every row draws from its own stream, ``stream(seed:salt:index:)``, so a row can be
/// generated again (a re-sent duplicate) or on another thread without replaying the rows
/// before it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijective 64-bit hash.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent stream for item `index` of the kind `salt` under `seed`.
    @inline(__always)
    public static func stream(seed: UInt64, salt: UInt64, index: Int) -> SplitMix64 {
        SplitMix64(seed: mix(mix(seed ^ mix(salt)) &+ UInt64(bitPattern: Int64(index))))
    }

    /// A uniform integer in `0..<bound` (bound > 0); the tiny modulo bias is irrelevant here.
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in `range`.
    @inline(__always)
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform double in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// An element of a non-empty array.
    @inline(__always)
    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}
