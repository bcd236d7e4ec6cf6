import Foundation
import LossKitCore

extension FocalLoss: ReferenceLoss {
  /// The focal loss in plain `Double` arithmetic (see ``ReferenceLoss``).
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    SoftmaxCrossEntropy(
      loss: Self.name, output: self.output, target: target, gamma: gamma, classWeights: alpha,
      labelSmoothing: labelSmoothing, reduction: reduction, meanDivisor: .keptSamples
    ).referenceValue(output, shape: shape, targets: targets)
  }
}

extension BinaryFocalLoss: ReferenceLoss {
  /// torchvision's `sigmoid_focal_loss` formula in plain `Double` arithmetic, with Keras'
  /// label smoothing.
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    let rowLength = targets.classIndices == nil ? max(shape.last ?? 1, 1) : 1
    let y: [Double]
    var weights = targets.rowWeights.map { $0.map(Double.init) }
    switch targets.values {
    case .dense(let dense): y = dense.scalars.map(Double.init)
    case .classIndices(_, let labels):
      y = labels.map { $0 == 1 ? 1 : 0 }
      if labels.contains(targets.ignoreIndex) {
        weights = labels.indices.map { labels[$0] == targets.ignoreIndex ? 0 : weights?[$0] ?? 1 }
      }
    }
    var total = 0.0
    for (index, x) in output.enumerated() {
      let target = y[index] * (1 - labelSmoothing) + labelSmoothing / 2
      let p = 1 / (1 + exp(-x))
      let crossEntropy = max(x, 0) - x * target + log1p(exp(-abs(x)))
      let pT = p * target + (1 - p) * (1 - target)
      let alphaT = alpha.map { $0 * target + (1 - $0) * (1 - target) } ?? 1
      total += (weights?[index / rowLength] ?? 1) * alphaT * crossEntropy * pow(1 - pT, gamma)
    }
    if reduction == .sum { return total }
    let divisor = weights.map { $0.reduce(0, +) * Double(rowLength) } ?? Double(output.count)
    return divisor > 0 ? total / divisor : 0
  }
}
