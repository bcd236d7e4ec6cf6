import LossKitCore

/// Softmax focal loss (Lin et al. 2017) for single-label classification.
///
/// ```
/// FL = −α_t · (1 − p_t)^γ · log p_t        p = softmax(logits)
/// ```
///
/// γ ≥ 0 focuses training on hard examples: a sample classified with `p_t = 0.9` weighs 100×
/// less than under cross-entropy at γ = 2. γ = 0 with no α is exactly cross-entropy.
/// α is `nil` (none), one value (Keras `CategoricalFocalCrossentropy`'s scalar `alpha`), or one
/// weight per class. Label smoothing follows Keras: targets become `y(1−ε) + ε/C` and the loss
/// sums `−α_c·y_c·(1−p_c)^γ·log p_c` over classes.
///
/// α can also come from the training data: with a ``strategy`` (`balanced`, `inverse`, …),
/// ``prepared(for:)`` computes one α per class from the class counts (seed 004 used the
/// balanced class weights of each aspect as its focal α).
///
/// The mean divides by the number of kept (non-ignored, unmasked) samples, or by the sum of
/// their sample weights when weights are set; α never enters the divisor (PyTorch's
/// hand-written focal loss, Keras' `sum_over_batch_size`). An all-ignored batch gives 0.
///
/// ```swift
/// let focal = try FocalLoss(gamma: 2, alpha: [0.25, 1, 4])
/// let result = try focal(logits, Targets(classIndices: labels))
/// ```
public struct FocalLoss: PerSampleLoss, ClassWeightReporting, Equatable {
  /// The registry name, `focal`.
  public static let name = "focal"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "softmax focal loss −α_t(1−p_t)^γ log p_t (γ=0: cross-entropy)"

  /// The focusing exponent γ ≥ 0 (default 2).
  public var gamma: Double = 2
  /// `nil` for no α, one value for a scalar α, or one weight per class.
  public var alpha: [Double]? = nil
  /// A strategy that computes α per class from the training class counts (default none).
  public var strategy: ClassWeightStrategy? = nil
  /// Keras-style label smoothing ε in `[0, 1)` (default 0).
  public var labelSmoothing: Double = 0
  /// How samples are reduced (default mean).
  public var reduction: Reduction = .mean
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// Focal loss with γ = 2 and no α.
  public init() {}

  /// Focal loss with the given parameters.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for γ < 0, α < 0 or ε
  ///   outside `[0, 1)`; ``LossKitError/conflictingOptions(_:fix:)`` for both α and a
  ///   strategy.
  public init(
    gamma: Double = 2, alpha: [Double]? = nil, strategy: ClassWeightStrategy? = nil,
    labelSmoothing: Double = 0, reduction: Reduction = .mean, output: String = "logits",
    target: String = "labels"
  ) throws {
    guard alpha == nil || strategy == nil else {
      throw LossKitError.conflictingOptions(
        "\(Self.name): alpha and strategy are alternatives",
        fix: "give α explicitly or a weight strategy that computes it, not both")
    }
    self.gamma = gamma
    self.alpha = alpha
    self.strategy = strategy
    self.labelSmoothing = labelSmoothing
    self.reduction = reduction
    self.output = output
    self.target = target
    try evaluation.validateParameters()
  }

  private enum CodingKeys: String, CodingKey {
    case gamma, alpha, strategy, labelSmoothing, reduction, output, target
  }

  /// Decodes saved parameters; a single number for ``alpha`` is a scalar α, as in Keras.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let defaults = FocalLoss()
    gamma = try container.decodeIfPresent(Double.self, forKey: .gamma) ?? defaults.gamma
    if let scalar = try? container.decode(Double.self, forKey: .alpha) {
      alpha = [scalar]
    } else {
      alpha = try container.decodeIfPresent([Double].self, forKey: .alpha)
    }
    strategy = try container.decodeIfPresent(ClassWeightStrategy.self, forKey: .strategy)
    labelSmoothing =
      try container.decodeIfPresent(Double.self, forKey: .labelSmoothing) ?? defaults.labelSmoothing
    reduction = try container.decodeIfPresent(Reduction.self, forKey: .reduction) ?? defaults.reduction
    output = try container.decodeIfPresent(String.self, forKey: .output) ?? defaults.output
    target = try container.decodeIfPresent(String.self, forKey: .target) ?? defaults.target
  }

  /// Encodes every parameter, writing `null` for unset optionals so saved specs and
  /// `losskit losses` list them all.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(gamma, forKey: .gamma)
    try container.encode(alpha, forKey: .alpha)
    try container.encode(strategy, forKey: .strategy)
    try container.encode(labelSmoothing, forKey: .labelSmoothing)
    try container.encode(reduction, forKey: .reduction)
    try container.encode(output, forKey: .output)
    try container.encode(target, forKey: .target)
  }

  /// The output this loss reads.
  public var outputNames: Set<String> { [output] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  /// Computes α from the class counts when a ``strategy`` is set.
  ///
  /// - Throws: ``LossKitError/unresolvedLabels(loss:detail:)`` when the counts are unknown.
  public func prepared(for context: LossContext) throws -> FocalLoss {
    guard let strategy else { return self }
    var resolved = self
    resolved.alpha = try strategy.weights(for: context, loss: Self.name)
    return resolved
  }

  /// The α table computed by a strategy, or `nil` without one.
  public func classWeightSummary(for context: LossContext) -> String? {
    guard let strategy, let alpha, alpha.count == context.labelNames.count else { return nil }
    return ClassWeightSummary(
      labels: context.labelNames, counts: context.classCounts ?? [], weights: alpha,
      source: "focal α, \(strategy)"
    ).description
  }

  private var evaluation: SoftmaxCrossEntropy {
    SoftmaxCrossEntropy(
      loss: Self.name, output: output, target: target, gamma: gamma, classWeights: alpha,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .keptSamples)
  }

  /// Computes the focal loss and its gradient with respect to the logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    LossValue(try evaluation.evaluate(outputs, targets, scale: scale, gradients: &gradients))
  }

  /// Each sample's focal loss (α and sample weights applied), shaped like the targets.
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    try evaluation.perSampleLosses(outputs, targets)
  }
}
