import LossKitCore

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
/// one `exp`, one `log` and one division per element, finite for every finite logit and every
/// γ ≥ 0 (torchvision's gradient is NaN for γ < 1 at saturated logits). Other blocks (soft or
/// smoothed targets) use the general form above, where `m > 0`. Both loops are plain scalar
/// code that LLVM vectorises; chunks of blocks run on every core.
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

  /// Elements per block.
  static let block = 512

  /// Returns the sum of the element losses and whether an input was non-finite.
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
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.block) { scratch in
      let losses = scratch.baseAddress!
      let weights = losses + Self.block
      if rowWeights == nil { weights.initialize(repeating: 1, count: Self.block) }
      var total = 0.0
      var bad: UInt32 = 0
      var start = range.lowerBound
      while start < range.upperBound {
        let end = Swift.min(range.upperBound, start + Self.block)
        let n = end - start
        if let rowWeights {
          for i in 0..<n { weights[i] = rowWeights[(start + i) / rowLength] }
        }
        // Branch-free: `||` would leave a branch in the loop and stop it vectorising.
        var soft: UInt32 = labelSmoothing == 0 ? 0 : 1
        for i in 0..<n {
          let y = targets[start + i]
          soft |= (y == 0 ? 0 : 1) & (y == 1 ? 0 : 1)
        }
        if soft == 0 {
          bad |= hardBlock(start, n, weights, losses, Power.self)
        } else {
          bad |= softBlock(start, n, weights, losses, Power.self)
        }
        if let perElement { (perElement + start).update(from: losses, count: n) }
        total += ScalarMath.sum(losses, count: n)
        start = end
      }
      return KernelSum(sum: total, sawNonFinite: bad != 0)
    }
  }

  /// Targets exactly 0 or 1; returns 1 if a logit was non-finite.
  private func hardBlock<Power: FocalPower>(
    _ start: Int, _ n: Int, _ weights: UnsafePointer<Float>,
    _ losses: UnsafeMutablePointer<Float>, _ power: Power.Type
  ) -> UInt32 {
    let x = logits + start
    let y = targets + start
    let gamma = self.gamma
    let positiveWeight = alpha ?? 1
    let negativeWeight = alpha.map { 1 - $0 } ?? 1
    let scale = gradientScale
    let out = gradient + start
    let accumulate = self.accumulate
    var bad: UInt32 = 0
    for i in 0..<n {
      bad |= ScalarMath.nonFiniteBit(x[i])
      let logit = x[i]
      let positive = y[i] == 1
      let u = positive ? -logit : logit
      let e = ScalarMath.exp(-abs(u))
      let s = 1 / (1 + e)
      let es = e * s
      let sigmoidU = u >= 0 ? s : es
      let sigmoidNegU = u >= 0 ? es : s
      let softplus = (u > 0 ? u : 0) + ScalarMath.logOnePlus(e, reciprocalOfOnePlus: s)
      let factor = Power.power(sigmoidU, gamma: gamma)
      let weight = (positive ? positiveWeight : negativeWeight) * weights[i]
      losses[i] = weight * softplus * factor
      var slopeU = sigmoidU
      if !Power.isZero { slopeU += gamma * softplus * sigmoidNegU }
      let slope = weight * factor * slopeU * scale
      let g = positive ? -slope : slope
      // Load unconditionally: a load on one side of a select keeps the loop scalar.
      let previous = out[i]
      out[i] = (accumulate ? previous : 0) + g
    }
    return bad
  }

  /// Any targets in [0, 1] (m is then positive except at exact 0/1 targets); returns 1 if a
  /// logit or target was non-finite.
  private func softBlock<Power: FocalPower>(
    _ start: Int, _ n: Int, _ weights: UnsafePointer<Float>,
    _ losses: UnsafeMutablePointer<Float>, _ power: Power.Type
  ) -> UInt32 {
    let x = logits + start
    let targets = self.targets + start
    let gamma = self.gamma
    let smoothing = labelSmoothing
    let scale = gradientScale
    // Without α every element weighs 1: α = ½ scaled by 2 gives exactly that.
    let alpha = self.alpha ?? 0.5
    let alphaScale: Float = self.alpha == nil ? 2 : 1
    let out = gradient + start
    let accumulate = self.accumulate
    var bad: UInt32 = 0
    for i in 0..<n {
      bad |= ScalarMath.nonFiniteBit(x[i]) | ScalarMath.nonFiniteBit(targets[i])
      let y = targets[i] * (1 - smoothing) + smoothing / 2
      let logit = x[i]
      let positive = logit >= 0
      let e = ScalarMath.exp(-abs(logit))
      let s = 1 / (1 + e)
      let es = e * s
      let sigmoid = positive ? s : es
      let sigmoidOfNegative = positive ? es : s
      let crossEntropy =
        (positive ? logit : 0) - logit * y + ScalarMath.logOnePlus(e, reciprocalOfOnePlus: s)
      let oneMinusY = 1 - y
      let m = y * sigmoidOfNegative + oneMinusY * sigmoid
      let factor = Power.power(m, gamma: gamma)
      let weight = weights[i] * (y * alpha + oneMinusY * (1 - alpha)) * alphaScale
      losses[i] = weight * crossEntropy * factor
      var slope = (sigmoid - y) * factor
      if !Power.isZero {
        // σ(x)σ(−x)/m = e·s/(a·e + 1 − a), a the target mass on the side e scales; exactly s
        // at a = 1, which also covers e underflowing to 0.
        let a = positive ? y : oneMinusY
        let ratio = a == 1 ? s : es / (a * e + (1 - a))
        slope += gamma * crossEntropy * factor * (1 - 2 * y) * ratio
      }
      let g = slope * weight * scale
      let previous = out[i]
      out[i] = (accumulate ? previous : 0) + g
    }
    return bad
  }
}
