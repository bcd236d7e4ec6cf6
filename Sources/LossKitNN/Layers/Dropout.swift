import LossKitCore

/// Inverted dropout: in training, zeroes each value with probability `rate` and scales the
/// rest by `1/(1 − rate)`; the identity at inference.
public final class Dropout {
  /// The drop probability in `[0, 1)`.
  public let rate: Float
  private var mask: [Float] = []

  /// Creates a dropout layer.
  public init(rate: Float) { self.rate = rate }

  /// Applies dropout in place, drawing the mask from `random`.
  public func forward(_ x: inout Tensor, training: Bool, random: inout SeededGenerator) {
    guard training, rate > 0 else { return }
    let keep = 1 - rate
    let scale = 1 / keep
    if mask.count != x.count { mask = Array(repeating: 0, count: x.count) }
    for i in mask.indices { mask[i] = random.nextUnitFloat() < keep ? scale : 0 }
    mask.withUnsafeBufferPointer { m in
      x.withUnsafeMutableBufferPointer { v in
        for i in v.indices { v[i] *= m[i] }
      }
    }
  }

  /// Applies the last mask to a gradient in place.
  public func backward(_ dy: inout Tensor, training: Bool = true) {
    guard rate > 0, mask.count == dy.count else { return }
    mask.withUnsafeBufferPointer { m in
      dy.withUnsafeMutableBufferPointer { g in
        for i in g.indices { g[i] *= m[i] }
      }
    }
  }
}
