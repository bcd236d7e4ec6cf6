import LossKitCore
import LossKitKernels

/// The two-pass kernel of soft F1 over focal classes.
///
/// Pass 1 sums, per focal class `k` over kept rows with weight `w`,
/// `tp = Σ w·y·p`, `Σ w·p` and `Σ w·y` (so `fp = Σ w·p − tp`, `fn = Σ w·y − tp`). The F1
/// derivatives then give, per focal class, the slope of the loss in `p_k` for rows of class
/// `k` (``Slopes/positive``) and of any other class (``Slopes/negative``). Pass 2 recomputes
/// the probabilities and writes `∂L/∂z_j = p_j·(h_j − Σ_c p_c·h_c)`, `h` being those slopes.
/// Pass 1 leaves the probabilities in the gradient buffer when it may (the gradient is not
/// being accumulated onto another term's), so pass 2 need not recompute the softmax. Both
/// passes work on ``RowTile`` blocks across all cores; the partial sums of pass 1 are
/// combined in chunk order, so results do not depend on the number of cores. With
/// ``instructionSet`` ``InstructionSet/avx2`` both passes run their C twins instead
/// (`SoftF1Kernel+AVX2.swift`), which do not keep the probabilities.
struct SoftF1Kernel: @unchecked Sendable {
  var logits: UnsafePointer<Float>
  var labels: UnsafePointer<Int32>
  var rowWeights: UnsafePointer<Float>?
  var rows: Int
  var classes: Int
  var focalClasses: [Int]
  var ignoreIndex: Int32
  /// The Swift passes or their AVX2 twins.
  var instructionSet = InstructionSet.selected

  /// Per focal class: `tp`, `Σ w·p`, `Σ w·y`.
  struct Counts {
    var truePositives: [Double]
    var predicted: [Double]
    var actual: [Double]
  }

  /// Per focal class, `∂L/∂p_k` for a row whose class is `k` and for any other row.
  struct Slopes {
    var positive: [Float]
    var negative: [Float]
  }

  private var rowGrain: Int {
    max(RowTile.lanes, (65_536 / max(classes, 1)) / RowTile.lanes * RowTile.lanes)
  }

  /// Scratch floats per chunk: logits and exponentials tiles plus per-lane arrays.
  private var scratchSize: Int { (2 * classes + 4 + 3 * focalClasses.count) * RowTile.lanes }

