/// The fused value-and-gradient kernel behind softmax focal loss, cross-entropy and
/// class-weighted cross-entropy.
///
/// For each row (sample) with logits `z`, softmax `p`, target distribution `y` (one-hot from a
/// class index, optionally label-smoothed as `y(1−ε)+ε/C`, or dense) and class weights `α`:
///
/// ```
/// loss_row = w_row · Σ_c α_c · y_c · (1 − p_c)^γ · (−log p_c)
/// ∂loss_row/∂z_j = g_j − p_j · Σ_c g_c,
///   g_c = w_row · α_c · y_c · (1 − p_c)^γ · (γ · p_c · log p_c / (1 − p_c) − 1)
/// ```
///
/// With γ = 0 this is (weighted, smoothed) cross-entropy. `log p` comes from a max-subtracted
/// log-sum-exp and `1 − p` from `−expm1(log p)`, so neither cancels for confident rows, and
/// `log p / (1 − p)` takes its limit −1 where `1 − p` underflows. Rows are processed sixteen
/// at a time, one SIMD lane per row, in one pass that reads the logits and targets once and
/// writes the gradient once; chunks of rows run on every core.
public struct SoftmaxFocalKernel: @unchecked Sendable {
  /// Row-major logits `[rows, classes]`.
  public var logits: UnsafePointer<Float>
  /// The number of rows (samples).
  public var rows: Int
  /// The number of classes.
  public var classes: Int
  /// One class index per row, or `nil` when ``denseTargets`` is set.
  public var classIndices: UnsafePointer<Int32>?
  /// Dense target rows `[rows, classes]`, used when ``classIndices`` is `nil`.
  public var denseTargets: UnsafePointer<Float>?
  /// A multiplier per row (sample weight times mask), or `nil` for 1.
  public var rowWeights: UnsafePointer<Float>?
  /// `α_c` per class, or `nil` for 1.
  public var classWeights: UnsafePointer<Float>?
  /// The focusing exponent γ ≥ 0.
  public var gamma: Float = 0
  /// The label-smoothing ε in `[0, 1)`, applied to class-index and dense targets alike.
  public var labelSmoothing: Float = 0
  /// The class index that marks an ignored row.
  public var ignoreIndex: Int32 = Targets.defaultIgnoreIndex
  /// Where to write the gradient `[rows, classes]`, or `nil` for value only.
  public var gradient: UnsafeMutablePointer<Float>?
  /// The factor applied to the gradient (the reduction's 1/count times the caller's scale).
  public var gradientScale: Float = 1
  /// Whether to add into ``gradient`` instead of overwriting it.
  public var accumulate = false
  /// Where to write each row's loss, or `nil`.
  public var perSample: UnsafeMutablePointer<Float>?

  /// Creates a kernel over `logits` with class-index targets.
  public init(
    logits: UnsafePointer<Float>, rows: Int, classes: Int, classIndices: UnsafePointer<Int32>
  ) {
    self.logits = logits
    self.rows = rows
    self.classes = classes
    self.classIndices = classIndices
  }

  /// Creates a kernel over `logits` with dense target rows.
  public init(
    logits: UnsafePointer<Float>, rows: Int, classes: Int, denseTargets: UnsafePointer<Float>
  ) {
    self.logits = logits
    self.rows = rows
    self.classes = classes
    self.denseTargets = denseTargets
  }

  /// Runs the kernel and returns the sum of the row losses and whether any logit (or dense
  /// target) was non-finite.
  ///
  /// Labels must already be validated (see ``ClassIndexScan``): an index outside
  /// `0..<classes` other than ``ignoreIndex`` is a precondition failure.
  public func run() -> KernelSum {
    let hard = classIndices != nil && labelSmoothing == 0
    switch (hard, gamma) {
    case (true, 0): return run(HardRows<FocalPowerZero>.self)
    case (true, 1): return run(HardRows<FocalPowerOne>.self)
    case (true, 2): return run(HardRows<FocalPowerTwo>.self)
    case (true, _): return run(HardRows<FocalPowerGeneral>.self)
    case (false, 0): return run(SoftRows<FocalPowerZero>.self)
    case (false, 1): return run(SoftRows<FocalPowerOne>.self)
    case (false, 2): return run(SoftRows<FocalPowerTwo>.self)
    case (false, _): return run(SoftRows<FocalPowerGeneral>.self)
    }
  }

  /// Rows per parallel chunk: a multiple of 16, about 256 KB of logits.
  private var rowGrain: Int { max(16, (65_536 / max(classes, 1)) & ~15) }

  private func run<Rule: RowBlockRule>(_ rule: Rule.Type) -> KernelSum {
    let kernel = self
    return Parallel.sum(count: rows, grain: rowGrain) { range in
      withUnsafeTemporaryAllocation(of: FloatVector.self, capacity: 2 * kernel.classes) {
        scratch in
        var flag = NonFiniteFlag()
        var total = 0.0
        RowBlock.forEach(in: range, classes: kernel.classes) { block in
          total += Double(Rule.process(block, kernel, scratch.baseAddress!, &flag))
        }
        return KernelSum(sum: total, sawNonFinite: flag.isSet)
      }
    }
  }
}

/// One way of turning a block of rows into losses and gradients.
protocol RowBlockRule: SendableMetatype {
  /// Processes one block and returns the sum of its rows' losses.
  static func process(
    _ block: RowBlock, _ kernel: SoftmaxFocalKernel, _ scratch: UnsafeMutablePointer<FloatVector>,
    _ flag: inout NonFiniteFlag
  ) -> Float
}

