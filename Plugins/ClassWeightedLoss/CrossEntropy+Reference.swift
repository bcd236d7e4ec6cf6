import LossKitCore

extension CrossEntropyLoss: ReferenceLoss {
  /// Cross-entropy in plain `Double` arithmetic (see ``ReferenceLoss``).
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    SoftmaxCrossEntropy(
      loss: Self.name, output: self.output, target: target, gamma: 0, classWeights: nil,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .keptSamples
    ).referenceValue(output, shape: shape, targets: targets)
  }
}

extension WeightedCrossEntropyLoss: ReferenceLoss {
  /// Weighted cross-entropy in plain `Double` arithmetic (see ``ReferenceLoss``).
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    SoftmaxCrossEntropy(
      loss: Self.name, output: self.output, target: target, gamma: 0, classWeights: weights,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .classWeightOfTargets
    ).referenceValue(output, shape: shape, targets: targets)
  }
}
