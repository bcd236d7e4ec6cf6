import LossKitCore

/// Class-weighted softmax cross-entropy with PyTorch `cross_entropy(weight=…)` semantics.
///
/// ```
/// loss_i = w_{y_i} · (−log p_{y_i})                 (no smoothing)
/// mean   = Σ_i loss_i / Σ_i w_{y_i}                (over kept samples)
/// ```
///
/// With label smoothing ε, `loss_i = (1−ε)·w_{y_i}·(−log p_{y_i}) + (ε/C)·Σ_c w_c·(−log p_c)`,
/// still divided by `Σ w_{y_i}` (PyTorch's rule). Per-sample weights multiply each sample and
/// its share of the divisor.
///
/// The weights come from one of three places:
/// - ``weights``: one value per class index;
/// - ``classWeights``: values by label name (unnamed labels get 1), resolved by
///   ``prepared(for:)``;
/// - ``strategy``: computed from the training data's class counts by ``prepared(for:)``.
///
/// ```swift
/// let loss = try WeightedCrossEntropyLoss(strategy: .inverse)
///   .prepared(for: LossContext(labelNames: names, classCounts: counts))
/// print(loss.summary(for: context)!)   // the frequency / weight table
/// ```
public struct WeightedCrossEntropyLoss: PerSampleLoss, ClassWeightReporting, Equatable {
  /// The registry name, `weighted-cross-entropy`.
  public static let name = "weighted-cross-entropy"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary =
    "class-weighted cross-entropy (PyTorch weight=): explicit, by label, or a strategy"

  /// Resolved weight per class index, or `nil` before resolution.
  public var weights: [Double]? = nil
  /// Weights by label name; labels not named get 1.
  public var classWeights: [String: Double]? = nil
  /// A strategy that computes the weights from class counts.
  public var strategy: ClassWeightStrategy? = nil
  /// Label smoothing ε in `[0, 1)` (default 0).
  public var labelSmoothing: Double = 0
  /// How samples are reduced (default mean, divided by the targets' weights).
  public var reduction: Reduction = .mean
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// Unweighted until weights, label weights or a strategy are set.
  public init() {}

  /// Weighted cross-entropy from explicit weights, label weights, or a strategy (one of them).
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` when more than one weight source is
  ///   given, or ``LossKitError/invalidParameter(loss:name:reason:)`` for a negative weight.
  public init(
    weights: [Double]? = nil, classWeights: [String: Double]? = nil,
    strategy: ClassWeightStrategy? = nil, labelSmoothing: Double = 0,
    reduction: Reduction = .mean, output: String = "logits", target: String = "labels"
  ) throws {
    self.weights = weights
    self.classWeights = classWeights
    self.strategy = strategy
    self.labelSmoothing = labelSmoothing
    self.reduction = reduction
    self.output = output
    self.target = target
    try validateSources()
    try evaluation.validateParameters()
  }

  /// Checks that at most one weight source is set and label weights are valid.
  private func validateSources() throws {
    guard classWeights == nil || strategy == nil else {
      throw LossKitError.conflictingOptions(
        "\(Self.name): classWeights and strategy are alternatives",
        fix: "give label weights or a weight strategy, not both")
    }
    if let classWeights,
      let bad = classWeights.first(where: { !($0.value >= 0) || !$0.value.isFinite })
    {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "classWeights",
        reason: "'\(bad.key)' has weight \(bad.value); weights must be finite and ≥ 0")
    }
  }

  /// Encodes every parameter, writing `null` for unset optionals so saved specs and
  /// `losskit losses` list them all.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(weights, forKey: .weights)
    try container.encode(classWeights, forKey: .classWeights)
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

  /// Resolves label weights or the strategy into ``weights`` for the data set.
  ///
  /// - Throws: ``LossKitError/unknownLabel(_:known:context:)`` for a label name not in the
  ///   data, ``LossKitError/unresolvedLabels(loss:detail:)`` when a strategy has no counts.
  public func prepared(for context: LossContext) throws -> WeightedCrossEntropyLoss {
    try validateSources()
    var resolved = self
    if let classWeights {
      var vector = Array(repeating: 1.0, count: context.labelNames.count)
      for (label, weight) in classWeights {
        vector[try context.index(of: label, for: "\(Self.name) class weights")] = weight
      }
      resolved.weights = vector
    } else if let strategy {
      resolved.weights = try strategy.weights(for: context, loss: Self.name)
    }
    return resolved
  }

  /// The frequency and weight table for a data set, or `nil` when unweighted.
  public func summary(for context: LossContext) -> ClassWeightSummary? {
    guard let weights else { return nil }
    let source = strategy?.description ?? (classWeights != nil ? "by label" : "explicit")
    return ClassWeightSummary(
      labels: context.labelNames, counts: context.classCounts ?? [], weights: weights,
      source: source)
  }

  /// The frequency and weight table as text, or `nil` when unweighted.
  public func classWeightSummary(for context: LossContext) -> String? {
    summary(for: context)?.description
  }

  private var evaluation: SoftmaxCrossEntropy {
    SoftmaxCrossEntropy(
      loss: Self.name, output: output, target: target, gamma: 0, classWeights: weights,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .classWeightOfTargets)
  }

  private func checkResolved() throws {
    try validateSources()
    guard weights != nil || (classWeights == nil && strategy == nil) else {
      throw LossKitError.unresolvedLabels(
        loss: Self.name,
        detail: "its \(strategy != nil ? "weight strategy" : "label weights") are not resolved")
    }
  }

  /// Computes the loss and its gradient with respect to the logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    try checkResolved()
    return LossValue(try evaluation.evaluate(outputs, targets, scale: scale, gradients: &gradients))
  }

  /// Each sample's weighted loss, shaped like the targets.
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    try checkResolved()
    return try evaluation.perSampleLosses(outputs, targets)
  }
}
