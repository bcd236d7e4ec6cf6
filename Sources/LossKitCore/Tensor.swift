/// A dense, row-major tensor of `Float` values with a shape.
///
/// Storage is one contiguous `[Float]`, so a `Tensor` is cheap to pass around and is copied
/// only when a shared value is mutated (copy-on-write). Hot loops reach the storage through
/// ``withUnsafeBufferPointer(_:)`` and ``withUnsafeMutableBufferPointer(_:)``.
///
/// ```swift
/// let logits = try Tensor(shape: [2, 3], scalars: [0.1, 2.0, -1.0, 0.5, 0.5, 3.0])
/// logits[1, 2]  // 3.0
/// ```
public struct Tensor: Sendable, Equatable, Hashable {
  /// The extent of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// The elements in row-major order; `scalars.count` is the product of ``shape``.
  public private(set) var scalars: [Float]

  /// Creates a tensor from a shape and row-major elements.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the element count is not
  ///   the product of the shape, a dimension is negative, or the product overflows.
  public init(shape: [Int], scalars: [Float]) throws {
    guard Tensor.elementCount(of: shape) == scalars.count else {
      throw LossKitError.shapeMismatch(
        "tensor elements", expected: shape, actual: [scalars.count])
    }
    self.shape = shape
    self.scalars = scalars
  }

  /// Creates a tensor of the given shape with every element set to `value`.
  public init(shape: [Int], repeating value: Float = 0) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    self.scalars = Array(repeating: value, count: shape.reduce(1, *))
  }

  /// Creates a tensor of the given shape whose elements are unspecified until written, for
  /// outputs a kernel overwrites entirely (zero-filling the LSTM's buffers first was a few
  /// percent of a training step).
  package init(uninitializedShape shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    let count = shape.reduce(1, *)
    self.scalars = Array(unsafeUninitializedCapacity: count) { _, initialized in
      initialized = count
    }
  }

  /// Creates a tensor of the given shape filled by a closure of the flat index.
  public init(shape: [Int], _ element: (Int) throws -> Float) rethrows {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.shape = shape
    self.scalars = try (0..<shape.reduce(1, *)).map(element)
  }

  /// The number of elements.
  public var count: Int { scalars.count }

  /// The number of dimensions.
  public var rank: Int { shape.count }

  /// The size of the last dimension (1 for a scalar tensor).
  public var lastDimension: Int { shape.last ?? 1 }

  /// The number of rows when every dimension but the last is flattened.
  public var flatRowCount: Int { lastDimension == 0 ? 0 : count / lastDimension }

  /// The element at a multi-dimensional index.
  public subscript(_ index: Int...) -> Float {
    get { scalars[flatIndex(index)] }
    set { scalars[flatIndex(index)] = newValue }
  }

  /// The same elements with a different shape of equal element count.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the counts differ.
  public func reshaped(to newShape: [Int]) throws -> Tensor {
    try Tensor(shape: newShape, scalars: scalars)
  }

  /// Replaces the shape and resizes the storage, keeping existing elements where they fit.
  ///
  /// Used to reuse a buffer across calls: when the element count is unchanged nothing is
  /// allocated.
  public mutating func resize(to newShape: [Int]) {
    let newCount = newShape.reduce(1, *)
    if newCount != scalars.count {
      if newCount < scalars.count {
        scalars.removeLast(scalars.count - newCount)
      } else {
        scalars.append(contentsOf: repeatElement(0, count: newCount - scalars.count))
      }
    }
    shape = newShape
  }

  /// Calls `body` with a pointer to the contiguous elements.
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try scalars.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with a mutable pointer to the contiguous elements.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try scalars.withUnsafeMutableBufferPointer(body)
  }

  /// Replaces every element, keeping the shape.
  ///
  /// - Precondition: `newScalars.count == count`.
  public mutating func assign(_ newScalars: [Float]) {
    precondition(newScalars.count == scalars.count, "assign: element count differs")
    scalars = newScalars
  }

  private func flatIndex(_ index: [Int]) -> Int {
    precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
    var flat = 0
    for (position, dimension) in zip(index, shape) {
      precondition(position >= 0 && position < dimension, "index \(index) out of shape \(shape)")
      flat = flat * dimension + position
    }
    return flat
  }
}

extension Tensor: CustomStringConvertible {
  /// A short description: the shape and the first few elements.
  public var description: String {
    let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(head)\(scalars.count > 8 ? ", …" : "")])"
  }
}
