import CCSV

/// Starts loading a cache line before it is needed: look-ups into tables larger than the
/// cache (900k organizations by USCC, hundreds of thousands of funders) stall on memory,
/// and a row's other fields can be parsed while the line comes in. Only a hint: it never
/// faults, whatever the address.
enum Prefetch {
    @inline(__always)
    static func forRead(_ pointer: UnsafeRawPointer) {
        sectorstats_prefetch(pointer)
    }

    /// The same for a line about to be written (a slot an insert will fill).
    @inline(__always)
    static func forWrite(_ pointer: UnsafeRawPointer) {
        sectorstats_prefetch_write(pointer)
    }
}
