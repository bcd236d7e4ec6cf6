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
