import Foundation
import LossKitCore
import LossKitKernels

#if arch(x86_64)
  import CLossKitKernels
#endif

/// Value and gradient of supervised contrastive loss over a batch of embeddings.
///
/// 1. `ê_i = e_i / max(‖e_i‖, 1e−12)`; `S = Ê·Êᵀ` (blocked SIMD Gram product, lower half).
/// 2. Per anchor `i` (rows in parallel, SIMD along the row):
///    `ℓ_i = logΣ_{j≠i} exp(S_ij/τ) − mean_{j∈P(i)} S_ij/τ`, 0 when `i` has no positive.
/// 3. The loss averages `ℓ_i` over anchors with `ℓ_i > 0` (pytorch-metric-learning's
///    `AvgNonZeroReducer`); a batch with no positive pair or no negative pair gives 0.
/// 4. `G_ij = ∂L/∂S_ij = (softmax_ij − [j∈P(i)]/|P(i)|) / (τ·K)`: row `i` of `G + Gᵀ`
///    overwrites row `i` of `S` in one vectorised pass (S is symmetric);
///    `∂L/∂Ê = (G + Gᵀ)·Ê` (GEMM); finally the normalisation's Jacobian
///    `(g − ê(ê·g)) / ‖e‖`.
///
/// The row passes of steps 2 and 4 (an `exp` or two per element of `S`) run on ``FloatVector``s
/// or, when ``instructionSet`` is ``InstructionSet/avx2``, in their C twins
/// (`lk_supcon_anchor_avx2`, `lk_supcon_gradient_row_avx2`); the per-sample steps (the
/// normalisation and its Jacobian) run in chunks of rows on every core.
struct SupConKernel: @unchecked Sendable {
  let embeddings: UnsafePointer<Float>
  let count: Int
  let dimension: Int
  let labels: [Int32]
  let temperature: Float
  /// The Swift row passes or their AVX2 twins.
  var instructionSet = InstructionSet.selected

  /// Rows per chunk of the per-sample steps.
  private var rowGrain: Int { Swift.max(1, 16_384 / Swift.max(1, dimension)) }

  /// The loss, and whether an embedding was non-finite; writes `scale` × the gradient when
  /// `gradient` is set.
  func run(
    gradient: UnsafeMutablePointer<Float>?, scale: Float, accumulate: Bool
  ) -> (value: Double, sawNonFinite: Bool) {
    let n = count
    let d = dimension
    var normalized = [Float](repeating: 0, count: n * d)
    var norms = [Float](repeating: 0, count: n)
    let sawNonFinite = normalized.withUnsafeMutableBufferPointer { out in
      norms.withUnsafeMutableBufferPointer { normOut in
        normalize(into: out.baseAddress!, norms: normOut.baseAddress!)
      }
    }
    if sawNonFinite { return (0, true) }
    let positives = positiveCounts()
    let hasPositivePair = positives.contains { $0 > 0 }
    let hasNegativePair = Set(labels).count > 1
    guard hasPositivePair, hasNegativePair else {
      if let gradient, !accumulate { gradient.update(repeating: 0, count: n * d) }
      return (0, false)
    }
    return ScratchPool.withFloats(count: n * n) { buffer in
      let similarity = buffer.baseAddress!
      let value = normalized.withUnsafeBufferPointer { e in
        Matrix.gram(e.baseAddress!, into: similarity, n: n, k: d)
        return lossAndGradient(
          similarity: similarity, normalized: e.baseAddress!, norms: norms,
          positives: positives, gradient: gradient, scale: scale, accumulate: accumulate)
      }
      return (value, false)
    }
  }

