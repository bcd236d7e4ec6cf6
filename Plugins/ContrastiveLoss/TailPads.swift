import LossKitKernels

/// Scratch for the padded last vector of a row (``VectorMath/pad(_:count:fill:into:)``).
struct TailPads {
  /// Four vectors of floats.
  let floats: UnsafeMutablePointer<Float>
  /// One vector of integers.
  let integers: UnsafeMutablePointer<Int32>

  /// Calls `body` with pads on the stack.
  static func with(_ body: (TailPads) -> Void) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * FloatVector.scalarCount) {
      floats in
      withUnsafeTemporaryAllocation(of: Int32.self, capacity: IntVector.scalarCount) {
        integers in
        body(TailPads(floats: floats.baseAddress!, integers: integers.baseAddress!))
      }
    }
  }
}
