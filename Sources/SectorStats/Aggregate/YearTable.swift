/// A dense table of `stride` cells per calendar year, for the accumulators: year-major,
/// growing to cover whichever years arrive (in any order), zero cells for years without data.
///
/// Index arithmetic instead of a dictionary keeps the per-row work of `add` to a bounds
/// check and an addition; the span of years (decades) keeps it small.
struct YearTable<Cell: Sendable>: Sendable {
    let stride: Int
    let zero: Cell
    /// The first year covered; meaningless while `isEmpty`.
    private(set) var firstYear = 0
    private(set) var yearCount = 0
    /// Year-major cells; index with `base(of:)` + the cell's index within the year.
    var cells: [Cell] = []

    init(stride: Int, zero: Cell) {
        precondition(stride > 0, "a year holds at least one cell")
        self.stride = stride
        self.zero = zero
    }

    var isEmpty: Bool { yearCount == 0 }
    /// The years covered, nil while empty.
    var years: ClosedRange<Int>? { isEmpty ? nil : firstYear...(firstYear + yearCount - 1) }

    /// The index of `year`'s first cell, growing the table to cover `year`.
    @inline(__always)
    mutating func base(of year: Int) -> Int {
        let offset = year - firstYear
        if offset >= 0, offset < yearCount { return offset * stride }
        return grow(to: year)
    }

    /// The index of `year`'s first cell, nil when `year` is not covered.
    @inline(__always)
    func existingBase(of year: Int) -> Int? {
        let offset = year - firstYear
        return offset >= 0 && offset < yearCount ? offset * stride : nil
    }

    /// Cell `i` of `year`, `zero` when the year is not covered.
    subscript(year: Int, i: Int) -> Cell {
        existingBase(of: year).map { cells[$0 + i] } ?? zero
    }

    private mutating func grow(to year: Int) -> Int {
        if yearCount == 0 {
            firstYear = year
            yearCount = 1
            cells = Array(repeating: zero, count: stride)
            return 0
        }
        if year < firstYear {
            let added = firstYear - year
            cells.insert(contentsOf: repeatElement(zero, count: added * stride), at: 0)
            firstYear = year
            yearCount += added
            return 0
        }
        let added = year - (firstYear + yearCount) + 1
        cells.append(contentsOf: repeatElement(zero, count: added * stride))
        yearCount += added
        return (year - firstYear) * stride
    }

    /// Combines `other`'s cells into this table's, year by year and cell by cell.
    mutating func merge<E: Error>(_ other: YearTable<Cell>, _ combine: (inout Cell, Cell) throws(E) -> Void) throws(E) {
        precondition(other.stride == stride, "tables of different shapes")
        guard let years = other.years else { return }
        _ = base(of: years.lowerBound)
        _ = base(of: years.upperBound)
        for year in years {
            let mine = base(of: year)
            let theirs = other.existingBase(of: year)!
            for i in 0..<stride { try combine(&cells[mine + i], other.cells[theirs + i]) }
        }
    }
}
