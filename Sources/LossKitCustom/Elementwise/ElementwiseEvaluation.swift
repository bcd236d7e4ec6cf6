import Foundation
import LossKitCore

/// The shared loop of every element-wise loss: the weighted mean of one function of
/// (prediction, target) per output element, and its gradient.
///
/// ```
/// value = Σ_e w_e · f(p_e, y_e) / Σ_e w_e        p_e = x_e, or σ(x_e) for probability input
/// ∂value/∂x_e = w_e · f′(p_e, y_e) · (1, or σ(x_e)(1 − σ(x_e))) / Σ_e w_e
/// ```
///
/// `w_e` is the weight of the element's sample (sample weight × mask, 0 when ignored); the
/// function is not called for elements of weight 0. The gradient is computed into scratch
/// and checked before any of it reaches the caller's ``LossKitCore/GradientBuffers``, so a
/// function that returns NaN for one element leaves the buffers as they were.
public enum ElementwiseEvaluation {
  /// Evaluates an element-wise function over an output and adds `scale` × the mean's
  /// gradient into `gradients[outputName]`.
  ///
  /// - Parameters:
  ///   - output: The model output read (any shape).
  ///   - outputName: Its name, the key its gradient is written under.
  ///   - targets: The targets laid out like the output
  ///     (``LossKitCore/Targets/elementwiseTargets(like:loss:)``).
  ///   - input: Whether `element` receives the logit or `σ(logit)`.
  ///   - loss: The loss's name, for errors.
  ///   - scale: The factor applied to the gradient.
  ///   - gradients: Where the gradient is written or accumulated.
  ///   - element: The function's value and its derivative with respect to the prediction.
  /// - Returns: The weighted mean (0 when every weight is 0).
  /// - Throws: ``LossKitCore/LossKitError/nonFiniteInput(loss:input:index:)`` for a
  ///   non-finite output,
  ///   ``ElementwiseLossError/nonFiniteResult(loss:prediction:target:value:derivative:element:)``
  ///   when the function returns a non-finite value or derivative, or what `element` throws.
  public static func evaluate(
    _ output: Tensor, named outputName: String, targets: ElementwiseTargets,
    input: ElementwiseInput, loss: String, scale: Float, gradients: inout GradientBuffers,
    element: (_ prediction: Double, _ target: Double) throws -> (value: Double, derivative: Double)
  ) throws -> Double {
    let count = output.count
    precondition(targets.values.count == count, "element-wise targets laid out for another output")
    var slopes = [Double](repeating: 0, count: count)
    var total = 0.0
    var divisor = 0.0
    try output.withUnsafeBufferPointer { x in
      try targets.values.withUnsafeBufferPointer { y in
        for index in 0..<count {
          let logit = Double(x[index])
          guard logit.isFinite else {
            throw LossKitError.nonFiniteInput(
              loss: loss, input: "output '\(outputName)'", index: index)
          }
          let weight = Double(targets.weight(ofElement: index))
          guard weight != 0 else { continue }
          divisor += weight
          let probability = input == .probability ? 1 / (1 + Foundation.exp(-logit)) : 0
          let prediction = input == .probability ? probability : logit
          let target = Double(y[index])
          let (value, derivative) = try element(prediction, target)
          let slope =
            input == .probability ? derivative * probability * (1 - probability) : derivative
          guard value.isFinite, slope.isFinite else {
            throw ElementwiseLossError.nonFiniteResult(
              loss: loss, prediction: prediction, target: target, value: value,
              derivative: derivative, element: index)
          }
          total += weight * value
          slopes[index] = weight * slope
        }
      }
    }
    let mean = divisor > 0 ? 1 / divisor : 0
    gradients.write(outputName, shape: output.shape) { gradient, accumulate in
      let factor = mean * Double(scale)
      for index in 0..<count {
        let g = Float(slopes[index] * factor)
        gradient[index] = accumulate ? gradient[index] + g : g
      }
    }
    return total * mean
  }
}
