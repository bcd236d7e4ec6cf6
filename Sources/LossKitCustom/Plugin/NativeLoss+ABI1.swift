import CLossKitPlugin
import LossKitCore

extension NativeLoss {
  /// Calls an ABI 1 plugin: `logits` and class indices or dense targets.
  ///
  /// ABI 1 has no sample weights or mask. A mask of zeros and ones on class indices is passed
  /// as the ignore index; weights other than all ones, fractional masks and masks on dense
  /// targets cannot be passed and are an error rather than silently dropped.
  func evaluateV1(
    _ function: NativeLossImplementation.EvaluateV1, _ implementation: NativeLossImplementation,
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> (Double, [(String, PendingGradient)]) {
    let logits = try finiteOutput("logits", in: outputs)
    let given = try self.targets("labels", in: targets)
    try given.validatePerSampleArrays(loss: registryName)
    let classes = logits.lastDimension
    let rows = logits.flatRowCount
    func unsupported(_ reason: String) -> NativePluginError {
      .unsupportedTargets(
        plugin: implementation.plugin, loss: implementation.name,
        reason: "\(reason), which a plugin built for ABI 1 cannot receive; rebuild it against "
          + "ABI 2 (losskit_plugin.h) or train without them")
    }
    if let weights = given.sampleWeights, weights.contains(where: { $0 != 1 }) {
      throw unsupported("the batch has sample weights")
    }
    var labels = given.classIndices
    switch given.values {
    case .classIndices(let shape, let indices):
      guard shape == Array(logits.shape.dropLast()) else {
        throw LossKitError.shapeMismatch(
          "\(registryName): targets", expected: Array(logits.shape.dropLast()), actual: shape)
      }
      if let bad = indices.enumerated().first(where: {
        $0.element != given.ignoreIndex && ($0.element < 0 || Int($0.element) >= classes)
      }) {
        throw LossKitError.labelOutOfRange(
          loss: registryName, label: Int(bad.element), sample: bad.offset, classCount: classes,
          ignoreIndex: Int(given.ignoreIndex))
      }
      if let mask = given.mask {
        guard mask.allSatisfy({ $0 == 0 || $0 == 1 }) else {
          throw unsupported("the batch has a mask with values other than 0 and 1")
        }
        for (sample, entry) in mask.enumerated() where entry == 0 {
          labels![sample] = given.ignoreIndex
        }
      }
    case .dense(let dense):
      guard dense.shape == logits.shape else {
        throw LossKitError.shapeMismatch(
          "\(registryName): dense targets", expected: logits.shape, actual: dense.shape)
      }
      if let mask = given.mask, mask.contains(where: { $0 != 1 }) {
        throw unsupported("the batch masks samples of dense targets")
      }
    }
    var slope = [Float](repeating: 0, count: logits.count)
    var value = 0.0
    var message = [CChar](repeating: 0, count: 512)
    let status = logits.withUnsafeBufferPointer { z in
      optionalBuffer(labels) { labels in
        optionalBuffer(given.denseValues?.scalars) { dense in
          var batch = losskit_batch(
            logits: z.baseAddress, rows: Int64(rows), classes: Int64(classes),
            labels: labels?.baseAddress, targets: dense?.baseAddress,
            ignore_index: given.ignoreIndex)
          return parameters.compactText.withCString { text in
            function(implementation.context, text, &batch, &value, &slope, &message, message.count)
          }
        }
      }
    }
    guard status == 0 else {
      throw NativePluginError.evaluationFailed(
        plugin: implementation.plugin, loss: implementation.name, reason: messageText(message))
    }
    return (value, [("logits", PendingGradient(shape: logits.shape, gradient: slope))])
  }
}
