extension Tensor {
  /// The number of elements a tensor of `shape` holds, or `nil` when a dimension is negative
  /// or the dimensions multiply past `Int.max`.
  ///
  /// The product of the non-zero dimensions is checked, so for a shape that passes, no
  /// partial product of its dimensions overflows either, wherever it is computed. Use it
  /// before sizing anything from a shape read from outside (a file, a request).
  ///
  /// ```swift
  /// Tensor.elementCount(of: [2, 3])                      // 6
  /// Tensor.elementCount(of: [4611686018427387904, 4])    // nil
  /// ```
  public static func elementCount(of shape: [Int]) -> Int? {
    var count = 1
    var hasZero = false
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      if dimension == 0 {
        hasZero = true
        continue
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      if overflow { return nil }
      count = product
    }
    return hasZero ? 0 : count
  }
}