extension RowBlockRule {
  /// Stores each row's loss when per-sample output was requested and returns their sum.
  @inline(__always)
  static func finish(
    _ block: RowBlock, _ kernel: SoftmaxFocalKernel, losses: FloatVector
  ) -> Float {
    if let perSample = kernel.perSample { block.storePerRow(losses, into: perSample) }
    return losses.sum()
  }
}

/// Class-index targets without smoothing: only the target class enters the loss, so each row
/// needs one `expm1` and (for a general γ) one power.
enum HardRows<Power: FocalPower>: RowBlockRule {
  @inline(__always)
  static func process(
    _ block: RowBlock, _ kernel: SoftmaxFocalKernel, _ scratch: UnsafeMutablePointer<FloatVector>,
    _ flag: inout NonFiniteFlag
  ) -> Float {
    let classes = kernel.classes
    let (maximum, sum, logSum) = block.softmax(kernel.logits, into: scratch, flag: &flag)
    let labels = block.perRow(kernel.classIndices!, padding: kernel.ignoreIndex)
    let ignored = labels .== kernel.ignoreIndex
    let safeLabels = labels.replacing(with: 0, where: ignored)
    var targetLogit = FloatVector()
    var alpha = FloatVector(repeating: 1)
    let rows = kernel.logits + block.firstRow * classes
    for lane in 0..<16 {
      let label = Int(safeLabels[lane])
      targetLogit[lane] = rows[min(lane, block.lanes - 1) * classes + label]
      if let classWeights = kernel.classWeights { alpha[lane] = classWeights[label] }
    }
    let logP: FloatVector = targetLogit - maximum - logSum
    let q: FloatVector = -VectorMath.expMinusOne(logP)
    let factor = Power.power(q, gamma: kernel.gamma)
    var weight: FloatVector = block.perRow(kernel.rowWeights) * alpha
    weight = weight.replacing(with: 0, where: ignored)
    let losses: FloatVector = weight * factor * -logP
    guard let gradient = kernel.gradient else { return finish(block, kernel, losses: losses) }
    var coefficient: FloatVector
    if Power.isZero {
      coefficient = -weight
    } else {
      let p = VectorMath.exp(logP)
      let ratio = (logP / q).replacing(with: -1, where: q .== 0)
      let inner: FloatVector = p * ratio * kernel.gamma - 1
      coefficient = weight * factor * inner
    }
    coefficient *= kernel.gradientScale
    // ∂/∂z_j = coefficient · (δ_jt − p_j), with p_j = e_j / sum.
    let perUnit: FloatVector = coefficient / sum
    for c in 0..<classes {
      var g: FloatVector = -perUnit * scratch[c]
      g = g.replacing(with: g + coefficient, where: labels .== Int32(c))
      block.store(g, column: c, of: gradient, accumulate: kernel.accumulate)
    }
    return finish(block, kernel, losses: losses)
  }
}

/// Dense or label-smoothed targets: every class may carry target mass.
enum SoftRows<Power: FocalPower>: RowBlockRule {
  @inline(__always)
  static func process(
    _ block: RowBlock, _ kernel: SoftmaxFocalKernel, _ scratch: UnsafeMutablePointer<FloatVector>,
    _ flag: inout NonFiniteFlag
  ) -> Float {
    let classes = kernel.classes
    let (maximum, sum, logSum) = block.softmax(kernel.logits, into: scratch, flag: &flag)
    let coefficients = scratch + classes
    let smoothing = kernel.labelSmoothing
    let offTarget = smoothing / Float(classes)
    var rowWeight = block.perRow(kernel.rowWeights)
    var labels = SIMD16<Int32>()
    if let classIndices = kernel.classIndices {
      labels = block.perRow(classIndices, padding: kernel.ignoreIndex)
      rowWeight = rowWeight.replacing(with: 0, where: labels .== kernel.ignoreIndex)
    }
    var losses = FloatVector(repeating: 0)
    var total = FloatVector(repeating: 0)
    for c in 0..<classes {
      var y: FloatVector
      if let dense = kernel.denseTargets {
        y = block.column(c, of: dense)
        flag.record(y)
        y = y * (1 - smoothing) + offTarget
      } else {
        y = FloatVector(repeating: offTarget)
        y = y.replacing(with: 1 - smoothing + offTarget, where: labels .== Int32(c))
      }
      let alpha = kernel.classWeights.map { $0[c] } ?? 1
      let weight: FloatVector = rowWeight * y * alpha
      let logP: FloatVector = block.column(c, of: kernel.logits) - maximum - logSum
      let q: FloatVector = -VectorMath.expMinusOne(logP)
      let factor = Power.power(q, gamma: kernel.gamma)
      losses += weight * factor * -logP
      var g: FloatVector
      if Power.isZero {
        g = -weight
      } else {
        let p: FloatVector = scratch[c] / sum
        let ratio = (logP / q).replacing(with: -1, where: q .== 0)
        let inner: FloatVector = p * ratio * kernel.gamma - 1
        g = weight * factor * inner
      }
      coefficients[c] = g
      total += g
    }
    guard let gradient = kernel.gradient else { return finish(block, kernel, losses: losses) }
    let scale = kernel.gradientScale
    let totalPerUnit: FloatVector = total / sum
    for c in 0..<classes {
      let g: FloatVector = (coefficients[c] - scratch[c] * totalPerUnit) * scale
      block.store(g, column: c, of: gradient, accumulate: kernel.accumulate)
    }
    return finish(block, kernel, losses: losses)
  }
}
