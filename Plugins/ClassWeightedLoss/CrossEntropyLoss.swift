import LossKitCore

/// Softmax cross-entropy with PyTorch `nn.functional.cross_entropy` semantics.
///
/// ```
/// CE = −log p_y          p = softmax(logits)
/// ```
///
/// With label smoothing ε the target becomes `y(1−ε) + ε/C` (PyTorch and Keras agree). The
/// mean divides by the number of kept samples (or the sum of their sample weights); ignored
/// samples (index −100 by default) and masked steps count nothing. An all-ignored batch gives
/// 0 rather than PyTorch's NaN. For class weights use ``WeightedCrossEntropyLoss``.
public struct CrossEntropyLoss: PerSampleLoss, Equatable {
  /// The registry name, `cross-entropy`.
  public static let name = "cross-entropy"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "softmax cross-entropy −log p_y (PyTorch cross_entropy)"

  /// Label smoothing ε in `[0, 1)` (default 0).
  public var labelSmoothing: Double = 0
  /// How samples are reduced (default mean).
  public var reduction: Reduction = .mean
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// Cross-entropy without smoothing, mean reduction.
  public init() {}

  /// Cross-entropy with the given options.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for ε outside `[0, 1)`.
  public init(
    labelSmoothing: Double = 0, reduction: Reduction = .mean, output: String = "logits",
    target: String = "labels"
  ) throws {
    self.labelSmoothing = labelSmoothing
    self.reduction = reduction
    self.output = output
    self.target = target
    try evaluation.validateParameters()
  }

  /// The output this loss reads.
  public var outputNames: Set<String> { [output] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  private var evaluation: SoftmaxCrossEntropy {
    SoftmaxCrossEntropy(
      loss: Self.name, output: output, target: target, gamma: 0, classWeights: nil,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .keptSamples)
  }

  /// Computes the loss and its gradient with respect to the logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    LossValue(try evaluation.evaluate(outputs, targets, scale: scale, gradients: &gradients))
  }

  /// Each sample's loss, shaped like the targets.
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    try evaluation.perSampleLosses(outputs, targets)
  }
}
