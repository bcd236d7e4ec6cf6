import LossKitCore
import LossKitKernels

/// Soft F1 loss over chosen "focal labels": `1 − mean F1` of the labels you care about.
///
/// ```
/// p = softmax(logits);  for each focal class k, over counted samples:
/// tp = Σ y·p,   fp = Σ (1−y)·p,   fn = Σ y·(1−p)
/// P = tp/(tp+fp+ε),  R = tp/(tp+fn+ε),  F1 = 2PR/(P+R+ε)
/// loss = 1 − mean_k F1_k
/// ```
///
/// Labels not named are ignored by the loss but still predicted. Logits are `[N, C]` with
/// targets `[N]`, or sequences `[N, T, C]` with targets `[N, T]` where every unmasked step
/// counts. The loss is a property of the whole batch (no per-sample view); a batch with no
/// counted sample gives 0 with a zero gradient.
///
/// Focal labels and class weights are different answers to the same question, so a
/// configuration that sets both is rejected (the seed's rule); composing this loss with
/// ``WeightedCrossEntropyLoss`` explicitly (`0.5 * focalF1 + 0.5 * weighted`) stays allowed.
///
/// ```swift
/// let loss = try FocalF1Loss(focalLabels: ["Nomenclature", "Description"])
///   .prepared(for: LossContext(labelNames: ["Nomenclature", "Description", "Misc"]))
/// ```
public struct FocalF1Loss: Loss, Equatable {
  /// The registry name, `focal-f1`.
  public static let name = "focal-f1"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "1 − mean soft F1 over the focal labels (seed's mean_f1_loss)"

  /// The focal labels by name, resolved into ``focalClasses`` by ``prepared(for:)``.
  public var focalLabels: [String] = []
  /// The focal class indices.
  public var focalClasses: [Int] = []
  /// The ε in the precision, recall and F1 denominators (default 1e-7, Keras' epsilon).
  public var epsilon: Double = 1e-7
  /// The model output read (default `logits`).
  public var output = "logits"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// A loss with no focal labels yet: set ``focalLabels`` or ``focalClasses`` before use.
  public init() {}

  /// Soft F1 over labels named in the data set.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` when `focalLabels` is
  ///   empty.
  public init(
    focalLabels: [String], epsilon: Double = 1e-7, output: String = "logits",
    target: String = "labels"
  ) throws {
    self.focalLabels = focalLabels
    self.epsilon = epsilon
    self.output = output
    self.target = target
    try validateParameters()
  }

  /// Soft F1 over class indices.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` when `focalClasses` is
  ///   empty or has a negative index.
  public init(
    focalClasses: [Int], epsilon: Double = 1e-7, output: String = "logits",
    target: String = "labels"
  ) throws {
    self.focalClasses = focalClasses
    self.epsilon = epsilon
    self.output = output
    self.target = target
    try validateParameters()
  }

