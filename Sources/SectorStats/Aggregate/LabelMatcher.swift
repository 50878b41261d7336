/// Matches a field's bytes against a short fixed list of labels (purposes, source types,
/// organization types) without allocating: candidates are found by length and the first
/// seven bytes packed into one integer — one comparison per label — then confirmed byte by
/// byte, so only an exact label matches.
struct LabelMatcher: Sendable {
    private let labels: [[UInt8]]
    private let keys: [UInt64]

    init(_ labels: [String]) {
        self.labels = labels.map { Array($0.utf8) }
        keys = self.labels.map { bytes in bytes.withUnsafeBufferPointer { Self.key($0) } }
    }

    /// The index of the label equal to `field`, or nil.
    @inline(__always)
    func match(_ field: UnsafeBufferPointer<UInt8>) -> Int? {
        let key = Self.key(field)
        for i in 0..<keys.count where keys[i] == key && labels[i].count == field.count {
            let same = labels[i].withUnsafeBufferPointer { label in
                var j = 7  // the key holds bytes 0...6
                while j < label.count {
                    if label[j] != field[j] { return false }
                    j += 1
                }
                return true
            }
            if same { return i }
        }
        return nil
    }

    /// The length in the top byte, the first (up to) seven bytes below it.
    @inline(__always)
    private static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key = UInt64(truncatingIfNeeded: min(bytes.count, 255)) << 56
        for i in 0..<min(bytes.count, 7) { key |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        return key
    }
}
