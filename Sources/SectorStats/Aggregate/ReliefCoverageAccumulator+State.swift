extension ReliefCoverageAccumulator {
    /// The relief purposes, the years, the recipient bits and sums per year, the two row
    /// counts. The organization index is not written: a state is read back against the
    /// index of the same registry (its size is checked).
    func encode(to w: inout StateWriter) {
        w.varint(UInt64(reliefMask))
        w.varint(UInt64(index.count))
        w.bool(years != nil)
        if let years {
            w.int(years.lowerBound)
            w.int(years.upperBound)
        }
        recipients.encode(to: &w) { w, bits in w.varint(bits) }
        sums.encode(to: &w) { w, s in
            w.int(s.fen)
            w.int(s.beneficiaries)
        }
        w.int(unmatchedRows)
        w.int(inactiveRecipientRows)
    }

    static func decode(from r: inout StateReader, index: OrganizationIndex, reliefPurposes: Set<Purpose>) throws
        -> ReliefCoverageAccumulator {
        var a = ReliefCoverageAccumulator(index: index, reliefPurposes: reliefPurposes)
        guard try r.varint() == UInt64(a.reliefMask) else { throw r.bad("merged with other relief purposes") }
        guard try r.varint() == UInt64(index.count) else { throw r.bad("merged against another registry") }
        if try r.bool() {
            let lo = try r.int(), hi = try r.int()
            guard lo <= hi else { throw r.bad() }
            a.years = lo...hi
        }
        try a.recipients.decode(from: &r) { r in try r.varint() }
        try a.sums.decode(from: &r) { r in Sums(fen: try r.int64(), beneficiaries: try r.int64()) }
        a.unmatchedRows = try r.int()
        a.inactiveRecipientRows = try r.int()
        return a
    }
}
