/// A block of rows of a row-major `[rows, classes]` matrix, transposed into scratch so that
/// per-row work becomes ``FloatVector`` operations on ``lanes`` contiguous values.
///
/// Softmax-based kernels (focal loss, cross-entropy, soft F1) need per-row quantities — the
/// row maximum, log-sum-exp, the target's probability, focal factors — whatever the class
/// count. Transposed, class `c` of the block's rows sits at `tile[c·lanes + r]`, so each step
/// works on two vectors of 16 rows. Blocks with fewer valid rows repeat the last row
/// in the missing lanes; callers give those lanes zero weight and never store them.
package enum RowTile {
  /// Rows per block.
  package static let lanes = 32

  /// Copies rows `firstRow ..< firstRow + count` of `matrix`, transposed, into `tile`.
  @inlinable @inline(__always)
  package static func load(
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

  /// ``load(_:firstRow:count:classes:into:)`` that also writes each row's largest value to
  /// `maximum[r]` and sets `flag` when a value is `−∞`.
  ///
  /// Full tiles of at least four classes move as 4×4 transposes (``QuadTranspose``); others
  /// copy scalars. A NaN or `+∞` may be skipped by the maximum but makes its row's
  /// exponential sum NaN, which ``softmax(_:classes:exponentials:maximum:sum:logSum:flag:)``
  /// flags; `−∞` would vanish into a zero exponential, so it is caught here by a running
  /// minimum, a quarter of the cost of testing every logit in the exponential pass.
  @inlinable @inline(__always)
  package static func load(
    _ matrix: UnsafePointer<Float>, firstRow: Int, count: Int, classes: Int,
    into tile: UnsafeMutablePointer<Float>, maximum: UnsafeMutablePointer<Float>,
    flag: inout UInt32
  ) {
    let rows = matrix + firstRow * classes
    guard count == lanes, classes >= 4 else {
      var row = rows
      var smallest = Float.infinity
      for r in 0..<lanes {
        var target = tile + r
        var largest = -Float.infinity
        for c in 0..<classes {
          let z = row[c]
          target.pointee = z
          largest = z > largest ? z : largest
          smallest = z < smallest ? z : smallest
          target += lanes
        }
        maximum[r] = largest
        if r &+ 1 < count { row += classes }
      }
      if smallest == -.infinity { flag = 1 }
      return
    }
    var smallest = SIMD4<Float>(repeating: .infinity)
    for r in stride(from: 0, to: lanes, by: 4) {
      var largest = SIMD4<Float>(repeating: -.infinity)
      let quad = rows + r * classes
      QuadTranspose.forEachBlock(classes: classes) { c in
        let values = QuadTranspose.load(quad + c, stride: classes)
        let columns = QuadTranspose.transpose(values)
        QuadTranspose.store(columns, tile + (c &* lanes &+ r), stride: lanes)
        largest = QuadTranspose.maximum(
          QuadTranspose.maximum(columns.0, columns.1),
          QuadTranspose.maximum(QuadTranspose.maximum(columns.2, columns.3), largest))
        // The minimum over the untransposed rows: comparisons of other pairs than the
        // maximum's, which LLVM would otherwise share and turn into three-instruction selects.
        smallest = QuadTranspose.minimum(
          QuadTranspose.minimum(values.0, values.1),
          QuadTranspose.minimum(QuadTranspose.minimum(values.2, values.3), smallest))
      }
      UnsafeMutableRawPointer(maximum + r).storeBytes(of: largest, as: SIMD4<Float>.self)
    }
    if smallest.min() == -.infinity { flag = 1 }
  }

  /// Copies the valid rows of `tile` back into `matrix`, row `r` multiplied by `rowScale[r]`
  /// when given, adding when `accumulate` is set.
  ///
  /// Full tiles of at least four classes that overwrite go out as 4×4 transposes
  /// (``QuadTranspose``); their last block may overlap the one before it, which is harmless
  /// for a copy but not for a sum, so adding stays scalar.
  @inlinable @inline(__always)
  package static func store(
    _ tile: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>, firstRow: Int,
    count: Int, classes: Int, accumulate: Bool, rowScale: UnsafePointer<Float>? = nil
  ) {
    let rows = matrix + firstRow * classes
    if count == lanes, classes >= 4, !accumulate {
      for r in stride(from: 0, to: lanes, by: 4) {
        let scale =
          rowScale.map { UnsafeRawPointer($0 + r).loadUnaligned(as: SIMD4<Float>.self) }
          ?? SIMD4(repeating: 1)
        let quad = rows + r * classes
        QuadTranspose.forEachBlock(classes: classes) { c in
          let v = QuadTranspose.load(tile + (c &* lanes &+ r), stride: lanes)
          QuadTranspose.store(
            QuadTranspose.transpose((scale * v.0, scale * v.1, scale * v.2, scale * v.3)),
            quad + c, stride: classes)
        }
      }
      return
    }
    var row = rows
    for r in 0..<count {
      let scale = rowScale?[r] ?? 1
      var source = tile + r
      if accumulate {
        for c in 0..<classes {
          row[c] += scale * source.pointee
          source += lanes
        }
      } else {
        for c in 0..<classes {
          row[c] = scale * source.pointee
          source += lanes
        }
      }
      row += classes
    }
  }

  /// Writes `exp(z − max)` for each logit of `tile` into `exponentials` and, per lane, the
  /// sum of the exponentials and (when `logSum` is given) its logarithm, given each row's
  /// `maximum`; sets `flag` when a sum is NaN, which a NaN or `+∞` logit makes it.
  ///
  /// Afterwards `log p_c = z_c − maximum − logSum` and `p_c = exponentials[c] / sum`.
  @inlinable @inline(__always)
  package static func softmax(
    _ tile: UnsafePointer<Float>, classes: Int, exponentials: UnsafeMutablePointer<Float>,
    maximum: UnsafePointer<Float>, sum: UnsafeMutablePointer<Float>,
    logSum: UnsafeMutablePointer<Float>?, flag: inout UInt32
  ) {
    var bad = FloatVector()
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      let largest = VectorMath.load(maximum, at: half)
      var total = FloatVector()
      for c in 0..<classes {
        let e = VectorMath.expOfNonPositive(VectorMath.load(tile, at: c * lanes + half) - largest)
        VectorMath.store(e, exponentials, at: c * lanes + half)
        total += e
      }
      VectorMath.flagNonFinite(total, into: &bad)
      VectorMath.store(total, sum, at: half)
      // The sum is at least 1 (the maximum's own term) unless it is NaN, which the flag
      // reports.
      if let logSum { VectorMath.store(VectorMath.logOfNormal(total), logSum, at: half) }
    }
    if bad.sum().isNaN { flag = 1 }
  }

  /// Calls `body(firstRow, count)` for each block of `range`.
  @inlinable @inline(__always)
  package static func forEachBlock(in range: Range<Int>, _ body: (Int, Int) -> Void) {
    var row = range.lowerBound
    while row < range.upperBound {
      let count = Swift.min(lanes, range.upperBound - row)
      body(row, count)
      row += count
    }
  }
}
