/// A block of rows of a row-major `[rows, classes]` matrix, transposed into scratch so that
/// per-row work becomes loops over ``lanes`` contiguous values.
///
/// Softmax-based kernels (focal loss, cross-entropy, soft F1) need per-row quantities — the
/// row maximum, log-sum-exp, the target's probability, focal factors — whatever the class
/// count. Transposed, class `c` of the block's rows sits at `tile[c·lanes + r]`, so each step
/// is a loop over `r` that LLVM vectorises. Blocks with fewer valid rows repeat the last row
/// in the missing lanes; callers give those lanes zero weight and never store them.
public enum RowTile {
  /// Rows per block.
  public static let lanes = 32

  /// Copies rows `firstRow ..< firstRow + count` of `matrix`, transposed, into `tile`.
  @inlinable @inline(__always)
  public static func load(
    _ matrix: UnsafePointer<Float>, firstRow: Int, count: Int, classes: Int,
    into tile: UnsafeMutablePointer<Float>
  ) {
    for r in 0..<lanes {
      let row = matrix + (firstRow + Swift.min(r, count - 1)) * classes
      for c in 0..<classes { tile[c * lanes + r] = row[c] }
    }
  }

  /// Copies the valid rows of `tile` back into `matrix`, adding when `accumulate` is set.
  @inlinable @inline(__always)
  public static func store(
    _ tile: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>, firstRow: Int,
    count: Int, classes: Int, accumulate: Bool
  ) {
    for r in 0..<count {
      let row = matrix + (firstRow + r) * classes
      if accumulate {
        for c in 0..<classes { row[c] += tile[c * lanes + r] }
      } else {
        for c in 0..<classes { row[c] = tile[c * lanes + r] }
      }
    }
  }

  /// Writes `exp(z − max)` for each logit of `tile` into `exponentials` and, per lane, the
  /// row maximum, the sum of the exponentials and (when `logSum` is given) its logarithm; ORs
  /// a non-finite flag into `flag`.
  ///
  /// Afterwards `log p_c = z_c − maximum − logSum` and `p_c = exponentials[c] / sum`.
  @inlinable @inline(__always)
  public static func softmax(
    _ tile: UnsafePointer<Float>, classes: Int, exponentials: UnsafeMutablePointer<Float>,
    maximum: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>,
    logSum: UnsafeMutablePointer<Float>?, flag: inout UInt32
  ) {
    var bad: UInt32 = 0
    for r in 0..<lanes { maximum[r] = -.infinity }
    for c in 0..<classes {
      let column = tile + c * lanes
      for r in 0..<lanes {
        let z = column[r]
        bad |= ScalarMath.nonFiniteBit(z)
        let current = maximum[r]
        maximum[r] = z > current ? z : current
      }
    }
    for r in 0..<lanes { sum[r] = 0 }
    for c in 0..<classes {
      let column = tile + c * lanes
      let out = exponentials + c * lanes
      for r in 0..<lanes {
        let e = ScalarMath.exp(column[r] - maximum[r])
        out[r] = e
        sum[r] += e
      }
    }
    if let logSum {
      for r in 0..<lanes { logSum[r] = ScalarMath.log(sum[r]) }
    }
    flag |= bad
  }

  /// Calls `body(firstRow, count)` for each block of `range`.
  @inlinable @inline(__always)
  public static func forEachBlock(in range: Range<Int>, _ body: (Int, Int) -> Void) {
    var row = range.lowerBound
    while row < range.upperBound {
      let count = Swift.min(lanes, range.upperBound - row)
      body(row, count)
      row += count
    }
  }
}
