import LossKitCore
import LossKitKernels

/// Sigmoid focal loss for binary and multi-label targets.
///
/// ```
/// loss = α_t · (1 − p_t)^γ · BCE(x, y)     p = σ(x),  p_t = p·y + (1 − p)(1 − y)
/// α_t  = α·y + (1 − α)(1 − y)              (only when α is set)
/// ```
///
/// Both peers' conventions are this one formula:
/// - torchvision `ops.sigmoid_focal_loss(alpha, gamma)`: ``torchvision(alpha:gamma:reduction:)``
///   (α < 0 means no α).
/// - Keras `BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma, label_smoothing)`:
///   ``keras(applyClassBalancing:alpha:gamma:labelSmoothing:)`` (α applies only with class
///   balancing; targets are smoothed to `y(1−ε) + ε/2`).
///
/// Targets are dense `0…1` values shaped like the logits, class indices 0/1 for logits of
/// shape `[N]` or `[N, 1]`, or class indices on logits `[…, C]`, which become one-vs-rest
/// targets (torchvision's use with one-hot labels), so a softmax head's logits train with it
/// too (ignored samples are masked out). The mean is over every element
/// (N·K), or weighted by sample weights times K when they are set; this equals Keras' mean
/// over the last axis then the batch.
public struct BinaryFocalLoss: PerSampleLoss, Equatable {
  /// The registry name, `binary-focal`.
  public static let name = "binary-focal"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "sigmoid focal loss α_t(1−p_t)^γ BCE for binary and multi-label"

  /// The focusing exponent γ ≥ 0 (default 2).
  public var gamma: Double = 2
  /// The weight of positives in `[0, 1]`, or `nil` for none (default 0.25, torchvision's).
  public var alpha: Double? = 0.25
  /// Keras-style label smoothing ε in `[0, 1)`: targets become `y(1−ε) + ε/2`.
  public var labelSmoothing: Double = 0
  /// How elements are reduced (default mean).
  public var reduction: Reduction = .mean
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// Sigmoid focal loss with torchvision's defaults (α = 0.25, γ = 2).
  public init() {}

  /// Sigmoid focal loss with the given parameters.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for γ < 0, α outside
  ///   `[0, 1]` or ε outside `[0, 1)`.
  public init(
    gamma: Double = 2, alpha: Double? = 0.25, labelSmoothing: Double = 0,
    reduction: Reduction = .mean, output: String = "logits", target: String = "labels"
  ) throws {
    self.gamma = gamma
    self.alpha = alpha
    self.labelSmoothing = labelSmoothing
    self.reduction = reduction
    self.output = output
    self.target = target
    try validateParameters()
  }

  /// torchvision `sigmoid_focal_loss` semantics: α < 0 means no α.
  public static func torchvision(
    alpha: Double = 0.25, gamma: Double = 2, reduction: Reduction = .mean
  ) throws -> BinaryFocalLoss {
    try BinaryFocalLoss(gamma: gamma, alpha: alpha < 0 ? nil : alpha, reduction: reduction)
  }

  /// Keras `BinaryFocalCrossentropy(from_logits=True)` semantics.
  public static func keras(
    applyClassBalancing: Bool = false, alpha: Double = 0.25, gamma: Double = 2,
    labelSmoothing: Double = 0
  ) throws -> BinaryFocalLoss {
    try BinaryFocalLoss(
      gamma: gamma, alpha: applyClassBalancing ? alpha : nil, labelSmoothing: labelSmoothing)
  }

  /// Encodes every parameter, writing `null` for unset optionals so saved specs and
  /// `losskit losses` list them all.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(gamma, forKey: .gamma)
    try container.encode(alpha, forKey: .alpha)
    try container.encode(labelSmoothing, forKey: .labelSmoothing)
    try container.encode(reduction, forKey: .reduction)
    try container.encode(output, forKey: .output)
    try container.encode(target, forKey: .target)
  }

  /// The output this loss reads.
  public var outputNames: Set<String> { [output] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  private func validateParameters() throws {
    guard gamma.isFinite, gamma >= 0 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "gamma", reason: "\(gamma) is not ≥ 0; 2 is usual")
    }
    if let alpha, !(alpha >= 0 && alpha <= 1) {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "alpha",
        reason: "\(alpha) is not in [0, 1]; use nil (or torchvision's -1) for no α")
    }
    guard labelSmoothing >= 0, labelSmoothing < 1 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "labelSmoothing", reason: "\(labelSmoothing) is not in [0, 1)")
    }
  }

  /// Computes the loss and its gradient with respect to the logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    LossValue(try run(outputs, targets, scale: scale, gradients: &gradients, perElement: nil))
  }

  /// Each element's loss (α and sample weights applied), shaped like the logits.
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    let logits = try output(output, in: outputs)
    var losses = Tensor(shape: logits.shape)
    var unused = GradientBuffers()
    var summed = self
    summed.reduction = .sum
    _ = try losses.withUnsafeMutableBufferPointer { buffer in
      try summed.run(outputs, targets, scale: 1, gradients: &unused, perElement: buffer.baseAddress)
    }
    return losses
  }

  private func run(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers, perElement: UnsafeMutablePointer<Float>?
  ) throws -> Double {
    try validateParameters()
    let logits = try output(output, in: outputs)
    let given = try self.targets(target, in: targets)
    try given.validatePerSampleArrays(loss: Self.name)
    let (values, rowWeights, rowLength) = try denseTargets(given, logits: logits)
    let count = logits.count
    var divisor = rowWeights.map { Double($0.reduce(0, +)) * Double(rowLength) } ?? Double(count)
    if reduction == .sum { divisor = 1 }
    let gradientScale = divisor > 0 ? scale / Float(divisor) : 0
    let result = gradients.write(output, shape: logits.shape) { gradient, accumulate in
      guard count > 0 else { return KernelSum() }
      return logits.withUnsafeBufferPointer { x in
        values.withUnsafeBufferPointer { y in
          optionalBuffer(rowWeights) { weights in
            SigmoidFocalKernel(
              logits: x.baseAddress!, targets: y.baseAddress!, count: count,
              rowLength: rowLength, rowWeights: weights?.baseAddress, gamma: Float(gamma),
              alpha: alpha.map(Float.init), labelSmoothing: Float(labelSmoothing),
              gradient: gradient.baseAddress!, gradientScale: gradientScale,
              accumulate: accumulate, perElement: perElement
            ).run()
          }
        }
      }
    }
    if result.sawNonFinite {
      if let bad = values.scalars.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
        throw LossKitError.invalidParameter(
          loss: Self.name, name: "targets",
          reason: "value \(values.scalars[bad]) at \(bad) is outside [0, 1]")
      }
      throw LossKitError.nonFiniteInput(
        loss: Self.name, input: "output '\(output)'",
        index: logits.scalars.firstIndex { !$0.isFinite } ?? 0)
    }
    return divisor > 0 ? result.sum / divisor : 0
  }

  /// The targets as a dense tensor shaped like the logits, the per-sample weights, and the
  /// number of elements per sample.
  private func denseTargets(
    _ given: Targets, logits: Tensor
  ) throws -> (Tensor, [Float]?, Int) {
    // Target values are range-checked by the kernel's scan, which the block loop does anyway.
    let targets = try given.elementwiseTargets(like: logits, loss: Self.name)
    return (
      try Tensor(shape: logits.shape, scalars: targets.values), targets.sampleWeights,
      targets.elementsPerSample
    )
  }
}
