#if arch(x86_64)
  import CLossKitKernels
#endif

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
/// `log p / (1 − p)` takes its limit −1 where `1 − p` underflows. Rows are processed in
/// ``RowTile`` blocks in one pass that reads the logits and targets once and writes the
/// gradient once; chunks of rows run on every core. With ``InstructionSet/avx2``, class-index
/// targets without smoothing go through the C twin `lk_softmax_focal_hard_avx2` in blocks of
/// 8 rows (the other cases stay in Swift).
package struct SoftmaxFocalKernel: @unchecked Sendable {
  /// Row-major logits `[rows, classes]`.
  package var logits: UnsafePointer<Float>
  /// The number of rows (samples).
  package var rows: Int
  /// The number of classes.
  package var classes: Int
  /// One class index per row, or `nil` when ``denseTargets`` is set.
  package var classIndices: UnsafePointer<Int32>?
  /// Dense target rows `[rows, classes]`, used when ``classIndices`` is `nil`.
  package var denseTargets: UnsafePointer<Float>?
  /// A multiplier per row (sample weight times mask), or `nil` for 1.
  package var rowWeights: UnsafePointer<Float>?
  /// `α_c` per class, or `nil` for 1.
  package var classWeights: UnsafePointer<Float>?
  /// The focusing exponent γ ≥ 0.
  package var gamma: Float = 0
  /// The label-smoothing ε in `[0, 1)`, applied to class-index and dense targets alike.
  package var labelSmoothing: Float = 0
  /// The class index that marks an ignored row (`Targets.defaultIgnoreIndex`, −100, unless
  /// the targets say otherwise).
  package var ignoreIndex: Int32 = -100
  /// Where to write the gradient `[rows, classes]`, or `nil` for value only.
  package var gradient: UnsafeMutablePointer<Float>?
  /// The factor applied to the gradient (the reduction's 1/count times the caller's scale).
  package var gradientScale: Float = 1
  /// Whether to add into ``gradient`` instead of overwriting it.
  package var accumulate = false
  /// Where to write each row's loss, or `nil`.
  package var perSample: UnsafeMutablePointer<Float>?
  /// The Swift kernel or its AVX2 twin.
  package var instructionSet = InstructionSet.selected

  /// Creates a kernel over `logits` with class-index targets.
  package init(
    logits: UnsafePointer<Float>, rows: Int, classes: Int, classIndices: UnsafePointer<Int32>
  ) {
    self.logits = logits
    self.rows = rows
    self.classes = classes
    self.classIndices = classIndices
  }

  /// Creates a kernel over `logits` with dense target rows.
  package init(
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
  /// Labels must already be validated (see ``ClassIndexScan``).
  package func run() -> KernelSum {
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

  /// Rows per parallel chunk: whole tiles, about 256 KB of logits.
  private var rowGrain: Int {
    max(RowTile.lanes, (65_536 / max(classes, 1)) / RowTile.lanes * RowTile.lanes)
  }

  private func run<Rule: RowTileRule>(_ rule: Rule.Type) -> KernelSum {
    let kernel = self
    let lanes = RowTile.lanes
    return Parallel.sum(count: rows, grain: rowGrain) { range in
      var total = 0.0
      var flag: UInt32 = 0
      #if arch(x86_64)
        if kernel.instructionSet == .avx2, let power = Rule.avx2Power {
          total = kernel.hardRowsAVX2(range, power: power, flag: &flag)
          return KernelSum(sum: total, sawNonFinite: flag != 0)
        }
      #endif
      return withUnsafeTemporaryAllocation(
        of: Float.self, capacity: (3 * kernel.classes + 11) * lanes
      ) { scratch in
        // Lanes are read before selects, so every slot must hold a defined value.
        scratch.initialize(repeating: 0)
        let workspace = RowWorkspace(scratch.baseAddress!, classes: kernel.classes)
        RowTile.forEachBlock(in: range) { first, count in
          total += Rule.process(first, count, kernel, workspace, &flag)
        }
        return KernelSum(sum: total, sawNonFinite: flag != 0)
      }
    }
  }

  #if arch(x86_64)
    /// The rows of `range` by `lk_softmax_focal_hard_avx2`.
    private func hardRowsAVX2(_ range: Range<Int>, power: Int, flag: inout UInt32) -> Double {
      guard let classIndices else { return 0 }
      var settings = lk_softmax_focal_settings(
        classes: classes, power: lk_focal_power(UInt32(power)), gamma: gamma,
        gradient_scale: gradientScale, ignore_index: ignoreIndex, accumulate: accumulate ? 1 : 0,
        class_weights: classWeights, row_weights: rowWeights)
      var sawNonFinite: Int32 = 0
      let total = withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 * classes) {
        scratch in
        lk_softmax_focal_hard_avx2(
          logits, classIndices, gradient, perSample, range.lowerBound, range.count, &settings,
          scratch.baseAddress!, &sawNonFinite)
      }
      if sawNonFinite != 0 { flag = 1 }
      return total
    }
  #endif
}

/// Scratch for one tile: the logits, their exponentials, a third tile (dense targets, then
/// coefficients), and per-lane arrays.
struct RowWorkspace {
  let tile: UnsafeMutablePointer<Float>
  let exponentials: UnsafeMutablePointer<Float>
  let second: UnsafeMutablePointer<Float>
  let maximum: UnsafeMutablePointer<Float>
  let sum: UnsafeMutablePointer<Float>
  let logSum: UnsafeMutablePointer<Float>
  let weight: UnsafeMutablePointer<Float>
  let coefficient: UnsafeMutablePointer<Float>
  let perUnit: UnsafeMutablePointer<Float>
  let loss: UnsafeMutablePointer<Float>
  let targetLogit: UnsafeMutablePointer<Float>
  let targetExponential: UnsafeMutablePointer<Float>
  let alpha: UnsafeMutablePointer<Float>
  let labels: UnsafeMutablePointer<Int32>

  @inline(__always)
  init(_ base: UnsafeMutablePointer<Float>, classes: Int) {
    let lanes = RowTile.lanes
    tile = base
    exponentials = base + classes * lanes
    second = base + 2 * classes * lanes
    let rest = second + classes * lanes
    maximum = rest
    sum = rest + lanes
    logSum = rest + 2 * lanes
    weight = rest + 3 * lanes
    coefficient = rest + 4 * lanes
    perUnit = rest + 5 * lanes
    loss = rest + 6 * lanes
    targetLogit = rest + 7 * lanes
    alpha = rest + 8 * lanes
    targetExponential = rest + 9 * lanes
    labels = UnsafeMutableRawPointer(rest + 10 * lanes).assumingMemoryBound(to: Int32.self)
  }
}

/// One way of turning a tile of rows into losses and gradients.
protocol RowTileRule: SendableMetatype {
  /// The `lk_focal_power` of this rule's AVX2 twin, or `nil` when it has none.
  static var avx2Power: Int? { get }

  /// Processes rows `first ..< first + count` and returns the sum of their losses.
  static func process(
    _ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace,
    _ flag: inout UInt32
  ) -> Double
}

extension RowTileRule {
  /// Loads the tile's logits and softmax, and its rows' weights and labels.
  @inline(__always)
  static func prepare(
    _ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace,
    _ flag: inout UInt32
  ) {
    RowTile.load(
      kernel.logits, firstRow: first, count: count, classes: kernel.classes, into: w.tile,
      maximum: w.maximum, flag: &flag)
    RowTile.softmax(
      w.tile, classes: kernel.classes, exponentials: w.exponentials, maximum: w.maximum,
      sum: w.sum, logSum: w.logSum, flag: &flag)
    loadRows(first, count, kernel, w)
  }

  /// Loads the per-row weights (0 in padded lanes) and labels (ignore index in padded lanes).
  @inline(__always)
  static func loadRows(_ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace)
  {
    let lanes = RowTile.lanes
    if let rowWeights = kernel.rowWeights {
      for r in 0..<count { w.weight[r] = rowWeights[first + r] }
    } else {
      for r in 0..<count { w.weight[r] = 1 }
    }
    if let classIndices = kernel.classIndices {
      for r in 0..<count { w.labels[r] = classIndices[first + r] }
    } else {
      for r in 0..<count { w.labels[r] = 0 }
    }
    for r in count..<lanes {
      w.weight[r] = 0
      w.labels[r] = kernel.ignoreIndex
    }
  }

  /// Stores per-row losses when requested and returns their sum.
  @inline(__always)
  static func finish(_ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace)
    -> Double
  {
    if let perSample = kernel.perSample {
      (perSample + first).update(from: w.loss, count: count)
    }
    return ScalarMath.sum(w.loss, count: RowTile.lanes)
  }
}

/// Class-index targets without smoothing: only the target class enters the loss, so each row
/// needs one `expm1` and (for a general γ) one power.
enum HardRows<Power: FocalPower>: RowTileRule {
  static var avx2Power: Int? { Power.index }

  @inline(__always)
  static func process(
    _ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace,
    _ flag: inout UInt32
  ) -> Double {
    typealias V = VectorMath
    let lanes = RowTile.lanes
    prepare(first, count, kernel, w, &flag)
    let ignore = kernel.ignoreIndex
    for r in 0..<lanes {
      let label = w.labels[r] == ignore ? 0 : Int(w.labels[r])
      w.targetLogit[r] = w.tile[label &* lanes &+ r]
      w.targetExponential[r] = w.exponentials[label &* lanes &+ r]
      w.alpha[r] = kernel.classWeights?[label] ?? 1
    }
    let gamma = V.splat(kernel.gamma)
    let scale = V.splat(kernel.gradientScale)
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      let logP =
        V.load(w.targetLogit, at: half) - V.load(w.maximum, at: half)
        - V.load(w.logSum, at: half)
      let q = -V.expMinusOneOfNonPositive(logP)
      let factor = Power.power(q, gamma: gamma)
      let ignored = V.load(w.labels, at: half) .== IntVector(repeating: ignore)
      let weight = (V.load(w.weight, at: half) * V.load(w.alpha, at: half))
        .replacing(with: 0, where: ignored)
      V.store(weight * factor * -logP, w.loss, at: half)
      var coefficient: FloatVector
      if Power.isZero {
        coefficient = -weight
      } else {
        let p = V.load(w.targetExponential, at: half) / V.load(w.sum, at: half)
        let ratio = (logP / q).replacing(with: -1, where: q .== 0)
        coefficient = weight * factor * V.multiplyAdd(p * ratio, gamma, V.splat(-1))
      }
      coefficient *= scale
      V.store(coefficient, w.coefficient, at: half)
      // Negated: the factor of e_j in the gradient, applied as the tile is stored.
      V.store(-(coefficient / V.load(w.sum, at: half)), w.perUnit, at: half)
    }
    if let gradient = kernel.gradient {
      storeGradient(first, count, kernel, w, into: gradient)
    }
    return finish(first, count, kernel, w)
  }

  /// Writes `∂/∂z_j = coefficient · δ_jt − (coefficient / sum) · e_j`: the exponentials
  /// scaled row by row while they are transposed back (``RowTile/store``), then the target
  /// terms.
  @inline(__always)
  static func storeGradient(
    _ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace,
    into gradient: UnsafeMutablePointer<Float>
  ) {
    let classes = kernel.classes
    RowTile.store(
      w.exponentials, into: gradient, firstRow: first, count: count, classes: classes,
      accumulate: kernel.accumulate, rowScale: w.perUnit)
    var row = gradient + first * classes
    for r in 0..<count {
      let label = w.labels[r]
      if label != kernel.ignoreIndex { row[Int(label)] += w.coefficient[r] }
      row += classes
    }
  }
}

