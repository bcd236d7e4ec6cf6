import Foundation
import LossKitCore

/// Value and gradient of supervised contrastive loss over a batch of embeddings.
///
/// 1. `ê_i = e_i / max(‖e_i‖, 1e−12)`; `S = Ê·Êᵀ` (blocked SIMD GEMM).
/// 2. Per anchor `i` (rows in parallel, SIMD along the row):
///    `ℓ_i = logΣ_{j≠i} exp(S_ij/τ) − mean_{j∈P(i)} S_ij/τ`, 0 when `i` has no positive.
/// 3. The loss averages `ℓ_i` over anchors with `ℓ_i > 0` (pytorch-metric-learning's
///    `AvgNonZeroReducer`); a batch with no positive pair or no negative pair gives 0.
/// 4. `G_ij = ∂L/∂S_ij = (softmax_ij − [j∈P(i)]/|P(i)|) / (τ·K)` overwrites `S` row by row;
///    `G + Gᵀ` in cache-sized tiles; `∂L/∂Ê = (G + Gᵀ)·Ê` (GEMM); finally the
///    normalisation's Jacobian `(g − ê(ê·g)) / ‖e‖`.
struct SupConKernel: @unchecked Sendable {
  let embeddings: UnsafePointer<Float>
  let count: Int
  let dimension: Int
  let labels: [Int32]
  let temperature: Float

  /// The loss, and whether an embedding was non-finite; writes `scale` × the gradient when
  /// `gradient` is set.
  func run(
    gradient: UnsafeMutablePointer<Float>?, scale: Float, accumulate: Bool
  ) -> (value: Double, sawNonFinite: Bool) {
    let n = count
    let d = dimension
    var flag = NonFiniteFlag()
    var normalized = [Float](repeating: 0, count: n * d)
    var norms = [Float](repeating: 0, count: n)
    for i in 0..<n {
      var squares = 0.0
      for k in 0..<d {
        let x = embeddings[i * d + k]
        if !x.isFinite { flag.record(FloatVector(repeating: x)) }
        squares += Double(x) * Double(x)
      }
      let norm = Swift.max(Float(squares.squareRoot()), 1e-12)
      norms[i] = norm
      for k in 0..<d { normalized[i * d + k] = embeddings[i * d + k] / norm }
    }
    if flag.isSet { return (0, true) }
    let positives = positiveCounts()
    let hasPositivePair = positives.contains { $0 > 0 }
    let hasNegativePair = Set(labels).count > 1
    guard hasPositivePair, hasNegativePair else {
      if let gradient, !accumulate { gradient.update(repeating: 0, count: n * d) }
      return (0, false)
    }
    var similarity = [Float](repeating: 0, count: n * n)
    normalized.withUnsafeBufferPointer { e in
      similarity.withUnsafeMutableBufferPointer { s in
        Matrix.multiply(
          e.baseAddress!, e.baseAddress!, transposeB: true, into: s.baseAddress!, m: n, n: n,
          k: d)
      }
    }
    var losses = [Double](repeating: 0, count: n)
    var logSums = [Float](repeating: 0, count: n)
    similarity.withUnsafeBufferPointer { s in
      losses.withUnsafeMutableBufferPointer { lossOut in
        logSums.withUnsafeMutableBufferPointer { logSumOut in
          labels.withUnsafeBufferPointer { labelBuffer in
            let input = SendablePointer(s.baseAddress!)
            let lossPointer = SendablePointer(lossOut.baseAddress!)
            let logSumPointer = SendablePointer(logSumOut.baseAddress!)
            let labelPointer = SendablePointer(labelBuffer.baseAddress!)
            let kernel = self
            Parallel.forEachChunk(count: n, grain: Swift.max(1, 65_536 / n)) { _, rows in
              for i in rows {
                let (loss, logSum) = kernel.anchorLoss(
                  row: input.base + i * n, anchor: i, labels: labelPointer.base,
                  positives: positives[i])
                lossPointer.base[i] = loss
                logSumPointer.base[i] = logSum
              }
            }
          }
        }
      }
    }
    let counted = losses.filter { $0 > 0 }
    guard !counted.isEmpty else {
      if let gradient, !accumulate { gradient.update(repeating: 0, count: n * d) }
      return (0, false)
    }
    let value = counted.reduce(0, +) / Double(counted.count)
    guard let gradient else { return (value, false) }
    let coefficient = 1 / (temperature * Float(counted.count))
    let finalLosses = losses
    let finalLogSums = logSums
    similarity.withUnsafeMutableBufferPointer { s in
      let matrix = SendablePointer(s.baseAddress!)
      labels.withUnsafeBufferPointer { labelBuffer in
        let labelPointer = SendablePointer(labelBuffer.baseAddress!)
        let kernel = self
        Parallel.forEachChunk(count: n, grain: Swift.max(1, 65_536 / n)) { _, rows in
          for i in rows {
            kernel.anchorGradient(
              row: matrix.base + i * n, anchor: i, labels: labelPointer.base,
              positives: positives[i], counted: finalLosses[i] > 0, logSum: finalLogSums[i],
              coefficient: coefficient)
          }
        }
      }
      symmetrize(matrix.base, n)
    }
    var slope = [Float](repeating: 0, count: n * d)
    similarity.withUnsafeBufferPointer { g in
      normalized.withUnsafeBufferPointer { e in
        slope.withUnsafeMutableBufferPointer { out in
          Matrix.multiply(
            g.baseAddress!, e.baseAddress!, into: out.baseAddress!, m: n, n: d, k: n)
        }
      }
    }
    for i in 0..<n {
      var projection: Float = 0
      for k in 0..<d { projection += normalized[i * d + k] * slope[i * d + k] }
      let factor = scale / norms[i]
      for k in 0..<d {
        let g = (slope[i * d + k] - normalized[i * d + k] * projection) * factor
        gradient[i * d + k] = (accumulate ? gradient[i * d + k] : 0) + g
      }
    }
    return (value, false)
  }

