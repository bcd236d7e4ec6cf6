import Foundation

/// An element-wise loss function misbehaved.
public enum ElementwiseLossError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The function returned a non-finite value or derivative for a finite input.
  case nonFiniteResult(
    loss: String, prediction: Double, target: Double, value: Double, derivative: Double,
    element: Int)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .nonFiniteResult(
      let loss, let prediction, let target, let value, let derivative, let element):
      return "\(loss): the loss function returned value \(value) and derivative \(derivative) "
        + "for prediction \(prediction) and target \(target) (element \(element)); it must be "
        + "finite for every finite logit, or every probability in (0, 1): clamp inside it "
        + "(e.g. log(max(p, 1e-12)))"
    }
  }
}

extension ElementwiseLossError: LocalizedError {
  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
