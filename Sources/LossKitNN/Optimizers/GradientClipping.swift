import LossKitCore

/// Gradient-norm clipping: scales every gradient so their global L2 norm is at most a
/// bound (PyTorch's `clip_grad_norm_`, Keras' `global_clipnorm`).
public enum GradientClipping {
  /// Clips the parameters' gradients to global norm `maxNorm` and returns the norm before
  /// clipping.
  @discardableResult
  public static func clip(_ parameters: [Parameter], maxNorm: Double) -> Double {
    var squares = 0.0
    for parameter in parameters {
      parameter.gradient.withUnsafeBufferPointer { g in
        parameter.forEachUpdateRange { start, count in
          var partial: Float = 0
          for i in start..<(start + count) { partial += g[i] * g[i] }
          squares += Double(partial)
        }
      }
    }
    let norm = squares.squareRoot()
    guard norm > maxNorm, norm > 0 else { return norm }
    let scale = Float(maxNorm / norm)
    for parameter in parameters {
      parameter.gradient.withUnsafeMutableBufferPointer { g in
        parameter.forEachUpdateRange { start, count in
          for i in start..<(start + count) { g[i] *= scale }
        }
      }
    }
    return norm
  }
}

/// Builds optimizers by kind from saved hyper-parameters.
public enum OptimizerFactory {
  /// The kinds this module can build.
  public static let kinds = ["sgd", "adam", "adamw"]

  /// An optimizer of `kind` with `hyperparameters` (as saved by
  /// ``Optimizer/hyperparameters``).
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` for an unknown kind.
  public static func makeOptimizer(kind: String, hyperparameters: JSONValue) throws -> any Optimizer {
    switch kind {
    case "sgd": return try SGD(try hyperparameters.decode(SGD.Configuration.self))
    case "adam", "adamw": return try Adam(try hyperparameters.decode(Adam.Configuration.self))
    default:
      throw LossKitError.invalidSpec(
        "unknown optimizer '\(kind)'; known: \(kinds.joined(separator: ", "))")
    }
  }
}
