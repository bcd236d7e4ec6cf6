import LossKit
import LossKitDifferentiable
import _Differentiation

/// The smooth hinge as a Swift type: one fused loop writing value and gradient.
struct SwiftSmoothHinge: Loss {
  static let name = "swift-smooth-hinge"
  static let version = 1
  static let summary = "smooth hinge, Swift type"
  var margin = 1.0
  var outputNames: Set<String> { ["logits"] }
  var targetNames: Set<String> { ["labels"] }

  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let y = try self.targets("labels", in: targets).denseValues!
    let count = logits.count
    let factor = 1 / Double(count)
    var total = 0.0
    gradients.write("logits", shape: logits.shape) { gradient, accumulate in
      logits.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in
          for index in 0..<count {
            let sign = 2 * Double(y[index]) - 1
            let z = sign * Double(x[index])
            let (value, slope): (Double, Double) =
              z >= margin
              ? (0, 0)
              : z <= margin - 1
                ? (margin - 0.5 - z, -sign)
                : (0.5 * (margin - z) * (margin - z), -sign * (margin - z))
            total += value
            let g = Float(slope * factor) * scale
            gradient[index] = accumulate ? gradient[index] + g : g
          }
        }
      }
    }
    return LossValue(total * factor)
  }
}

/// The smooth hinge as a differentiable Swift function (margin 1).
struct DifferentiableSmoothHinge: ElementwiseLoss {
  static let name = "differentiable-smooth-hinge"
  static let version = 1
  static let summary = "smooth hinge, _Differentiation"
  static let input = ElementwiseInput.logit

  @differentiable(reverse,wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double {
    let z = (2 * target - 1) * prediction
    if z >= 1 { return 0 }
    if z <= 0 { return 0.5 - z }
    return 0.5 * (1 - z) * (1 - z)
  }
}

/// The smooth hinge as a plain Swift closure in the element-wise loop foreign losses use:
/// what the loop costs without libffi.
struct ClosureSmoothHinge: Loss {
  static let name = "closure-smooth-hinge"
  static let version = 1
  static let summary = "smooth hinge, element-wise loop with a Swift closure"
  var outputNames: Set<String> { ["logits"] }
  var targetNames: Set<String> { ["labels"] }

  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let logits = try output("logits", in: outputs)
    let laidOut = try self.targets("labels", in: targets)
      .elementwiseTargets(like: logits, loss: Self.name)
    let value = try ElementwiseEvaluation.evaluate(
      logits, named: "logits", targets: laidOut, input: .logit, loss: Self.name, scale: scale,
      gradients: &gradients
    ) { x, y in
      let sign = 2 * y - 1
      let z = sign * x
      if z >= 1 { return (0, 0) }
      if z <= 0 { return (0.5 - z, -sign) }
      return (0.5 * (1 - z) * (1 - z), -sign * (1 - z))
    }
    return LossValue(value)
  }
}
