import LossKitCore
import LossKitKernels

#if arch(x86_64)
  import CLossKitKernels
#endif

/// The fused value-and-gradient kernel of sigmoid (binary / multi-label) focal loss.
///
/// Per element with logit `x`, target `y ∈ [0, 1]` and `σ` the logistic function:
///
/// ```
/// loss = α_t · BCE(x, y) · m^γ,   m = 1 − p_t = y·σ(−x) + (1 − y)·σ(x)
/// ∂loss/∂x = α_t · m^γ · [(σ(x) − y) + γ · BCE · (1 − 2y) · σ(x)σ(−x) / m]
/// ```
///
/// Elements run in blocks of ``block``. A block whose targets are all 0 or 1 (the common
/// case) uses the hard-label form: with `u = x` for `y = 0` and `u = −x` for `y = 1`,
/// `loss = α_t · softplus(u) · σ(u)^γ` and `∂loss/∂u = α_t·σ(u)^γ·(σ(u) + γ·softplus(u)·σ(−u))`,
/// one `exp`, one `ln(1 + e^−|u|)` polynomial (``LaneMath/logOnePlusOfUnit(_:)``) and one
/// division per element, finite for every finite logit and every γ ≥ 0 (torchvision's
/// gradient is NaN for γ < 1 at saturated logits). Other blocks (soft or smoothed targets)
/// use the general form above, where `m > 0`. Both loops work on
/// ``FloatVector``s of 16 elements, or on 8 AVX2 lanes in their C twin
/// (`lk_sigmoid_focal_avx2`) when ``instructionSet`` is ``InstructionSet/avx2``; that one
/// checks the targets as it goes instead of in a pass of their own, and takes the hard form up
/// to the first vector of a block with a target other than 0 or 1. Chunks of blocks run on
/// every core.
struct SigmoidFocalKernel: @unchecked Sendable {
  var logits: UnsafePointer<Float>
  var targets: UnsafePointer<Float>
  var count: Int
  /// Elements per sample (the last dimension), for ``rowWeights``.
  var rowLength: Int
  var rowWeights: UnsafePointer<Float>?
  var gamma: Float
  var alpha: Float?
  var labelSmoothing: Float = 0
  var gradient: UnsafeMutablePointer<Float>
  var gradientScale: Float = 1
  var accumulate = false
  var perElement: UnsafeMutablePointer<Float>?
  /// The Swift loops or their AVX2 twins.
  var instructionSet = InstructionSet.selected

  /// Elements per block.
  static let block = 512

  /// Returns the sum of the element losses and whether an input was bad: a non-finite logit,
  /// or a target outside [0, 1] or NaN (the caller finds which, only then).
  func run() -> KernelSum {
    switch gamma {
    case 0: return run(FocalPowerZero.self)
    case 1: return run(FocalPowerOne.self)
    case 2: return run(FocalPowerTwo.self)
    default: return run(FocalPowerGeneral.self)
    }
  }

  private func run<Power: FocalPower>(_ power: Power.Type) -> KernelSum {
    let kernel = self
    if rowWeights == nil {
      return Parallel.sum(count: count, grain: 1 << 16) { range in
        kernel.chunk(range, Power.self)
      }
    }
    // With sample weights, chunks and blocks never straddle a sample.
    let rows = count / rowLength
    return Parallel.sum(count: rows, grain: max(1, (1 << 16) / rowLength)) { rowRange in
      kernel.chunk(
        (rowRange.lowerBound * kernel.rowLength)..<(rowRange.upperBound * kernel.rowLength),
        Power.self)
    }
  }

