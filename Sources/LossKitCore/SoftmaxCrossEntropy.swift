import LossKitKernels

/// The shared evaluation of the softmax cross-entropy family (focal loss, cross-entropy,
/// class-weighted cross-entropy): input validation, the reduction's divisor, and the fused
/// `SoftmaxFocalKernel` (LossKitKernels).
///
/// Loss plugins describe their parameters with this type and call ``evaluate(_:_:scale:gradients:)``.
public struct SoftmaxCrossEntropy: Sendable {
  /// What a mean reduction divides by for class-index targets.
  public enum MeanDivisor: Sendable {
    /// The number of kept samples, or the sum of their weights when sample weights or a mask
    /// are set (focal loss: α does not enter the divisor).
    case keptSamples
    /// `Σ α_{y_i}·w_i` over kept samples (PyTorch `cross_entropy(weight=…)`).
    case classWeightOfTargets
  }

  /// The loss name, for error messages.
  public var loss: String
  /// The model output read.
  public var output: String
  /// The target set read.
  public var target: String
  /// The focusing exponent γ ≥ 0 (0 for cross-entropy).
  public var gamma: Double
  /// Per-class weights α (one value is broadcast to every class), or `nil`.
  public var classWeights: [Double]?
  /// Label smoothing ε in `[0, 1)`.
  public var labelSmoothing: Double
  /// How samples are reduced.
  public var reduction: Reduction
  /// What a mean divides by.
  public var meanDivisor: MeanDivisor

  /// Creates an evaluation description.
  public init(
    loss: String, output: String, target: String, gamma: Double, classWeights: [Double]?,
    labelSmoothing: Double, reduction: Reduction, meanDivisor: MeanDivisor
  ) {
    self.loss = loss
    self.output = output
    self.target = target
    self.gamma = gamma
    self.classWeights = classWeights
    self.labelSmoothing = labelSmoothing
    self.reduction = reduction
    self.meanDivisor = meanDivisor
  }

  /// Checks the parameters that do not depend on the data.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the parameter.
  public func validateParameters() throws {
    guard gamma.isFinite, gamma >= 0 else {
      throw LossKitError.invalidParameter(
        loss: loss, name: "gamma",
        reason: "\(gamma) is not ≥ 0; use 0 for cross-entropy, 2 is usual")
    }
    guard labelSmoothing.isFinite, labelSmoothing >= 0, labelSmoothing < 1 else {
      throw LossKitError.invalidParameter(
        loss: loss, name: "labelSmoothing", reason: "\(labelSmoothing) is not in [0, 1)")
    }
    if let classWeights {
      guard !classWeights.isEmpty,
        classWeights.allSatisfy({ $0 >= 0 && $0 <= CompositeLoss.largestWeight })
      else {
        throw LossKitError.invalidParameter(
          loss: loss, name: "class weights",
          reason: "\(classWeights) must be one or more values in 0…\(CompositeLoss.largestWeight)")
      }
    }
  }

