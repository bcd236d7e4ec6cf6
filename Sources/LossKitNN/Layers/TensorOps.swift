import LossKitCore
import LossKitKernels

/// Matrix helpers on row-major `Tensor`s, built on ``Matrix/multiply(_:transposeA:_:transposeB:into:m:n:k:alpha:beta:lda:ldb:ldc:)``.
enum TensorOps {
  /// `C = op(A)·op(B) + β·C` where `A`, `B` are viewed as matrices with the given row widths.
  static func multiply(
    _ a: Tensor, rows m: Int, _ b: Tensor, columns n: Int, inner k: Int,
    transposeA: Bool = false, transposeB: Bool = false, into c: inout Tensor, beta: Float = 0
  ) {
    guard m > 0, n > 0 else { return }
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          Matrix.multiply(
            a.baseAddress!, transposeA: transposeA, b.baseAddress!, transposeB: transposeB,
            into: c.baseAddress!, m: m, n: n, k: k, beta: beta)
        }
      }
    }
  }

  /// Adds `vector` to every row of `matrix`.
  static func addRowVector(_ vector: Tensor, to matrix: inout Tensor) {
    let width = vector.count
    vector.withUnsafeBufferPointer { v in
      matrix.withUnsafeMutableBufferPointer { m in
        let rows = width == 0 ? 0 : m.count / width
        for row in 0..<rows {
          let line = m.baseAddress! + row * width
          for j in 0..<width { line[j] += v[j] }
        }
      }
    }
  }

  /// Adds the column sums of `matrix` into `vector` (a bias gradient).
  static func addColumnSums(of matrix: Tensor, into vector: inout Tensor) {
    let width = vector.count
    matrix.withUnsafeBufferPointer { m in
      vector.withUnsafeMutableBufferPointer { v in
        let rows = width == 0 ? 0 : m.count / width
        for row in 0..<rows {
          let line = m.baseAddress! + row * width
          for j in 0..<width { v[j] += line[j] }
        }
      }
    }
  }

  /// Copies columns of `source` (width `sourceWidth`) into columns starting at
  /// `offset` of `target` (width `targetWidth`), row by row.
  static func copyColumns(
    from source: UnsafePointer<Float>, sourceWidth: Int, into target: UnsafeMutablePointer<Float>,
    targetWidth: Int, offset: Int, rows: Int
  ) {
    for row in 0..<rows {
      (target + row * targetWidth + offset).update(
        from: source + row * sourceWidth, count: sourceWidth)
    }
  }
}

/// Weight initialisation, deterministic given the generator.
enum Initializer {
  /// Glorot (Xavier) uniform: `U(−√(6/(fanIn+fanOut)), +…)`, Keras' default for dense and
  /// LSTM kernels.
  static func glorotUniform(
    _ shape: [Int], fanIn: Int, fanOut: Int, random: inout SeededGenerator
  ) -> Tensor {
    let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
    return Tensor(shape: shape) { _ in (random.nextUnitFloat() * 2 - 1) * limit }
  }
}

extension Tensor {
  /// The transpose of a matrix `[rows, width]`, as a new `[width, rows]` matrix.
  func transposedMatrix() -> Tensor {
    let rows = flatRowCount
    let width = lastDimension
    var result = Tensor(shape: [width, rows])
    withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        for row in 0..<rows {
          for column in 0..<width { target[column * rows + row] = source[row * width + column] }
        }
      }
    }
    return result
  }

  /// The columns `range` of a matrix `[rows, width]`, as a new `[rows, range.count]` matrix.
  func columns(_ range: Range<Int>) -> Tensor {
    let rows = flatRowCount
    let width = lastDimension
    var result = Tensor(shape: [rows, range.count])
    withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        for row in 0..<rows {
          (target.baseAddress! + row * range.count)
            .update(from: source.baseAddress! + row * width + range.lowerBound, count: range.count)
        }
      }
    }
    return result
  }

  /// Adds a `[rows, w]` matrix into the columns `offset ..< offset + w` of this matrix.
  mutating func addColumns(_ part: Tensor, at offset: Int) {
    let width = lastDimension
    let partWidth = part.lastDimension
    let rows = Swift.min(flatRowCount, part.flatRowCount)
    part.withUnsafeBufferPointer { source in
      withUnsafeMutableBufferPointer { target in
        for row in 0..<rows {
          let into = target.baseAddress! + row * width + offset
          let from = source.baseAddress! + row * partWidth
          for j in 0..<partWidth { into[j] += from[j] }
        }
      }
    }
  }
}