  /// Steps 2–4 on the similarity matrix `S`, which the gradient pass overwrites with
  /// `G + Gᵀ`.
  private func lossAndGradient(
    similarity: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>, norms: [Float],
    positives: [Int], gradient: UnsafeMutablePointer<Float>?, scale: Float, accumulate: Bool
  ) -> Double {
    let n = count
    let d = dimension
    var losses = [Double](repeating: 0, count: n)
    var logSums = [Float](repeating: 0, count: n)
    losses.withUnsafeMutableBufferPointer { lossOut in
      logSums.withUnsafeMutableBufferPointer { logSumOut in
        labels.withUnsafeBufferPointer { labelBuffer in
          let input = SendablePointer(similarity)
          let lossPointer = SendablePointer(lossOut.baseAddress!)
          let logSumPointer = SendablePointer(logSumOut.baseAddress!)
          let labelPointer = SendablePointer(labelBuffer.baseAddress!)
          let kernel = self
          Parallel.forEachChunk(count: n, grain: Swift.max(1, 65_536 / n)) { _, rows in
            TailPads.with { pads in
              for i in rows {
                let (loss, logSum) = kernel.anchorLoss(
                  row: input.base + i * n, anchor: i, labels: labelPointer.base,
                  positives: positives[i], pads: pads)
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
      return 0
    }
    let value = counted.reduce(0, +) / Double(counted.count)
    guard let gradient else { return value }
    // Per anchor j: its log-sum, and its weight 1/(τ·K) (0 when not counted) with the share
    // 1/|P(j)| of each positive. With S symmetric, (G + Gᵀ)_ij is computed in one row pass.
    let coefficient = 1 / (temperature * Float(counted.count))
    let anchorWeight = losses.map { $0 > 0 ? coefficient : 0 }
    let positiveShare = zip(losses, positives).map { $0 > 0 ? coefficient / Float($1) : 0 }
    labels.withUnsafeBufferPointer { labelBuffer in
      anchorWeight.withUnsafeBufferPointer { weights in
        positiveShare.withUnsafeBufferPointer { shares in
          logSums.withUnsafeBufferPointer { logSumBuffer in
            let matrix = SendablePointer(similarity)
            let labelPointer = SendablePointer(labelBuffer.baseAddress!)
            let weightPointer = SendablePointer(weights.baseAddress!)
            let sharePointer = SendablePointer(shares.baseAddress!)
            let logSumPointer = SendablePointer(logSumBuffer.baseAddress!)
            let kernel = self
            Parallel.forEachChunk(count: n, grain: Swift.max(1, 65_536 / n)) { _, rows in
              TailPads.with { pads in
                for i in rows {
                  kernel.symmetricGradientRow(
                    matrix.base + i * n, anchor: i, labels: labelPointer.base,
                    weights: weightPointer.base, shares: sharePointer.base,
                    logSums: logSumPointer.base, pads: pads)
                }
              }
            }
          }
        }
      }
    }
    var slope = [Float](repeating: 0, count: n * d)
    slope.withUnsafeMutableBufferPointer { out in
      Matrix.multiply(similarity, normalized, into: out.baseAddress!, m: n, n: d, k: n)
    }
    slope.withUnsafeBufferPointer { slope in
      norms.withUnsafeBufferPointer { norms in
        let slope = SendablePointer(slope.baseAddress!)
        let norms = SendablePointer(norms.baseAddress!)
        let output = SendablePointer(gradient)
        let unit = SendablePointer(normalized)
        Parallel.forEachChunk(count: n, grain: rowGrain) { _, rows in
          for i in rows {
            let e = unit.base + i * d
            let g = slope.base + i * d
            var projection: Float = 0
            for k in 0..<d { projection += e[k] * g[k] }
            let factor = scale / norms.base[i]
            let out = output.base + i * d
            for k in 0..<d {
              out[k] = (accumulate ? out[k] : 0) + (g[k] - e[k] * projection) * factor
            }
          }
        }
      }
    }
    return value
  }

  /// Writes `ê_i = e_i / max(‖e_i‖, 1e−12)` and the norms, rows in chunks on every core;
  /// returns whether an embedding was non-finite.
  private func normalize(
    into normalized: UnsafeMutablePointer<Float>, norms: UnsafeMutablePointer<Float>
  ) -> Bool {
    let d = dimension
    let input = SendablePointer(embeddings)
    let output = SendablePointer(normalized)
    let normOutput = SendablePointer(norms)
    return Parallel.sum(count: count, grain: rowGrain) { rows in
      var sawNonFinite = false
      for i in rows {
        let row = input.base + i * d
        var squares = 0.0
        for k in 0..<d {
          let x = row[k]
          sawNonFinite = sawNonFinite || !x.isFinite
          squares += Double(x) * Double(x)
        }
        let norm = Swift.max(Float(squares.squareRoot()), 1e-12)
        normOutput.base[i] = norm
        for k in 0..<d { output.base[i * d + k] = row[k] / norm }
      }
      return KernelSum(sum: 0, sawNonFinite: sawNonFinite)
    }.sawNonFinite
  }

  /// How many other samples share each sample's label.
  private func positiveCounts() -> [Int] {
    var perLabel: [Int32: Int] = [:]
    for label in labels { perLabel[label, default: 0] += 1 }
    return labels.map { perLabel[$0]! - 1 }
  }

  /// `ℓ_i` and `log Σ_{j≠i} exp(S_ij/τ)` for one anchor row. Sets the row's diagonal to
  /// `−∞`, which leaves the anchor out of both sums (the gradient pass ignores it).
  private func anchorLoss(
    row: UnsafeMutablePointer<Float>, anchor: Int, labels: UnsafePointer<Int32>, positives: Int,
    pads: TailPads
  ) -> (Double, Float) {
    let (shift, total, positiveSum) = anchorSums(
      row: row, anchor: anchor, labels: labels, pads: pads)
    let logSum = shift + Float(Foundation.log(Double(total)))
    guard positives > 0 else { return (0, logSum) }
    let meanPositive = Double(positiveSum) / Double(temperature) / Double(positives)
    return (Swift.max(Double(logSum) - meanPositive, 0), logSum)
  }

  /// For one anchor row, after setting its diagonal to `−∞`: `shift = max_j S_ij/τ`,
  /// `Σ_j exp(S_ij/τ − shift)` and the sum of `S_ij` over the anchor's positives.
  private func anchorSums(
    row: UnsafeMutablePointer<Float>, anchor: Int, labels: UnsafePointer<Int32>, pads: TailPads
  ) -> (shift: Float, total: Float, positiveSum: Float) {
    #if arch(x86_64)
      if instructionSet == .avx2 {
        var shift: Float = 0
        var positiveSum: Float = 0
        let total = lk_supcon_anchor_avx2(
          row, labels, count, anchor, 1 / temperature, &shift, &positiveSum)
        return (shift, total, positiveSum)
      }
    #endif
    typealias V = VectorMath
    let width = FloatVector.scalarCount
    let whole = count / width * width
    let rest = count - whole
    row[anchor] = -.infinity
    let anchorLabel = IntVector(repeating: labels[anchor])
    var largest = V.splat(-.infinity)
    var positiveSum = FloatVector()
    @inline(__always) func scan(
      _ row: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>, _ j: Int
    ) {
      let similarity = V.load(row, at: j)
      largest = largest.replacing(with: similarity, where: similarity .> largest)
      let positive = (V.load(labels, at: j) .== anchorLabel) .& (similarity .!= -.infinity)
      positiveSum += V.splat(0).replacing(with: similarity, where: positive)
    }
    for j in stride(from: 0, to: whole, by: width) { scan(row, labels, j) }
    let tailRow = V.pad(row + whole, count: rest, fill: -.infinity, into: pads.floats)
    if rest > 0 { scan(tailRow, V.pad(labels + whole, count: rest, into: pads.integers), 0) }
    let inverseTemperature = 1 / temperature
    let shift = largest.max() * inverseTemperature
    var total = FloatVector()
    @inline(__always) func addExponentials(_ row: UnsafePointer<Float>, _ j: Int) {
      total += V.expOfNonPositive(
        V.multiplyAdd(V.load(row, at: j), V.splat(inverseTemperature), V.splat(-shift)))
    }
    for j in stride(from: 0, to: whole, by: width) { addExponentials(row, j) }
    if rest > 0 { addExponentials(tailRow, 0) }
    return (shift, total.sum(), positiveSum.sum())
  }

  /// Overwrites row `i` of `S` with row `i` of `G + Gᵀ`, `G_ij = ∂L/∂S_ij`:
  ///
  /// ```
  /// (G + Gᵀ)_ij = w_i·softmax_i(j) + w_j·softmax_j(i) − [same label]·(share_i + share_j)
  /// ```
  ///
  /// where `softmax_i(j) = exp(S_ij/τ − logSum_i)` and, S being symmetric,
  /// `softmax_j(i) = exp(S_ij/τ − logSum_j)`; the diagonal is 0.
  private func symmetricGradientRow(
    _ row: UnsafeMutablePointer<Float>, anchor: Int, labels: UnsafePointer<Int32>,
    weights: UnsafePointer<Float>, shares: UnsafePointer<Float>, logSums: UnsafePointer<Float>,
    pads: TailPads
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 {
        lk_supcon_gradient_row_avx2(
          row, labels, weights, shares, logSums, count, anchor, 1 / temperature)
        return
      }
    #endif
    typealias V = VectorMath
    let width = FloatVector.scalarCount
    let whole = count / width * width
    let rest = count - whole
    let inverseTemperature = V.splat(1 / temperature)
    let anchorLabel = IntVector(repeating: labels[anchor])
    let anchorWeight = V.splat(weights[anchor])
    let anchorShare = V.splat(shares[anchor])
    let anchorLogSum = V.splat(logSums[anchor])
    @inline(__always) func step(
      _ row: UnsafeMutablePointer<Float>, _ labels: UnsafePointer<Int32>,
      _ weights: UnsafePointer<Float>, _ shares: UnsafePointer<Float>,
      _ logSums: UnsafePointer<Float>, _ j: Int
    ) {
      let logit = V.load(row, at: j) * inverseTemperature
      let fromAnchor = anchorWeight * V.expOfNonPositive(logit - anchorLogSum)
      let fromOther = V.load(weights, at: j) * V.expOfNonPositive(logit - V.load(logSums, at: j))
      let share = anchorShare + V.load(shares, at: j)
      let positive = V.load(labels, at: j) .== anchorLabel
      let gradient = fromAnchor + fromOther
      V.store(gradient.replacing(with: gradient - share, where: positive), row, at: j)
    }
    for j in stride(from: 0, to: whole, by: width) {
      step(row, labels, weights, shares, logSums, j)
    }
    if rest > 0 {
      let floats = pads.floats
      let tailRow = V.pad(row + whole, count: rest, into: floats)
      step(
        tailRow, V.pad(labels + whole, count: rest, into: pads.integers),
        V.pad(weights + whole, count: rest, into: floats + width),
        V.pad(shares + whole, count: rest, into: floats + 2 * width),
        V.pad(logSums + whole, count: rest, into: floats + 3 * width), 0)
      (row + whole).update(from: tailRow, count: rest)
    }
    row[anchor] = 0
  }
}
