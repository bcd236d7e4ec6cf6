/// Sixteen consecutive rows of a row-major `[rows, classes]` matrix, one SIMD lane per row.
///
/// Softmax-based kernels process rows in such blocks: column `c` of the block is one
/// ``FloatVector`` holding class `c` of sixteen rows, so per-row work (log-sum-exp, focal
/// factors, F1 terms) is vectorised across rows whatever the class count. The last block of a
/// range may hold fewer rows (``lanes`` < 16): its loads repeat the last valid row and its
/// stores skip the missing lanes, so nothing outside the matrix is read or written.
public struct RowBlock {
  /// The block's first row in the matrix.
  public let firstRow: Int
  /// Elements per row.
  public let classes: Int
  /// Valid rows in the block, 1…16.
  public let lanes: Int

  /// A block starting at `firstRow` with `lanes` valid rows.
  @inlinable
  public init(firstRow: Int, classes: Int, lanes: Int) {
    self.firstRow = firstRow
    self.classes = classes
    self.lanes = lanes
  }

  /// Column `column` of the block in `matrix` (which has this block's row layout).
  @inlinable @inline(__always)
  public func column(_ column: Int, of matrix: UnsafePointer<Float>) -> FloatVector {
    let base = matrix + firstRow * classes + column
    if lanes == 16 { return VectorMath.gather(base, stride: classes) }
    var result = FloatVector()
    for lane in 0..<16 { result[lane] = base[min(lane, lanes - 1) * classes] }
    return result
  }

  /// Stores (or adds) `value` into column `column` of `matrix`, valid lanes only.
  @inlinable @inline(__always)
  public func store(
    _ value: FloatVector, column: Int, of matrix: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let base = matrix + firstRow * classes + column
    if lanes == 16 {
      VectorMath.scatter(value, to: base, stride: classes, accumulate: accumulate)
    } else {
      for lane in 0..<lanes {
        base[lane * classes] = (accumulate ? base[lane * classes] : 0) + value[lane]
      }
    }
  }

  /// One value per row from a per-row array, `padding` in missing lanes (`1` when `values`
  /// is `nil`).
  @inlinable @inline(__always)
  public func perRow(_ values: UnsafePointer<Float>?, padding: Float = 0) -> FloatVector {
    guard let values else {
      return FloatVector(repeating: 1).replacing(with: padding, where: .!laneMask)
    }
    if lanes == 16 {
      return UnsafeRawPointer(values + firstRow).loadUnaligned(as: FloatVector.self)
    }
    var result = FloatVector(repeating: padding)
    for lane in 0..<lanes { result[lane] = values[firstRow + lane] }
    return result
  }

  /// One class index per row, `padding` in missing lanes.
  @inlinable @inline(__always)
  public func perRow(_ values: UnsafePointer<Int32>, padding: Int32) -> SIMD16<Int32> {
    if lanes == 16 {
      return UnsafeRawPointer(values + firstRow).loadUnaligned(as: SIMD16<Int32>.self)
    }
    var result = SIMD16<Int32>(repeating: padding)
    for lane in 0..<lanes { result[lane] = values[firstRow + lane] }
    return result
  }

  /// Writes one value per valid row into a per-row array.
  @inlinable @inline(__always)
  public func storePerRow(_ value: FloatVector, into values: UnsafeMutablePointer<Float>) {
    for lane in 0..<lanes { values[firstRow + lane] = value[lane] }
  }

  /// True in the valid lanes.
  @inlinable
  public var laneMask: SIMDMask<SIMD16<Int32>> {
    SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .< Int32(lanes)
  }

  /// Loads the block's logits into `scratch` as `exp(z − max)` per column and returns the row
  /// maxima, the row sums of the exponentials and their logarithms, so that
  /// `log p_c = z_c − maximum − logSum` and `p_c = scratch[c] / sum`.
  @inlinable @inline(__always)
  public func softmax(
    _ logits: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<FloatVector>,
    flag: inout NonFiniteFlag
  ) -> (maximum: FloatVector, sum: FloatVector, logSum: FloatVector) {
    var maximum = FloatVector(repeating: -.infinity)
    for c in 0..<classes {
      let z = column(c, of: logits)
      flag.record(z)
      scratch[c] = z
      maximum = VectorMath.maximum(maximum, z)
    }
    var sum = FloatVector(repeating: 0)
    for c in 0..<classes {
      let e = VectorMath.exp(scratch[c] - maximum)
      scratch[c] = e
      sum += e
    }
    return (maximum, sum, VectorMath.log(sum))
  }

  /// Calls `body` for each block of `range`, the last possibly partial.
  @inlinable @inline(__always)
  public static func forEach(
    in range: Range<Int>, classes: Int, _ body: (RowBlock) -> Void
  ) {
    var row = range.lowerBound
    while row < range.upperBound {
      let lanes = min(16, range.upperBound - row)
      body(RowBlock(firstRow: row, classes: classes, lanes: lanes))
      row += lanes
    }
  }
}
