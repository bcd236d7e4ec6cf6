/// A block of rows of a row-major `[rows, classes]` matrix, transposed into scratch so that
/// per-row work becomes ``FloatVector`` operations on ``lanes`` contiguous values.
///
/// Softmax-based kernels (focal loss, cross-entropy, soft F1) need per-row quantities — the
/// row maximum, log-sum-exp, the target's probability, focal factors — whatever the class
/// count. Transposed, class `c` of the block's rows sits at `tile[c·lanes + r]`, so each step
/// works on two vectors of 16 rows. Blocks with fewer valid rows repeat the last row
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
    // Pointer steps: index arithmetic with overflow checks in this loop cost more than the
    // copies.
    var row = matrix + firstRow * classes
    for r in 0..<lanes {
      var target = tile + r
      for c in 0..<classes {
        target.pointee = row[c]
        target += lanes
      }
      if r &+ 1 < count { row += classes }
    }
  }

  /// Copies the valid rows of `tile` back into `matrix`, adding when `accumulate` is set.
  @inlinable @inline(__always)
  public static func store(
    _ tile: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>, firstRow: Int,
    count: Int, classes: Int, accumulate: Bool
  ) {
    var row = matrix + firstRow * classes
    for r in 0..<count {
      var source = tile + r
      if accumulate {
        for c in 0..<classes {
          row[c] += source.pointee
          source += lanes
        }
      } else {
        for c in 0..<classes {
          row[c] = source.pointee
          source += lanes
        }
      }
      row += classes
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
    var bad = FloatVector()
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      var largest = VectorMath.splat(-.infinity)
      for c in 0..<classes {
        let z = VectorMath.load(tile, at: c * lanes + half)
        VectorMath.flagNonFinite(z, into: &bad)
        largest = largest.replacing(with: z, where: z .> largest)
      }
      var total = FloatVector()
      for c in 0..<classes {
        let e = VectorMath.exp(VectorMath.load(tile, at: c * lanes + half) - largest)
        VectorMath.store(e, exponentials, at: c * lanes + half)
        total += e
      }
      VectorMath.store(largest, maximum, at: half)
      VectorMath.store(total, sum, at: half)
      // The sum is at least 1 (the maximum's own term) unless a logit was NaN.
      if let logSum { VectorMath.store(VectorMath.log(total), logSum, at: half) }
    }
    if bad.sum().isNaN { flag = 1 }
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
