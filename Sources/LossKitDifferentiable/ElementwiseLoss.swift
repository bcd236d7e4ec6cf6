import LossKitCore
import LossKitCustom
import _Differentiation

/// A loss written as one differentiable function of (prediction, target) per element; LossKit
/// derives its gradient with Swift's `_Differentiation` and averages over elements.
///
/// ```swift
/// import LossKitDifferentiable
///
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
/// This module is separate from `LossKit` because only the swift.org toolchains ship
/// `_Differentiation` (Xcode's do not). ``LossKitCustom/ForeignLoss`` and native plugins give
/// element-wise losses without it.
///
/// Targets are laid out by ``LossKitCore/Targets/elementwiseTargets(like:loss:)``: dense
/// values shaped like the output, class indices 0/1 for an output `[N]` or `[N, 1]`, or class
/// indices on a `C`-class output, averaged over the one-vs-rest targets of every class. The
/// value is the mean over elements, weighted by sample weights and the mask. The function runs
/// per element in `Double` through `valueWithPullback`: use it to try an idea, then write a
/// fused kernel if it stays.
public protocol ElementwiseLoss: Loss {
  /// Whether ``elementLoss(_:target:)`` receives the logit or its sigmoid.
  static var input: ElementwiseInput { get }
  /// The loss of one element.
  @differentiable(reverse,wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double
}

extension ElementwiseLoss {
  /// Reads `logits`.
  public var outputNames: Set<String> { ["logits"] }
  /// Reads `labels`.
  public var targetNames: Set<String> { ["labels"] }

  /// The weighted mean loss and its gradient, element by element
  /// (``LossKitCustom/ElementwiseEvaluation``).
  ///
  /// - Throws: ``LossKitCore/LossKitError`` for shape, label or non-finite input problems,
  ///   ``LossKitCustom/ElementwiseLossError`` when ``elementLoss(_:target:)`` is not finite.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let laidOut = try self.targets("labels", in: targets)
      .elementwiseTargets(like: logits, loss: registryName)
    let value = try ElementwiseEvaluation.evaluate(
      logits, named: "logits", targets: laidOut, input: Self.input, loss: registryName,
      scale: scale, gradients: &gradients
    ) { prediction, target in
      let (value, pullback) = valueWithPullback(at: prediction) {
        Self.elementLoss($0, target: target)
      }
      return (value, pullback(1))
    }
    return LossValue(value)
  }
}
