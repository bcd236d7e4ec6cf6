#if arch(x86_64)
  import CLossKitKernels
#endif

/// One Adam update of a run of elements, in place:
///
/// ```
/// g ← gradient + λ·θ
/// m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g·g
/// θ ← θ·shrink − lr·((m / c₁) / (√v / c₂ + ε))
/// ```
///
/// Every path computes each element with the same IEEE operations in the same order (no fused
/// multiply-adds; division and square root are correctly rounded everywhere), so the scalar
/// reference, the portable `SIMD8` loop and the AVX2 twin (`lk_adam_avx2`) agree bit for bit.
package enum AdamKernel {
  /// The step's constants.
  package struct Settings: Sendable {
    /// β₁ and `1 − β₁`.
    package var beta1: Float
    package var oneMinusBeta1: Float
    /// β₂ and `1 − β₂`.
    package var beta2: Float
    package var oneMinusBeta2: Float
    /// The bias corrections `c₁ = 1 − β₁ᵗ` and `c₂ = √(1 − β₂ᵗ)`.
    package var correction1: Float
    package var correction2: Float
    /// The learning rate.
    package var learningRate: Float
    /// ε.
    package var epsilon: Float
    /// λ of L2 weight decay added to the gradient (0 for decoupled decay).
    package var l2: Float
    /// The factor θ is multiplied by first (`1 − lr·λ` for decoupled decay, else 1).
    package var shrink: Float

    /// Creates the constants of a step.
    package init(
      beta1: Float, beta2: Float, correction1: Float, correction2: Float, learningRate: Float,
      epsilon: Float, l2: Float, shrink: Float
    ) {
      self.beta1 = beta1
      oneMinusBeta1 = 1 - beta1
      self.beta2 = beta2
      oneMinusBeta2 = 1 - beta2
      self.correction1 = correction1
      self.correction2 = correction2
      self.learningRate = learningRate
      self.epsilon = epsilon
      self.l2 = l2
      self.shrink = shrink
    }
  }

  /// Updates `count` elements of θ, m and v from the gradient.
  @inlinable
  package static func update(
    theta: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int,
    settings: Settings, instructionSet: InstructionSet = .selected
  ) {
    var done = 0
    #if arch(x86_64)
      if instructionSet == .avx2 {
        done = count / 8 * 8
        withUnsafePointer(to: settings.cSettings) {
          lk_adam_avx2(theta, gradient, m, v, done, $0)
        }
      }
    #endif
    if done == 0 { done = updateVectors(theta, gradient, m, v, count: count, settings) }
    updateScalars(theta + done, gradient + done, m + done, v + done, count - done, settings)
  }

  /// Updates whole rows of `width` elements, the rows listed in `rows` (an embedding table's
  /// touched rows); the AVX2 path prefetches the rows ahead (`lk_adam_rows_avx2`).
  @inlinable
  package static func updateRows(
    theta: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, rows: UnsafePointer<Int>,
    rowCount: Int, width: Int, settings: Settings, instructionSet: InstructionSet = .selected
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 && width % 8 == 0 {
        withUnsafePointer(to: settings.cSettings) {
          lk_adam_rows_avx2(theta, gradient, m, v, rows, rowCount, width, $0)
        }
        return
      }
    #endif
    for index in 0..<rowCount {
      let start = rows[index] * width
      update(
        theta: theta + start, gradient: gradient + start, m: m + start, v: v + start,
        count: width, settings: settings, instructionSet: instructionSet)
    }
  }

  /// The portable loop over whole `SIMD8` vectors; returns how many elements it updated.
  @inlinable
  package static func updateVectors(
    _ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count: Int,
    _ s: Settings
  ) -> Int {
    typealias Vector = SIMD8<Float>
    let vectors = count / Vector.scalarCount
    let thetaRaw = UnsafeMutableRawPointer(theta)
    let gradientRaw = UnsafeRawPointer(gradient)
    let mRaw = UnsafeMutableRawPointer(m)
    let vRaw = UnsafeMutableRawPointer(v)
    let size = MemoryLayout<Vector>.size
    for index in 0..<vectors {
      let offset = index * size
      let t: Vector = thetaRaw.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      var g: Vector = gradientRaw.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      g = g + s.l2 * t
      var first: Vector = mRaw.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      var second: Vector = vRaw.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      first = s.beta1 * first + s.oneMinusBeta1 * g
      let scaled: Vector = s.oneMinusBeta2 * g
      second = s.beta2 * second + scaled * g
      let root: Vector = second.squareRoot()
      let denominator: Vector = root / s.correction2 + s.epsilon
      let step: Vector = (first / s.correction1) / denominator
      let updated: Vector = t * s.shrink - s.learningRate * step
      mRaw.storeBytes(of: first, toByteOffset: offset, as: Vector.self)
      vRaw.storeBytes(of: second, toByteOffset: offset, as: Vector.self)
      thetaRaw.storeBytes(of: updated, toByteOffset: offset, as: Vector.self)
    }
    return vectors * Vector.scalarCount
  }

  /// The scalar reference, also the tail of the vector loops.
  @inlinable
  package static func updateScalars(
    _ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ count: Int,
    _ s: Settings
  ) {
    for i in 0..<count {
      let g = gradient[i] + s.l2 * theta[i]
      m[i] = s.beta1 * m[i] + s.oneMinusBeta1 * g
      v[i] = s.beta2 * v[i] + s.oneMinusBeta2 * g * g
      let step = (m[i] / s.correction1) / (v[i].squareRoot() / s.correction2 + s.epsilon)
      theta[i] = theta[i] * s.shrink - s.learningRate * step
    }
  }
}

#if arch(x86_64)
  extension AdamKernel.Settings {
    @usableFromInline var cSettings: lk_adam_settings {
      lk_adam_settings(
        beta1: beta1, one_minus_beta1: oneMinusBeta1, beta2: beta2,
        one_minus_beta2: oneMinusBeta2, correction1: correction1, correction2: correction2,
        learning_rate: learningRate, epsilon: epsilon, l2: l2, shrink: shrink)
    }
  }
#endif
