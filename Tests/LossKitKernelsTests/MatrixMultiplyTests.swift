import Foundation
import LossKitCore
import LossKitKernels
import Testing

@Suite struct MatrixMultiplyTests {
  static let shapes = [
    (1, 1, 1, false, false), (7, 9, 5, false, false), (13, 17, 300, true, false),
    (50, 33, 12, false, true), (97, 100, 257, true, true), (6, 2_100, 3, false, false),
    // `B` read in place (whole panels, small): partial row panels, `k` past one block, and
    // a transposed `A`.
    (32, 512, 128, false, false), (33, 128, 300, false, false), (13, 16, 300, true, false),
  ]

  @Test(
    "the blocked product equals the textbook one",
    arguments: shapes, RegisterTile.available)
  func matchesReference(
    shape: (Int, Int, Int, Bool, Bool),
    tile: RegisterTile
  ) {
    let (m, n, k, transposeA, transposeB) = shape
    var random = SeededGenerator(seed: UInt64(m * 1_000 + n))
    let a = (0..<(m * k)).map { _ in Float(random.nextNormal()) }
    let b = (0..<(k * n)).map { _ in Float(random.nextNormal()) }
    let start = (0..<(m * n)).map { _ in Float(random.nextNormal()) }
    let c = product(a, b, onto: start, shape: shape, alpha: 0.5, beta: 2, tile: tile)
    let expected = Matrix.referenceMultiply(
      a, transposeA: transposeA, b, transposeB: transposeB, m: m, n: n, k: k)
    let worst = (0..<(m * n)).map {
      abs(Double(c[$0]) - (0.5 * expected[$0] + 2 * Double(start[$0])))
    }.max()!
    #expect(worst < 1e-3 * Double(k).squareRoot())
  }

  @Test(
    "the Gram product equals the general one bit for bit and is symmetric",
    arguments: [(1, 3), (5, 1), (7, 300), (100, 33), (300, 128), (2_100, 4)],
    RegisterTile.available)
  func gramMatchesGeneralProduct(shape: (Int, Int), tile: RegisterTile) {
    let (n, k) = shape
    var random = SeededGenerator(seed: UInt64(n * 1_000 + k))
    let a = (0..<(n * k)).map { _ in Float(random.nextNormal()) }
    var general = [Float](repeating: 0, count: n * n)
    var gram = [Float](repeating: .nan, count: n * n)
    a.withUnsafeBufferPointer { a in
      general.withUnsafeMutableBufferPointer { c in
        Matrix.multiply(
          a.baseAddress!, a.baseAddress!, transposeB: true, into: c.baseAddress!, m: n, n: n,
          k: k, tile: tile)
      }
      gram.withUnsafeMutableBufferPointer { c in
        Matrix.gram(
          a.baseAddress!, into: c.baseAddress!, n: n, k: k, tile: tile)
      }
    }
    #expect(gram == general)
    let asymmetric = (0..<n).contains { i in
      (0..<n).contains { j in gram[i * n + j] != gram[j * n + i] }
    }
    #expect(!asymmetric)
  }

  @Test(
    "the AVX-512 tile gives the AVX2 tile's bits",
    .enabled(if: RegisterTile.available.contains(.avx512)), arguments: shapes)
  func wideTileMatchesAVX2(shape: (Int, Int, Int, Bool, Bool)) {
    let (m, n, k, _, _) = shape
    var random = SeededGenerator(seed: UInt64(m * 1_000 + n + 7))
    let a = (0..<(m * k)).map { _ in Float(random.nextNormal()) }
    let b = (0..<(k * n)).map { _ in Float(random.nextNormal()) }
    let start = (0..<(m * n)).map { _ in Float(random.nextNormal()) }
    let results = [RegisterTile.avx2, .avx512].map { tile in
      product(a, b, onto: start, shape: shape, alpha: 0.3, beta: 2, tile: tile)
    }
    #expect(results[0] == results[1])
  }

  /// `alpha·op(A)·op(B) + beta·start` by `Matrix.multiply` with the given register tile.
  private func product(
    _ a: [Float], _ b: [Float], onto start: [Float], shape: (Int, Int, Int, Bool, Bool),
    alpha: Float, beta: Float, tile: RegisterTile
  ) -> [Float] {
    let (m, n, k, transposeA, transposeB) = shape
    var c = start
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          Matrix.multiply(
            a.baseAddress!, transposeA: transposeA, b.baseAddress!, transposeB: transposeB,
            into: c.baseAddress!, m: m, n: n, k: k, alpha: alpha, beta: beta, tile: tile)
        }
      }
    }
    return c
  }
}