  /// Pass 1: the soft counts, and whether a logit was non-finite; writes every row's
  /// probabilities into `probabilities` when given (the Swift path only).
  func counts(probabilities: UnsafeMutablePointer<Float>?) -> (Counts, sawNonFinite: Bool) {
    let focalCount = focalClasses.count
    let chunks = Parallel.chunkCount(rows, grain: rowGrain)
    let width = 3 * focalCount + 1
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunks, 1) * width) {
      partials in
      partials.initialize(repeating: 0)
      let out = SendablePointer(partials.baseAddress!)
      let stored = probabilities.map { SendablePointer($0) }
      let kernel = self
      Parallel.forEachChunk(count: rows, grain: rowGrain) { chunk, range in
        kernel.countChunk(range, into: out.base + chunk * width, probabilities: stored?.base)
      }
      var counts = Counts(
        truePositives: Array(repeating: 0, count: focalCount),
        predicted: Array(repeating: 0, count: focalCount),
        actual: Array(repeating: 0, count: focalCount))
      var sawNonFinite = false
      for chunk in 0..<chunks {
        let base = partials.baseAddress! + chunk * width
        for k in 0..<focalCount {
          counts.truePositives[k] += base[3 * k]
          counts.predicted[k] += base[3 * k + 1]
          counts.actual[k] += base[3 * k + 2]
        }
        sawNonFinite = sawNonFinite || base[3 * focalCount] != 0
      }
      return (counts, sawNonFinite)
    }
  }

  /// Loads a block's probabilities into the second tile (from `probabilities` when given,
  /// else by a softmax of the logits) and its per-row weights (0 for ignored and padded rows).
  @inline(__always)
  private func prepare(
    _ first: Int, _ count: Int, _ scratch: UnsafeMutablePointer<Float>,
    from probabilities: UnsafePointer<Float>?, _ flag: inout UInt32
  ) -> (probabilities: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>,
        labels: UnsafeMutablePointer<Int32>) {
    let lanes = RowTile.lanes
    let tile = scratch
    let exps = scratch + classes * lanes
    let maximum = exps + classes * lanes
    let sum = maximum + lanes
    let weight = sum + lanes
    let labelLanes = UnsafeMutableRawPointer(weight + lanes).assumingMemoryBound(to: Int32.self)
    if let probabilities {
      RowTile.load(probabilities, firstRow: first, count: count, classes: classes, into: exps)
    } else {
      RowTile.load(
        logits, firstRow: first, count: count, classes: classes, into: tile, maximum: maximum,
        flag: &flag)
      RowTile.softmax(
        tile, classes: classes, exponentials: exps, maximum: maximum, sum: sum, logSum: nil,
        flag: &flag)
      for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
        let inverse = VectorMath.splat(1) / VectorMath.load(sum, at: half)
        for c in 0..<classes {
          let index = c * lanes + half
          VectorMath.store(VectorMath.load(exps, at: index) * inverse, exps, at: index)
        }
      }
    }
    labelLanes.update(from: labels + first, count: count)
    (labelLanes + count).update(repeating: ignoreIndex, count: lanes - count)
    if let rowWeights {
      weight.update(from: rowWeights + first, count: count)
    } else {
      weight.update(repeating: 1, count: count)
    }
    let ignore = IntVector(repeating: ignoreIndex)
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      let ignored = VectorMath.load(labelLanes, at: half) .== ignore
      VectorMath.store(
        VectorMath.load(weight, at: half).replacing(with: 0, where: ignored), weight, at: half)
    }
    return (exps, weight, labelLanes)
  }

  private func countChunk(
    _ range: Range<Int>, into out: UnsafeMutablePointer<Double>,
    probabilities: UnsafeMutablePointer<Float>?
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 { return countChunkAVX2(range, into: out) }
    #endif
    let focalCount = focalClasses.count
    let lanes = RowTile.lanes
    withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchSize) { scratch in
      let sums = scratch.baseAddress! + (2 * classes + 4) * lanes
      sums.initialize(repeating: 0, count: 3 * focalCount * lanes)
      var flag: UInt32 = 0
      var blocks = 0
      RowTile.forEachBlock(in: range) { first, count in
        let (probability, weight, labelLanes) = prepare(
          first, count, scratch.baseAddress!, from: nil, &flag)
        if let probabilities {
          RowTile.store(
            probability, into: probabilities, firstRow: first, count: count, classes: classes,
            accumulate: false)
        }
        for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
          let rowWeight = VectorMath.load(weight, at: half)
          let rowLabel = VectorMath.load(labelLanes, at: half)
          for (k, focal) in focalClasses.enumerated() {
            let weighted = VectorMath.load(probability, at: focal * lanes + half) * rowWeight
            let isClass = rowLabel .== IntVector(repeating: Int32(truncatingIfNeeded: focal))
            let truePositive = 3 * k * lanes + half
            let predicted = truePositive + lanes
            let actual = predicted + lanes
            VectorMath.store(
              VectorMath.load(sums, at: truePositive)
                + VectorMath.splat(0).replacing(with: weighted, where: isClass),
              sums, at: truePositive)
            VectorMath.store(VectorMath.load(sums, at: predicted) + weighted, sums, at: predicted)
            VectorMath.store(
              VectorMath.load(sums, at: actual)
                + VectorMath.splat(0).replacing(with: rowWeight, where: isClass),
              sums, at: actual)
          }
        }
        blocks += 1
        if blocks == 64 {
          flush(sums, into: out)
          blocks = 0
        }
      }
      flush(sums, into: out)
      out[3 * focalCount] = flag != 0 ? 1 : 0
    }
  }

  private func flush(_ sums: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Double>) {
    let lanes = RowTile.lanes
    for index in 0..<(3 * focalClasses.count) {
      out[index] += ScalarMath.sum(sums + index * lanes, count: lanes)
      (sums + index * lanes).update(repeating: 0, count: lanes)
    }
  }

  /// Pass 2: writes `scale` × the gradient into `gradient`, which holds the probabilities
  /// from pass 1 when `accumulate` is `false` on the Swift path.
  func writeGradient(
    _ slopes: Slopes, scale: Float, into gradient: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let kernel = self
    let out = SendablePointer(gradient)
    Parallel.forEachChunk(count: rows, grain: rowGrain) { _, range in
      kernel.gradientChunk(range, slopes, scale: scale, out.base, accumulate: accumulate)
    }
  }

  private func gradientChunk(
    _ range: Range<Int>, _ slopes: Slopes, scale: Float, _ gradient: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 {
        return gradientChunkAVX2(range, slopes, scale: scale, gradient, accumulate: accumulate)
      }
    #endif
    let lanes = RowTile.lanes
    let focalIndex = (0..<classes).map { focalClasses.firstIndex(of: $0) }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchSize) { scratch in
      let slopeOf = scratch.baseAddress! + (2 * classes + 4) * lanes
      var flag: UInt32 = 0
      RowTile.forEachBlock(in: range) { first, count in
        let (probability, weight, labelLanes) = prepare(
          first, count, scratch.baseAddress!, from: accumulate ? nil : UnsafePointer(gradient),
          &flag)
        for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
          let rowWeight = VectorMath.load(weight, at: half) * VectorMath.splat(scale)
          let rowLabel = VectorMath.load(labelLanes, at: half)
          // h_k per row for each focal class, and Σ_k p_k·h_k.
          var mixed = FloatVector()
          for (k, focal) in focalClasses.enumerated() {
            let isClass = rowLabel .== IntVector(repeating: Int32(truncatingIfNeeded: focal))
            let h = VectorMath.splat(slopes.negative[k])
              .replacing(with: VectorMath.splat(slopes.positive[k]), where: isClass) * rowWeight
            VectorMath.store(h, slopeOf, at: k * lanes + half)
            mixed += VectorMath.load(probability, at: focal * lanes + half) * h
          }
          for c in 0..<classes {
            let index = c * lanes + half
            let p = VectorMath.load(probability, at: index)
            if let k = focalIndex[c] {
              VectorMath.store(p * (VectorMath.load(slopeOf, at: k * lanes + half) - mixed),
                               probability, at: index)
            } else {
              VectorMath.store(-p * mixed, probability, at: index)
            }
          }
        }
        RowTile.store(
          probability, into: gradient, firstRow: first, count: count, classes: classes,
          accumulate: accumulate)
      }
    }
  }
}
