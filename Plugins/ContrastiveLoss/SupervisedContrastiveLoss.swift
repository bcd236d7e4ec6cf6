import LossKitCore

/// Supervised contrastive loss (Khosla et al. 2020) with pytorch-metric-learning
/// `SupConLoss` semantics.
///
/// ```
/// ê = e / ‖e‖,   s_ij = ê_i·ê_j / τ
/// ℓ_i = −(1/|P(i)|) Σ_{p∈P(i)} [ s_ip − log Σ_{j≠i} exp(s_ij) ]
/// loss = mean of ℓ_i over anchors with ℓ_i > 0
/// ```
///
/// `P(i)` are the other samples with anchor `i`'s label. An anchor with no positive contributes
/// nothing (not even to the mean's count); a batch with no positive pair or no negative pair
/// gives 0. The gradient is with respect to the un-normalised embeddings. Samples whose label
/// is the ignore index, or whose mask is 0, are left out of the batch entirely.
///
/// Batch composition matters: each class should appear at least twice per batch, or its
/// samples only ever act as negatives.
///
/// ```swift
/// let supcon = try SupervisedContrastiveLoss(temperature: 0.1)
/// let result = try supcon(embeddings, Targets(classIndices: labels))
/// ```
public struct SupervisedContrastiveLoss: Loss, Equatable {
  /// The registry name, `supcon`.
  public static let name = "supcon"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "supervised contrastive loss on embeddings (pytorch-metric-learning SupConLoss)"

  /// The temperature τ > 0 (default 0.1, pytorch-metric-learning's).
  public var temperature: Double = 0.1
  /// The model output read (default `embeddings`).
  public var output = "embeddings"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// SupCon with τ = 0.1.
  public init() {}

  /// SupCon with the given temperature.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for τ ≤ 0.
  public init(temperature: Double, output: String = "embeddings", target: String = "labels")
    throws
  {
    self.temperature = temperature
    self.output = output
    self.target = target
    try validateParameters()
  }

  /// The output this loss reads.
  public var outputNames: Set<String> { [output] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  private func validateParameters() throws {
    guard temperature.isFinite, temperature > 0 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "temperature", reason: "\(temperature) is not > 0; 0.07–0.5 is usual")
    }
  }

  /// Computes the loss and its gradient with respect to the embeddings.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    try validateParameters()
    let embeddings = try output(output, in: outputs)
    let given = try self.targets(target, in: targets)
    guard embeddings.rank == 2, let labels = given.classIndices, labels.count == embeddings.shape[0]
    else {
      throw LossKitError.shapeMismatch(
        "\(Self.name): needs embeddings [N, D] and one class index per row",
        expected: [given.sampleCount, -1], actual: embeddings.shape)
    }
    guard given.sampleWeights == nil else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "sampleWeights",
        reason: "sample weights are not defined for a pairwise loss; use a mask to leave samples out")
    }
    try given.validatePerSampleArrays(loss: Self.name)
    let dimension = embeddings.shape[1]
    let kept = labels.indices.filter {
      labels[$0] != given.ignoreIndex && (given.mask?[$0] ?? 1) != 0
    }
    let compact = kept.count == labels.count
    var selected = embeddings.scalars
    if !compact {
      selected = kept.flatMap { embeddings.scalars[($0 * dimension)..<(($0 + 1) * dimension)] }
    }
    let keptLabels = kept.map { labels[$0] }
    var slope = [Float](repeating: 0, count: kept.count * dimension)
    let (value, sawNonFinite) = selected.withUnsafeBufferPointer { e in
      slope.withUnsafeMutableBufferPointer { g in
        guard !kept.isEmpty, dimension > 0 else { return (0.0, false) }
        return SupConKernel(
          embeddings: e.baseAddress!, count: kept.count, dimension: dimension,
          labels: keptLabels, temperature: Float(temperature)
        ).run(gradient: g.baseAddress!, scale: scale, accumulate: false)
      }
    }
    if sawNonFinite {
      throw LossKitError.nonFiniteInput(
        loss: Self.name, input: "output '\(output)'",
        index: embeddings.scalars.firstIndex { !$0.isFinite } ?? 0)
    }
    gradients.write(output, shape: embeddings.shape) { gradient, accumulate in
      if !accumulate { gradient.update(repeating: 0) }
      for (position, row) in kept.enumerated() {
        for k in 0..<dimension {
          gradient[row * dimension + k] += slope[position * dimension + k]
        }
      }
    }
    return LossValue(value)
  }
}
