import LossKitCore

/// Half the mean squared distance between an output and dense targets: a minimal loss for
/// testing the core without the plugins.
struct HalfSquaredError: Loss, Equatable {
  static let name = "half-squared-error"
  static let version = 2
  static let minimumVersion = 1
  static let summary = "½·mean (x − y)²"
  var output = "logits"
  var target = "labels"
  var outputNames: Set<String> { [output] }
  var targetNames: Set<String> { [target] }

  func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let x = try self.output(output, in: outputs)
    guard let y = try self.targets(target, in: targets).denseValues, y.shape == x.shape else {
      throw LossKitError.shapeMismatch("targets", expected: x.shape, actual: [])
    }
    var total = 0.0
    gradients.write(output, shape: x.shape) { gradient, accumulate in
      for i in 0..<x.count {
        let difference = x.scalars[i] - y.scalars[i]
        total += Double(difference * difference) / 2
        let slope = scale * difference / Float(x.count)
        gradient[i] = accumulate ? gradient[i] + slope : slope
      }
    }
    return LossValue(total / Double(x.count))
  }
}
