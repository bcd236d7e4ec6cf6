import LossKitCore

/// The two-pass kernel of soft F1 over focal classes.
///
/// Pass 1 sums, per focal class `k` over kept rows with weight `w`,
/// `tp = Σ w·y·p`, `Σ w·p` and `Σ w·y` (so `fp = Σ w·p − tp`, `fn = Σ w·y − tp`). The F1
/// derivatives then give, per focal class, the slope of the loss in `p_k` for rows of class
/// `k` (``Slopes/positive``) and of any other class (``Slopes/negative``). Pass 2 recomputes
/// the softmax and writes `∂L/∂z_j = p_j·(h_j − Σ_c p_c·h_c)`, `h` being those slopes. Both
/// passes work on 16-row blocks across all cores; the partial sums of pass 1 are combined in
/// chunk order, so results do not depend on the number of cores.
struct SoftF1Kernel: @unchecked Sendable {
  var logits: UnsafePointer<Float>
  var labels: UnsafePointer<Int32>
  var rowWeights: UnsafePointer<Float>?
  var rows: Int
  var classes: Int
  var focalClasses: [Int]
  var ignoreIndex: Int32

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

  private var rowGrain: Int { max(16, (65_536 / max(classes, 1)) & ~15) }

  /// Pass 1: the soft counts, and whether a logit was non-finite.
  func counts() -> (Counts, sawNonFinite: Bool) {
    let focalCount = focalClasses.count
    let chunks = Parallel.chunkCount(rows, grain: rowGrain)
    let width = 3 * focalCount + 1
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunks, 1) * width) {
      partials in
      partials.initialize(repeating: 0)
      let out = SendablePointer(partials.baseAddress!)
      let kernel = self
      Parallel.forEachChunk(count: rows, grain: rowGrain) { chunk, range in
        kernel.countChunk(range, into: out.base + chunk * width)
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

  private func countChunk(_ range: Range<Int>, into out: UnsafeMutablePointer<Double>) {
    let focalCount = focalClasses.count
    withUnsafeTemporaryAllocation(of: FloatVector.self, capacity: classes + 3 * focalCount) {
      scratch in
      let exps = scratch.baseAddress!
      let sums = exps + classes
      sums.initialize(repeating: .zero, count: 3 * focalCount)
      var flag = NonFiniteFlag()
      var blocks = 0
      RowBlock.forEach(in: range, classes: classes) { block in
        let (_, sum, _) = block.softmax(logits, into: exps, flag: &flag)
        let weight = rowWeight(block)
        let labelsOfBlock = block.perRow(labels, padding: ignoreIndex)
        for (k, focal) in focalClasses.enumerated() {
          let p: FloatVector = exps[focal] / sum
          let weighted: FloatVector = p * weight
          let isClass = labelsOfBlock .== Int32(focal)
          sums[3 * k] += weighted.replacing(with: 0, where: .!isClass)
          sums[3 * k + 1] += weighted
          sums[3 * k + 2] += weight.replacing(with: 0, where: .!isClass)
        }
        blocks += 1
        if blocks == 64 {
          flush(sums, into: out)
          blocks = 0
        }
      }
      flush(sums, into: out)
      out[3 * focalCount] = flag.isSet ? 1 : 0
    }
  }

  private func flush(_ sums: UnsafeMutablePointer<FloatVector>, into out: UnsafeMutablePointer<Double>) {
    for index in 0..<(3 * focalClasses.count) {
      out[index] += Double(sums[index].sum())
      sums[index] = .zero
    }
  }

  /// The weight of each row of a block: 0 for ignored or padded rows.
  @inline(__always)
  private func rowWeight(_ block: RowBlock) -> FloatVector {
    let weight = block.perRow(rowWeights)
    let labelsOfBlock = block.perRow(labels, padding: ignoreIndex)
    return weight.replacing(with: 0, where: labelsOfBlock .== ignoreIndex)
  }

  /// Pass 2: writes `scale` × the gradient into `gradient`.
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
    withUnsafeTemporaryAllocation(of: FloatVector.self, capacity: 2 * classes) { scratch in
      let exps = scratch.baseAddress!
      let slopeOf = exps + classes
      var flag = NonFiniteFlag()
      RowBlock.forEach(in: range, classes: classes) { block in
        let (_, sum, _) = block.softmax(logits, into: exps, flag: &flag)
        let weight: FloatVector = rowWeight(block) * scale
        let labelsOfBlock = block.perRow(labels, padding: ignoreIndex)
        let inverseSum: FloatVector = 1 / sum
        for c in 0..<classes { slopeOf[c] = .zero }
        var mixed = FloatVector(repeating: 0)
        for (k, focal) in focalClasses.enumerated() {
          let isClass = labelsOfBlock .== Int32(focal)
          let h = FloatVector(repeating: slopes.negative[k])
            .replacing(with: slopes.positive[k], where: isClass) * weight
          slopeOf[focal] = h
          mixed += exps[focal] * inverseSum * h
        }
        for c in 0..<classes {
          let p: FloatVector = exps[c] * inverseSum
          block.store(p * (slopeOf[c] - mixed), column: c, of: gradient, accumulate: accumulate)
        }
      }
    }
  }
}
