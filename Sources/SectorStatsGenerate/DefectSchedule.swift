import SectorStats
/// Where the defects of one file fall, and which reason each one carries.
///
/// Positions are split into slots of 1/rate rows; each slot holds one defect at a seeded
/// position. Reasons go round in shuffled cycles of every applicable reason, so a file with
/// at least as many defects as reasons shows each reason at least once. Every decision is
/// a function of the position alone, so any row can be generated on any thread.
struct DefectSchedule: Sendable {
    let perMillion: Int
    let reasons: [QuarantineReason]
    let seed: UInt64
    let salt: UInt64
    /// Positions before this may not carry `encoding` (it becomes `field_count`): a UTF-8
    /// file without BOM is sniffed from its first MiB, where an invalid byte would make the
    /// reader take the whole file for GB18030.
    let firstEncodingPosition: Int

    init(rate: Double, reasons: [QuarantineReason], seed: UInt64, salt: UInt64, firstEncodingPosition: Int) {
        perMillion = reasons.isEmpty ? 0 : Int((rate * 1_000_000).rounded())
        self.reasons = reasons
        self.seed = seed
        self.salt = salt
        self.firstEncodingPosition = firstEncodingPosition
    }

    /// The reason planted at local position `i`, if any.
    func reason(at i: Int) -> QuarantineReason? {
        guard perMillion > 0 else { return nil }
        let slot = i * perMillion / 1_000_000
        let start = (slot * 1_000_000 + perMillion - 1) / perMillion
        let end = ((slot + 1) * 1_000_000 + perMillion - 1) / perMillion
        var rng = SplitMix64.stream(seed: seed, salt: salt, index: slot)
        guard start + rng.below(max(1, end - start)) == i else { return nil }
        let count = reasons.count
        var order = Array(0..<count)
        var shuffle = SplitMix64.stream(seed: seed, salt: salt &+ 0x5EED, index: slot / count)
        for k in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(k, shuffle.below(k + 1))
        }
        let reason = reasons[order[slot % count]]
        if reason == .encoding && i < firstEncodingPosition { return .fieldCount }
        return reason
    }
}