/// Dense or label-smoothed targets: every class may carry target mass.
enum SoftRows<Power: FocalPower>: RowTileRule {
  static var avx2Power: Int? { nil }

  @inline(__always)
  static func process(
    _ first: Int, _ count: Int, _ kernel: SoftmaxFocalKernel, _ w: RowWorkspace,
    _ flag: inout UInt32
  ) -> Double {
    typealias V = VectorMath
    let classes = kernel.classes
    let lanes = RowTile.lanes
    prepare(first, count, kernel, w, &flag)
    if let dense = kernel.denseTargets {
      RowTile.load(dense, firstRow: first, count: count, classes: classes, into: w.second)
    }
    let ignore = IntVector(repeating: kernel.ignoreIndex)
    let dense = kernel.denseTargets != nil
    let smoothing = V.splat(kernel.labelSmoothing)
    let offTarget = V.splat(kernel.labelSmoothing / Float(classes))
    let gamma = V.splat(kernel.gamma)
    let scale = V.splat(kernel.gradientScale)
    var bad = FloatVector()
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      let labels = V.load(w.labels, at: half)
      let rowWeight = V.load(w.weight, at: half).replacing(with: 0, where: labels .== ignore)
      let maximum = V.load(w.maximum, at: half)
      let logSum = V.load(w.logSum, at: half)
      let sum = V.load(w.sum, at: half)
      var loss = FloatVector()
      var total = FloatVector()
      for c in 0..<classes {
        let index = c * lanes + half
        let alpha = V.splat(kernel.classWeights?[c] ?? 1)
        let oneHot = FloatVector().replacing(
          with: 1, where: labels .== IntVector(repeating: Int32(truncatingIfNeeded: c)))
        let raw = dense ? V.load(w.second, at: index) : oneHot
        V.flagNonFinite(raw, into: &bad)
        let y = V.multiplyAdd(raw, V.splat(1) - smoothing, offTarget)
        let weight = rowWeight * y * alpha
        let logP = V.load(w.tile, at: index) - maximum - logSum
        let q = -V.expMinusOneOfNonPositive(logP)
        let factor = Power.power(q, gamma: gamma)
        loss += weight * factor * -logP
        var g: FloatVector
        if Power.isZero {
          g = -weight
        } else {
          let p = V.load(w.exponentials, at: index) / sum
          let ratio = (logP / q).replacing(with: -1, where: q .== 0)
          g = weight * factor * V.multiplyAdd(p * ratio, gamma, V.splat(-1))
        }
        V.store(g, w.second, at: index)
        total += g
      }
      V.store(loss, w.loss, at: half)
      V.store(total / sum, w.perUnit, at: half)
    }
    if bad.sum().isNaN { flag = 1 }
    guard let gradient = kernel.gradient else { return finish(first, count, kernel, w) }
    for half in stride(from: 0, to: lanes, by: FloatVector.scalarCount) {
      let perUnit = V.load(w.perUnit, at: half)
      for c in 0..<classes {
        let index = c * lanes + half
        let coefficients = V.load(w.second, at: index)
        V.store(
          (coefficients - V.load(w.exponentials, at: index) * perUnit) * scale, w.exponentials,
          at: index)
      }
    }
    RowTile.store(
      w.exponentials, into: gradient, firstRow: first, count: count, classes: classes,
      accumulate: kernel.accumulate)
    return finish(first, count, kernel, w)
  }
}