  /// How many other samples share each sample's label.
  private func positiveCounts() -> [Int] {
    var perLabel: [Int32: Int] = [:]
    for label in labels { perLabel[label, default: 0] += 1 }
    return labels.map { perLabel[$0]! - 1 }
  }

  /// `ℓ_i` and `log Σ_{j≠i} exp(S_ij/τ)` for one anchor row.
  private func anchorLoss(
    row: UnsafePointer<Float>, anchor: Int, labels: UnsafePointer<Int32>, positives: Int
  ) -> (Double, Float) {
    let inverseTemperature = 1 / temperature
    var maximum = FloatVector(repeating: -.infinity)
    forEachLaneBlock { start, lanes, valid in
      let logits = load(row, start, lanes) * inverseTemperature
      let kept = valid .& (laneIndices(start) .!= Int32(anchor))
      maximum = VectorMath.maximum(maximum, logits.replacing(with: -.infinity, where: .!kept))
    }
    let rowMaximum = maximum.max()
    var sum = FloatVector(repeating: 0)
    var positiveSum = FloatVector(repeating: 0)
    let anchorLabel = labels[anchor]
    forEachLaneBlock { start, lanes, valid in
      let logits = load(row, start, lanes) * inverseTemperature
      let kept = valid .& (laneIndices(start) .!= Int32(anchor))
      let e = VectorMath.exp(logits - rowMaximum)
      sum += e.replacing(with: 0, where: .!kept)
      let isPositive = kept .& (load(labels, start, lanes) .== anchorLabel)
      positiveSum += logits.replacing(with: 0, where: .!isPositive)
    }
    let logSum = rowMaximum + Foundation.log(sum.sum())
    guard positives > 0 else { return (0, logSum) }
    let loss = Double(logSum) - Double(positiveSum.sum()) / Double(positives)
    return (Swift.max(loss, 0), logSum)
  }

  /// Overwrites one row of `S` with `∂L/∂S_i·` (zero for anchors that are not counted).
  private func anchorGradient(
    row: UnsafeMutablePointer<Float>, anchor: Int, labels: UnsafePointer<Int32>, positives: Int,
    counted: Bool, logSum: Float, coefficient: Float
  ) {
    guard counted else {
      row.update(repeating: 0, count: count)
      return
    }
    let inverseTemperature = 1 / temperature
    let positiveShare = 1 / Float(positives)
    let anchorLabel = labels[anchor]
    forEachLaneBlock { start, lanes, valid in
      let logits = load(UnsafePointer(row), start, lanes) * inverseTemperature
      let kept = valid .& (laneIndices(start) .!= Int32(anchor))
      let softmax = VectorMath.exp(logits - logSum)
      let isPositive = kept .& (load(labels, start, lanes) .== anchorLabel)
      var g: FloatVector = softmax - FloatVector(repeating: 0).replacing(with: positiveShare, where: isPositive)
      g = (g * coefficient).replacing(with: 0, where: .!kept)
      for lane in 0..<lanes { row[start + lane] = g[lane] }
    }
  }

  /// `G ← G + Gᵀ`, tile pair by tile pair so both tiles stay in cache.
  private func symmetrize(_ matrix: UnsafeMutablePointer<Float>, _ n: Int) {
    let tile = 64
    let tiles = (n + tile - 1) / tile
    let shared = SendablePointer(matrix)
    Parallel.forEachChunk(count: tiles, grain: 1) { tileRow, _ in
      let i0 = tileRow * tile
      for tileColumn in tileRow..<tiles {
        let j0 = tileColumn * tile
        for i in i0..<Swift.min(i0 + tile, n) {
          let start = tileRow == tileColumn ? i : j0
          for j in start..<Swift.min(j0 + tile, n) {
            let sum = shared.base[i * n + j] + shared.base[j * n + i]
            shared.base[i * n + j] = sum
            shared.base[j * n + i] = sum
          }
        }
      }
    }
  }

  @inline(__always)
  private func forEachLaneBlock(
    _ body: (_ start: Int, _ lanes: Int, _ valid: SIMDMask<SIMD16<Int32>>) -> Void
  ) {
    var start = 0
    while start < count {
      let lanes = Swift.min(16, count - start)
      body(start, lanes, SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .< Int32(lanes))
      start += 16
    }
  }

  @inline(__always)
  private func laneIndices(_ start: Int) -> SIMD16<Int32> {
    SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) &+ Int32(start)
  }

  @inline(__always)
  private func load(_ row: UnsafePointer<Float>, _ start: Int, _ lanes: Int) -> FloatVector {
    if lanes == 16 { return UnsafeRawPointer(row + start).loadUnaligned(as: FloatVector.self) }
    var result = FloatVector(repeating: 0)
    for lane in 0..<lanes { result[lane] = row[start + lane] }
    return result
  }

  @inline(__always)
  private func load(_ row: UnsafePointer<Int32>, _ start: Int, _ lanes: Int) -> SIMD16<Int32> {
    if lanes == 16 { return UnsafeRawPointer(row + start).loadUnaligned(as: SIMD16<Int32>.self) }
    var result = SIMD16<Int32>(repeating: 0)
    for lane in 0..<lanes { result[lane] = row[start + lane] }
    return result
  }
}
