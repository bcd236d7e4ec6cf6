import Foundation
import LossKitCore
import _Differentiation

/// What an element-wise loss function receives as its prediction.
public enum ElementwiseInput: String, Sendable, Codable {
  /// The raw model output (a logit).
  case logit
  /// `σ(logit)`, a probability in `(0, 1)`.
  case probability
}

/// A loss written as one differentiable function of (prediction, target) per element; LossKit
/// derives its gradient with Swift's `_Differentiation` and averages over elements.
///
/// ```swift
/// struct SquaredError: ElementwiseLoss {
///   static let name = "squared-error"
///   static let version = 1
///   static let summary = "(σ(x) − y)², the Brier score of a binary prediction"
///   static let input = ElementwiseInput.probability
///   @differentiable(reverse, wrt: prediction)
///   static func elementLoss(_ prediction: Double, target: Double) -> Double {
///     (prediction - target) * (prediction - target)
///   }
/// }
/// try registry.register(SquaredError.self)
/// ```
///
/// Targets are dense values shaped like the output, or class indices 0/1 for outputs `[N]` or
/// `[N, 1]`. The value is the mean over elements (sample weights and masks weight it). The
/// function runs per element in `Double`, so such losses are for prototyping and small
/// outputs; write a fused kernel (see `SoftmaxFocalKernel`) when speed matters.
public protocol ElementwiseLoss: Loss {
  /// Whether ``elementLoss(_:target:)`` receives the logit or its sigmoid.
  static var input: ElementwiseInput { get }
  /// The loss of one element.
  @differentiable(reverse, wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double
}

extension ElementwiseLoss {
  /// Reads `logits`.
  public var outputNames: Set<String> { ["logits"] }
  /// Reads `labels`.
  public var targetNames: Set<String> { ["labels"] }

  /// The mean loss and its gradient, element by element.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let given = try self.targets("labels", in: targets)
    try given.validatePerSampleArrays(loss: registryName)
    let (values, rowWeights, rowLength) = try given.binaryValues(like: logits, loss: registryName)
    var total = 0.0
    var divisor = 0.0
    var slopes = [Double](repeating: 0, count: logits.count)
    for index in 0..<logits.count {
      let x = Double(logits.scalars[index])
      guard x.isFinite else {
        throw LossKitError.nonFiniteInput(loss: registryName, input: "output 'logits'", index: index)
      }
      let weight = Double(rowWeights?[index / rowLength] ?? 1)
      divisor += weight
      guard weight != 0 else { continue }
      let probability = 1 / (1 + Foundation.exp(-x))
      let prediction = Self.input == .probability ? probability : x
      let y = Double(values[index])
      let (value, pullback) = valueWithPullback(at: prediction) { Self.elementLoss($0, target: y) }
      var slope = pullback(1)
      if Self.input == .probability { slope *= probability * (1 - probability) }
      guard value.isFinite, slope.isFinite else {
        throw LossKitError.nonFiniteInput(
          loss: registryName, input: "elementLoss(\(prediction), target: \(y))", index: index)
      }
      total += weight * value
      slopes[index] = weight * slope
    }
    let mean = divisor > 0 ? 1 / divisor : 0
    gradients.write("logits", shape: logits.shape) { gradient, accumulate in
      for index in 0..<gradient.count {
        let g = Float(slopes[index] * mean) * scale
        gradient[index] = (accumulate ? gradient[index] : 0) + g
      }
    }
    return LossValue(total * mean)
  }
}