  /// Evaluates the loss and writes `scale` × its gradient for ``output``.
  ///
  /// - Parameter perSample: When set, receives each sample's (weighted, unreduced) loss.
  /// - Returns: The reduced value; 0 with a zero gradient when every sample is ignored.
  /// - Throws: ``LossKitError`` for shape mismatches, out-of-range labels, a class-weight
  ///   vector of the wrong length, or non-finite logits.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers, perSample: UnsafeMutablePointer<Float>? = nil
  ) throws -> Double {
    try validateParameters()
    guard let logits = outputs[output] else {
      throw LossKitError.missingOutput(loss: loss, name: output, available: outputs.keys.sorted())
    }
    guard let target = targets[target] else {
      throw LossKitError.missingTargets(
        loss: loss, name: self.target, available: targets.keys.sorted())
    }
    guard logits.rank >= 1, logits.lastDimension >= 1 else {
      throw LossKitError.shapeMismatch(
        "\(loss): logits need a class dimension", expected: [-1, -1], actual: logits.shape)
    }
    let classes = logits.lastDimension
    let rows = logits.flatRowCount
    guard rows > 0 else {
      gradients.write(output, shape: logits.shape) { _, _ in }
      return 0
    }
    let alpha = try expandedClassWeights(classes: classes)
    try target.validatePerSampleArrays(loss: loss)
    let rowWeights = target.rowWeights
    var divisor: Double
    switch target.values {
    case .classIndices(let shape, let labels):
      guard shape == Array(logits.shape.dropLast()) else {
        throw LossKitError.shapeMismatch(
          "\(loss): class-index targets must have the logits' shape without the class "
            + "dimension", expected: Array(logits.shape.dropLast()), actual: shape)
      }
      let scan = try labels.withUnsafeBufferPointer { labels in
        try optionalBuffer(rowWeights) { weights in
          try ClassIndexScan(
            labels: labels, classes: classes, ignoreIndex: target.ignoreIndex,
            rowWeights: weights, classWeights: alpha, loss: loss)
        }
      }
      switch meanDivisor {
      case .keptSamples: divisor = rowWeights == nil ? Double(scan.keptCount) : scan.keptWeight
      case .classWeightOfTargets: divisor = scan.keptClassWeight
      }
    case .dense(let dense):
      guard dense.shape == logits.shape else {
        throw LossKitError.shapeMismatch(
          "\(loss): dense targets must have the logits' shape", expected: logits.shape,
          actual: dense.shape)
      }
      divisor = rowWeights.map { Double($0.reduce(0, +)) } ?? Double(rows)
    }
    if reduction == .sum { divisor = 1 }
    // An empty (all-ignored) batch has nothing to average: value 0 and a zero gradient.
    let gradientScale = divisor > 0 ? scale / Float(divisor) : 0
    let sum = try gradients.write(output, shape: logits.shape) { gradient, accumulate in
      try runKernel(
        logits: logits, target: target, rows: rows, classes: classes, rowWeights: rowWeights,
        alpha: alpha, gradient: gradient.baseAddress, gradientScale: gradientScale,
        accumulate: accumulate, perSample: perSample)
    }
    return divisor > 0 ? sum / divisor : 0
  }

  /// Each sample's weighted, unreduced loss, shaped like the logits without the class
  /// dimension.
  ///
  /// - Throws: The same errors as ``evaluate(_:_:scale:gradients:perSample:)``.
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    guard let logits = outputs[output] else {
      throw LossKitError.missingOutput(loss: loss, name: output, available: outputs.keys.sorted())
    }
    var losses = Tensor(shape: Array(logits.shape.dropLast()))
    var unused = GradientBuffers()
    var summed = self
    summed.reduction = .sum
    _ = try losses.withUnsafeMutableBufferPointer { buffer in
      try summed.evaluate(
        outputs, targets, scale: 1, gradients: &unused, perSample: buffer.baseAddress)
    }
    return losses
  }

  private func expandedClassWeights(classes: Int) throws -> [Float]? {
    guard let classWeights else { return nil }
    if classWeights.count == 1 { return Array(repeating: Float(classWeights[0]), count: classes) }
    guard classWeights.count == classes else {
      throw LossKitError.shapeMismatch(
        "\(loss): class weights (α) need one value or one per class", expected: [classes],
        actual: [classWeights.count])
    }
    return classWeights.map(Float.init)
  }

  private func runKernel(
    logits: Tensor, target: Targets, rows: Int, classes: Int, rowWeights: [Float]?,
    alpha: [Float]?, gradient: UnsafeMutablePointer<Float>?, gradientScale: Float,
    accumulate: Bool, perSample: UnsafeMutablePointer<Float>?
  ) throws -> Double {
    let result = logits.withUnsafeBufferPointer { logitBuffer in
      optionalBuffer(rowWeights) { weights in
        optionalBuffer(alpha) { alpha in
          withTargetPointers(target) { labels, dense in
            var kernel: SoftmaxFocalKernel
            if let labels {
              kernel = SoftmaxFocalKernel(
                logits: logitBuffer.baseAddress!, rows: rows, classes: classes,
                classIndices: labels)
            } else {
              kernel = SoftmaxFocalKernel(
                logits: logitBuffer.baseAddress!, rows: rows, classes: classes,
                denseTargets: dense!)
            }
            kernel.rowWeights = weights?.baseAddress
            kernel.classWeights = alpha?.baseAddress
            kernel.gamma = Float(gamma)
            kernel.labelSmoothing = Float(labelSmoothing)
            kernel.ignoreIndex = target.ignoreIndex
            kernel.gradient = gradient
            kernel.gradientScale = gradientScale
            kernel.accumulate = accumulate
            kernel.perSample = perSample
            return kernel.run()
          }
        }
      }
    }
    if result.sawNonFinite {
      let index = logits.scalars.firstIndex { !$0.isFinite }
      throw LossKitError.nonFiniteInput(
        loss: loss, input: index == nil ? "the targets" : "output '\(output)'",
        index: index
          ?? (target.denseValues?.scalars.firstIndex { !$0.isFinite } ?? 0))
    }
    return result.sum
  }
}

/// Calls `body` with a buffer over `array`, or `nil`.
@inlinable
public func optionalBuffer<Element, R>(
  _ array: [Element]?, _ body: (UnsafeBufferPointer<Element>?) throws -> R
) rethrows -> R {
  guard let array else { return try body(nil) }
  return try array.withUnsafeBufferPointer { try body($0) }
}

/// Calls `body` with pointers to class indices or dense target values, whichever are set.
public func withTargetPointers<R>(
  _ targets: Targets, _ body: (UnsafePointer<Int32>?, UnsafePointer<Float>?) throws -> R
) rethrows -> R {
  switch targets.values {
  case .classIndices(_, let labels):
    return try labels.withUnsafeBufferPointer { try body($0.baseAddress!, nil) }
  case .dense(let dense):
    return try dense.withUnsafeBufferPointer { try body(nil, $0.baseAddress!) }
  }
}
