import LossKitCore
import LossKitKernels

/// Gradient-norm clipping: scales every gradient so their global L2 norm is at most a
/// bound (PyTorch's `clip_grad_norm_`, Keras' `global_clipnorm`).
public enum GradientClipping {
  /// Clips the parameters' gradients to global norm `maxNorm` and returns the norm before
  /// clipping. Both passes run on every core; the norm is summed in fixed chunks added in
  /// order, so it does not depend on the number of cores.
  @discardableResult
  public static func clip(_ parameters: [Parameter], maxNorm: Double) -> Double {
    var squares = 0.0
    for parameter in parameters { squares += parameter.squaredGradientNorm() }
    let norm = squares.squareRoot()
    guard norm > maxNorm, norm > 0 else { return norm }
    let scale = Float(maxNorm / norm)
    for parameter in parameters where parameter.gradient.count > 0 {
      parameter.gradient.withUnsafeMutableBufferPointer { g in
        let base = SendablePointer(g.baseAddress!)
        parameter.forEachUpdateRangeConcurrently { start, count in
          for i in start..<(start + count) { base.base[i] *= scale }
        }
      }
    }
    return norm
  }
}
