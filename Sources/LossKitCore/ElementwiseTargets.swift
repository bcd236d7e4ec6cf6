
/// The targets of an element-wise loss laid out like the model output: one target value per
/// output element and one weight per sample.
///
/// Built by ``Targets/elementwiseTargets(like:loss:)``. Class-index targets on a
/// `C`-class output become one-vs-rest targets: element `(s, c)` is 1 when sample `s` has
/// label `c`, else 0, so an element-wise loss averages over every class's binary problem.
public struct ElementwiseTargets: Sendable, Equatable {
  /// One target per output element, row-major like the output.
  public var values: [Float]
  /// One weight per sample (sample weights × mask, 0 for an ignored label), or `nil` when
  /// every sample counts once.
  public var sampleWeights: [Float]?
  /// The number of output elements per sample.
  public var elementsPerSample: Int

  /// The weight of element `index`.
  @inlinable
  public func weight(ofElement index: Int) -> Float {
    sampleWeights?[index / elementsPerSample] ?? 1
  }
}

extension Targets {
  /// Lays the targets out like `output` for an element-wise loss.
  ///
  /// - Dense targets must have the output's shape.
  /// - Class indices on an output `[N]` or `[N, 1]` are binary labels 0/1.
  /// - Class indices on an output `[…, C]` with `C > 1` become one-vs-rest targets over the
  ///   `C` classes; their sample shape must be the output's shape without its last dimension.
  ///
  /// Samples whose label is the ignore index get weight 0.
  ///
  /// - Parameters:
  ///   - output: The model output the loss reads.
  ///   - loss: The loss's name, for error messages.
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)``,
  ///   ``LossKitError/labelOutOfRange(loss:label:sample:classCount:ignoreIndex:)``,
  ///   or the errors of ``Targets/validatePerSampleArrays(loss:)``.
  public func elementwiseTargets(like output: Tensor, loss: String) throws -> ElementwiseTargets {
    try validatePerSampleArrays(loss: loss)
    switch values {
    case .dense(let dense):
      guard dense.shape == output.shape else {
        throw LossKitError.shapeMismatch(
          "\(loss): dense targets must have the output's shape", expected: output.shape,
          actual: dense.shape)
      }
      return ElementwiseTargets(
        values: dense.scalars, sampleWeights: rowWeights,
        elementsPerSample: max(output.lastDimension, 1))
    case .classIndices(let shape, let labels):
      let binary = output.rank == 1 || output.lastDimension == 1
      let classes = binary ? 2 : output.lastDimension
      if binary {
        guard output.count == labels.count else {
          throw LossKitError.shapeMismatch(
            "\(loss): class-index targets need one label per element of an output [N] or [N, 1]",
            expected: [labels.count, 1], actual: output.shape)
        }
      } else {
        guard shape == Array(output.shape.dropLast()) else {
          throw LossKitError.shapeMismatch(
            "\(loss): class-index targets need the output's shape without its class dimension",
            expected: Array(output.shape.dropLast()), actual: shape)
        }
      }
      let perSample = binary ? 1 : classes
      var weights = rowWeights ?? [Float](repeating: 1, count: labels.count)
      var targets = [Float](repeating: 0, count: labels.count * perSample)
      for (sample, label) in labels.enumerated() {
        if label == ignoreIndex {
          weights[sample] = 0
          continue
        }
        guard label >= 0, Int(label) < classes else {
          throw LossKitError.labelOutOfRange(
            loss: loss, label: Int(label), sample: sample, classCount: classes,
            ignoreIndex: Int(ignoreIndex))
        }
        targets[binary ? sample : sample * perSample + Int(label)] = binary ? Float(label) : 1
      }
      let needsWeights = rowWeights != nil || labels.contains(ignoreIndex)
      return ElementwiseTargets(
        values: targets, sampleWeights: needsWeights ? weights : nil,
        elementsPerSample: perSample)
    }
  }
}