  private func chunk<Power: FocalPower>(_ range: Range<Int>, _ power: Power.Type) -> KernelSum {
    let width = FloatVector.scalarCount
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block + 5 * width) {
      scratch in
      let losses = scratch.baseAddress!
      let weights = losses + Self.block
      let pads = weights + Self.block
      if rowWeights == nil { weights.initialize(repeating: 1, count: Self.block) }
      var total = 0.0
      var bad = FloatVector()
      var start = range.lowerBound
      while start < range.upperBound {
        let end = Swift.min(range.upperBound, start + Self.block)
        let n = end - start
        if let rowWeights {
          for i in 0..<n { weights[i] = rowWeights[(start + i) / rowLength] }
        }
        // The AVX2 loop checks the targets as it goes (`lk_sigmoid_focal_avx2`): no extra pass.
        let (hard, outOfRange) =
          instructionSet == .avx2 ? (true, false) : Self.scanTargets(targets + start, n)
        if outOfRange { bad[0] = .nan }
        let whole = n / width * width
        let useHard = hard && labelSmoothing == 0
        var sum = vectors(
          useHard, Power.self, logits: logits + start, targets: targets + start,
          weights: weights, weighted: rowWeights != nil, losses: losses, gradient: gradient + start,
          count: whole, bad: &bad)
        if whole < n {
          // The partial last vector runs on padded copies: 0 logits and weights add nothing.
          let rest = n - whole
          let padLosses = pads + 3 * width
          let padGradient = VectorMath.pad(
            gradient + start + whole, count: accumulate ? rest : 0, into: pads + 4 * width)
          sum += vectors(
            useHard, Power.self,
            logits: VectorMath.pad(logits + start + whole, count: rest, into: pads),
            targets: VectorMath.pad(targets + start + whole, count: rest, into: pads + width),
            weights: VectorMath.pad(weights + whole, count: rest, into: pads + 2 * width),
            weighted: true, losses: padLosses, gradient: padGradient, count: width, bad: &bad)
          (losses + whole).update(from: padLosses, count: rest)
          (gradient + start + whole).update(from: padGradient, count: rest)
        }
        if let perElement { (perElement + start).update(from: losses, count: n) }
        total += Double(sum)
        start = end
      }
      return KernelSum(sum: total, sawNonFinite: bad.sum().isNaN)
    }
  }

  /// Whether all `n` targets are exactly 0 or 1, and whether one is outside [0, 1] or NaN.
  private static func scanTargets(_ targets: UnsafePointer<Float>, _ n: Int)
    -> (hard: Bool, outOfRange: Bool)
  {
    var soft: UInt32 = 0
    var outside: UInt32 = 0
    // Branch-free: `||` would leave a branch in the loop and stop it vectorising.
    for i in 0..<n {
      let y = targets[i]
      soft |= (y == 0 ? 0 : 1) & (y == 1 ? 0 : 1)
      outside |= (y >= 0 ? 0 : 1) | (y <= 1 ? 0 : 1)
    }
    return (soft == 0, outside != 0)
  }

  /// Runs ``hardVectors`` or ``softVectors``, or their AVX2 twins, over `count` elements (a
  /// multiple of 16) and returns the sum of their losses. The AVX2 loop reads `weights` only
  /// when `weighted` (they are all 1 otherwise).
  @inline(__always)
  private func vectors<Power: FocalPower>(
    _ hard: Bool, _ power: Power.Type, logits: UnsafePointer<Float>,
    targets: UnsafePointer<Float>, weights: UnsafePointer<Float>, weighted: Bool,
    losses: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int,
    bad: inout FloatVector
  ) -> Float {
    #if arch(x86_64)
      if instructionSet == .avx2 {
        var settings = lk_sigmoid_focal_settings(
          power: lk_focal_power(UInt32(Power.index)), gamma: gamma,
          positive_weight: alpha ?? 1, negative_weight: 1 - (alpha ?? 0),
          alpha: alpha ?? 0.5, alpha_scale: alpha == nil ? 2 : 1, label_smoothing: labelSmoothing,
          gradient_scale: gradientScale, accumulate: accumulate ? 1 : 0, hard: hard ? 1 : 0)
        return withUnsafeMutableBytes(of: &bad) { flag in
          let flag = flag.baseAddress!.assumingMemoryBound(to: Float.self)
          // Without per-element output the C loop skips that stream.
          let losses = perElement == nil ? nil : losses
          return lk_sigmoid_focal_avx2(
            logits, targets, weighted ? weights : nil, losses, gradient, count,
            &settings, flag)
        }
      }
    #endif
    let sums =
      hard
      ? hardVectors(
        Power.self, logits: logits, targets: targets, weights: weights, losses: losses,
        gradient: gradient, count: count, bad: &bad)
      : softVectors(
        Power.self, logits: logits, targets: targets, weights: weights, losses: losses,
        gradient: gradient, count: count, bad: &bad)
    return sums.sum()
  }

  /// Targets exactly 0 or 1: writes `count` (a multiple of 16) losses and gradients, returns
  /// the losses' lane sums and flags non-finite logits in `bad`
  /// (``VectorMath/flagNonFinite(_:into:)``).
  private func hardVectors<Power: FocalPower>(
    _ power: Power.Type, logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    weights: UnsafePointer<Float>, losses: UnsafeMutablePointer<Float>,
    gradient: UnsafeMutablePointer<Float>, count: Int, bad: inout FloatVector
  ) -> FloatVector {
    typealias V = VectorMath
    let gamma = V.splat(self.gamma)
    let positiveWeight = V.splat(alpha ?? 1)
    let negativeWeight = V.splat(1 - (alpha ?? 0))
    let scale = V.splat(gradientScale)
    let one = V.splat(1)
    var sum = FloatVector()
    var i = 0
    while i < count {
      let logit = V.load(logits, at: i)
      let positive = V.load(targets, at: i) .== one
      V.flagNonFinite(logit, into: &bad)
      let u = logit.replacing(with: -logit, where: positive)
      let e = V.expOfNonPositive(-V.magnitude(u))
      let onePlus = one + e
      let s = one / onePlus
      let es = e * s
      let uPositive = u .>= V.splat(0)
      let sigmoidU = es.replacing(with: s, where: uPositive)
      let sigmoidNegU = s.replacing(with: es, where: uPositive)
      // softplus(u) = max(u, 0) + ln(1 + e), the last term corrected for the rounding of 1 + e.
      let softplus = V.splat(0).replacing(with: u, where: uPositive) + V.logOnePlusOfUnit(e)
      let factor = Power.power(sigmoidU, gamma: gamma)
      let weight =
        negativeWeight.replacing(with: positiveWeight, where: positive)
        * V.load(weights, at: i)
      let loss = weight * softplus * factor
      V.store(loss, losses, at: i)
      sum += loss
      var slopeU = sigmoidU
      if !Power.isZero { slopeU = V.multiplyAdd(gamma * softplus, sigmoidNegU, sigmoidU) }
      let slope = weight * factor * slopeU * scale
      var g = slope.replacing(with: -slope, where: positive)
      if accumulate { g += V.load(gradient, at: i) }
      V.store(g, gradient, at: i)
      i += FloatVector.scalarCount
    }
    return sum
  }

  /// Any targets in [0, 1] (m is then positive except at exact 0/1 targets): as
  /// ``hardVectors``, also marking non-finite targets.
  private func softVectors<Power: FocalPower>(
    _ power: Power.Type, logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    weights: UnsafePointer<Float>, losses: UnsafeMutablePointer<Float>,
    gradient: UnsafeMutablePointer<Float>, count: Int, bad: inout FloatVector
  ) -> FloatVector {
    typealias V = VectorMath
    let gamma = V.splat(self.gamma)
    let smoothing = V.splat(labelSmoothing)
    let scale = V.splat(gradientScale)
    // Without α every element weighs 1: α = ½ scaled by 2 gives exactly that.
    let alpha = V.splat(self.alpha ?? 0.5)
    let alphaScale = V.splat(self.alpha == nil ? 2 : 1)
    let one = V.splat(1)
    var sum = FloatVector()
    var i = 0
    while i < count {
      let logit = V.load(logits, at: i)
      let target = V.load(targets, at: i)
      V.flagNonFinite(logit + target, into: &bad)
      let y = V.multiplyAdd(target, one - smoothing, smoothing * V.splat(0.5))
      let positive = logit .>= V.splat(0)
      let e = V.expOfNonPositive(-V.magnitude(logit))
      let onePlus = one + e
      let s = one / onePlus
      let es = e * s
      let sigmoid = es.replacing(with: s, where: positive)
      let sigmoidOfNegative = s.replacing(with: es, where: positive)
      let crossEntropy =
        V.splat(0).replacing(with: logit, where: positive) - logit * y + V.logOnePlusOfUnit(e)
      let oneMinusY = one - y
      let m = V.multiplyAdd(y, sigmoidOfNegative, oneMinusY * sigmoid)
      let factor = Power.power(m, gamma: gamma)
      let weight =
        V.load(weights, at: i) * V.multiplyAdd(y, alpha, oneMinusY * (one - alpha)) * alphaScale
      let loss = weight * crossEntropy * factor
      V.store(loss, losses, at: i)
      sum += loss
      var slope = (sigmoid - y) * factor
      if !Power.isZero {
        // σ(x)σ(−x)/m = e·s/(a·e + 1 − a), a the target mass on the side e scales; exactly s
        // at a = 1, which also covers e underflowing to 0.
        let a = oneMinusY.replacing(with: y, where: positive)
        let ratio = (es / V.multiplyAdd(a, e, one - a)).replacing(with: s, where: a .== one)
        slope += gamma * crossEntropy * factor * (one - y - y) * ratio
      }
      var g = slope * weight * scale
      if accumulate { g += V.load(gradient, at: i) }
      V.store(g, gradient, at: i)
      i += FloatVector.scalarCount
    }
    return sum
  }
}