  /// The output this loss reads.
  public var outputNames: Set<String> { [output] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  private func validateParameters() throws {
    guard !focalLabels.isEmpty || !focalClasses.isEmpty else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "focalLabels",
        reason: "no focal labels given; name the labels to optimise, e.g. "
          + "focalLabels: [\"Nomenclature\", \"Description\"]")
    }
    guard focalClasses.allSatisfy({ $0 >= 0 }), Set(focalClasses).count == focalClasses.count,
      Set(focalLabels).count == focalLabels.count
    else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "focal labels",
        reason: "\(focalLabels.isEmpty ? focalClasses.description : focalLabels.description) "
          + "has a duplicate or negative entry")
    }
    guard epsilon.isFinite, epsilon > 0 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "epsilon", reason: "\(epsilon) is not > 0")
    }
  }

  /// Resolves ``focalLabels`` into class indices.
  ///
  /// - Throws: ``LossKitError/unknownLabel(_:known:context:)`` for a name not in the data.
  public func prepared(for context: LossContext) throws -> FocalF1Loss {
    guard !focalLabels.isEmpty else { return self }
    var resolved = self
    resolved.focalClasses = try focalLabels.map {
      try context.index(of: $0, for: "\(Self.name) focal labels")
    }
    return resolved
  }

  /// Computes `1 − mean F1` and its gradient with respect to the logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    try validateParameters()
    guard !focalClasses.isEmpty else {
      throw LossKitError.unresolvedLabels(
        loss: Self.name, detail: "focal labels \(focalLabels) are not resolved to classes")
    }
    let logits = try output(output, in: outputs)
    let given = try self.targets(target, in: targets)
    let classes = logits.lastDimension
    guard logits.rank >= 2, case .classIndices(let shape, let labels) = given.values else {
      throw LossKitError.shapeMismatch(
        "\(Self.name): needs logits [N, C] or [N, T, C] and class-index targets",
        expected: [-1, -1], actual: logits.shape)
    }
    guard shape == Array(logits.shape.dropLast()) else {
      throw LossKitError.shapeMismatch(
        "\(Self.name): targets must have the logits' shape without the class dimension",
        expected: Array(logits.shape.dropLast()), actual: shape)
    }
    if let bad = focalClasses.first(where: { $0 >= classes }) {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "focalClasses",
        reason: "class \(bad) does not exist; the logits have \(classes) classes")
    }
    try given.validatePerSampleArrays(loss: Self.name)
    let rowWeights = given.rowWeights
    let scan = try labels.withUnsafeBufferPointer { labels in
      try optionalBuffer(rowWeights) { weights in
        try ClassIndexScan(
          labels: labels, classes: classes, ignoreIndex: given.ignoreIndex,
          rowWeights: weights, classWeights: nil, loss: Self.name)
      }
    }
    return try logits.withUnsafeBufferPointer { logitBuffer in
      try labels.withUnsafeBufferPointer { labelBuffer in
        try optionalBuffer(rowWeights) { weights in
          let kernel = SoftF1Kernel(
            logits: logitBuffer.baseAddress!, labels: labelBuffer.baseAddress!,
            rowWeights: weights?.baseAddress, rows: logits.flatRowCount, classes: classes,
            focalClasses: focalClasses, ignoreIndex: given.ignoreIndex)
          guard scan.keptCount > 0 else {
            gradients.write(output, shape: logits.shape) { gradient, accumulate in
              if !accumulate { gradient.update(repeating: 0) }
            }
            return LossValue(0)
          }
          return try gradients.write(output, shape: logits.shape) { gradient, accumulate in
            let (counts, sawNonFinite) = kernel.counts(
              probabilities: accumulate ? nil : gradient.baseAddress!)
            if sawNonFinite {
              throw LossKitError.nonFiniteInput(
                loss: Self.name, input: "output '\(output)'",
                index: logitBuffer.firstIndex { !$0.isFinite } ?? 0)
            }
            let (value, slopes) = Self.softF1(counts, epsilon: epsilon)
            kernel.writeGradient(
              slopes, scale: scale, into: gradient.baseAddress!, accumulate: accumulate)
            return LossValue(value)
          }
        }
      }
    }
  }

  /// `1 − mean F1` from the soft counts, and the loss's slope in each focal probability.
  static func softF1(_ counts: SoftF1Kernel.Counts, epsilon: Double) -> (
    Double, SoftF1Kernel.Slopes
  ) {
    let k = Double(counts.truePositives.count)
    var meanF1 = 0.0
    var slopes = SoftF1Kernel.Slopes(positive: [], negative: [])
    for index in counts.truePositives.indices {
      let tp = counts.truePositives[index]
      let fp = counts.predicted[index] - tp
      let fn = counts.actual[index] - tp
      let precisionDenominator = tp + fp + epsilon
      let recallDenominator = tp + fn + epsilon
      let precision = tp / precisionDenominator
      let recall = tp / recallDenominator
      let f1Denominator = precision + recall + epsilon
      meanF1 += 2 * precision * recall / f1Denominator / k
      let dF1dPrecision = 2 * recall * (recall + epsilon) / (f1Denominator * f1Denominator)
      let dF1dRecall = 2 * precision * (precision + epsilon) / (f1Denominator * f1Denominator)
      let dPrecisiondTP = (fp + epsilon) / (precisionDenominator * precisionDenominator)
      let dPrecisiondFP = -tp / (precisionDenominator * precisionDenominator)
      let dRecalldTP = (fn + epsilon) / (recallDenominator * recallDenominator)
      let dRecalldFN = -tp / (recallDenominator * recallDenominator)
      let dF1dTP = dF1dPrecision * dPrecisiondTP + dF1dRecall * dRecalldTP
      let dF1dFP = dF1dPrecision * dPrecisiondFP
      let dF1dFN = dF1dRecall * dRecalldFN
      // tp, fp and fn move with p as +y, +(1−y) and −y; the loss is −F1/k.
      slopes.positive.append(Float(-(dF1dTP - dF1dFN) / k))
      slopes.negative.append(Float(-dF1dFP / k))
    }
    return (1 - meanF1, slopes)
  }
}
