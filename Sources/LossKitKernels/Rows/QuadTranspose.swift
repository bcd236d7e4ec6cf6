/// 4×4 transposes between a row-major matrix and a ``RowTile`` tile.
///
/// Four rows of four classes load as four `SIMD4<Float>` and leave as four columns: LLVM
/// turns the lane shuffles below into `unpcklps`/`shufps`, about one instruction per element,
/// where a scalar copy costs a load and a store per element. Softmax kernels spend a third of
/// their time moving data in and out of tiles at 10 classes, so this matters.
package enum QuadTranspose {
  /// Four vectors of four lanes.
  package typealias Quad = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)

  /// Swaps rows and columns of the 4×4 block `(a, b, c, d)`.
  @inlinable @inline(__always)
  package static func transpose(_ q: Quad) -> Quad {
    let (a, b, c, d) = q
    return (
      SIMD4(a[0], b[0], c[0], d[0]), SIMD4(a[1], b[1], c[1], d[1]),
      SIMD4(a[2], b[2], c[2], d[2]), SIMD4(a[3], b[3], c[3], d[3])
    )
  }

  /// Loads four vectors of four floats, `stride` floats apart, starting at `base`.
  ///
  /// Pointer arithmetic, not checked byte offsets: in these short blocks the overflow checks
  /// of `index * 4` outnumbered the shuffles.
  @inlinable @inline(__always)
  package static func load(_ base: UnsafePointer<Float>, stride: Int) -> Quad {
    (
      UnsafeRawPointer(base).loadUnaligned(as: SIMD4<Float>.self),
      UnsafeRawPointer(base + stride).loadUnaligned(as: SIMD4<Float>.self),
      UnsafeRawPointer(base + 2 &* stride).loadUnaligned(as: SIMD4<Float>.self),
      UnsafeRawPointer(base + 3 &* stride).loadUnaligned(as: SIMD4<Float>.self)
    )
  }

  /// Stores four vectors of four floats, `stride` floats apart, starting at `base`.
  @inlinable @inline(__always)
  package static func store(_ q: Quad, _ base: UnsafeMutablePointer<Float>, stride: Int) {
    UnsafeMutableRawPointer(base).storeBytes(of: q.0, as: SIMD4<Float>.self)
    UnsafeMutableRawPointer(base + stride).storeBytes(of: q.1, as: SIMD4<Float>.self)
    UnsafeMutableRawPointer(base + 2 &* stride).storeBytes(of: q.2, as: SIMD4<Float>.self)
    UnsafeMutableRawPointer(base + 3 &* stride).storeBytes(of: q.3, as: SIMD4<Float>.self)
  }

  /// The larger of `a` and `b` in each lane (`b` where either is NaN): one `maxps`.
  ///
  /// `pointwiseMax` handles NaN per IEEE maxNum and is a per-lane loop at the default x86-64
  /// target.
  @inlinable @inline(__always)
  package static func maximum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    b.replacing(with: a, where: a .> b)
  }

  /// The smaller of `a` and `b` in each lane (`b` where either is NaN): one `minps`.
  @inlinable @inline(__always)
  package static func minimum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    b.replacing(with: a, where: a .< b)
  }

  /// The starting classes of the 4-class blocks that cover `0..<classes` (`classes ≥ 4`): every
  /// fourth class, and a last block ending at the last class, which overlaps its neighbour
  /// when `classes` is not a multiple of 4.
  @inlinable @inline(__always)
  package static func forEachBlock(classes: Int, _ body: (Int) -> Void) {
    var start = 0
    while start + 4 < classes {
      body(start)
      start += 4
    }
    body(classes - 4)
  }
}
