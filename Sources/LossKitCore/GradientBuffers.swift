/// Reusable gradient storage, one tensor per model output.
///
/// A loss writes its gradient for an output with ``write(_:shape:_:)``: the first write in an
/// evaluation overwrites, later writes (other terms of a composite) accumulate. Call
/// ``reset()`` between evaluations; the storage is kept, so a training loop that reuses one
/// `GradientBuffers` allocates nothing in the steady state.
public struct GradientBuffers: Sendable {
  private var tensors: [String: Tensor] = [:]
  private var writtenNames: Set<String> = []

  /// Creates empty buffers.
  public init() {}

  /// Marks every buffer as unwritten for a new evaluation, keeping the storage.
  public mutating func reset() {
    writtenNames.removeAll(keepingCapacity: true)
  }

  /// Gives `body` the buffer for `name` with the given shape and whether to accumulate.
  ///
  /// - Parameters:
  ///   - name: The model output the gradient belongs to.
  ///   - shape: The output's shape.
  ///   - body: Writes the gradient. When the flag is `false` the buffer holds stale values and
  ///     must be overwritten; when `true` it holds earlier terms' gradients to add to.
  public mutating func write<R>(
    _ name: String, shape: [Int],
    _ body: (UnsafeMutableBufferPointer<Float>, _ accumulate: Bool) throws -> R
  ) rethrows -> R {
    let accumulate = writtenNames.contains(name)
    if tensors[name] == nil {
      tensors[name] = Tensor(shape: shape)
    } else if tensors[name]!.shape != shape {
      precondition(!accumulate, "gradient for '\(name)' written with two shapes")
      tensors[name]!.resize(to: shape)
    }
    writtenNames.insert(name)
    return try tensors[name]!.withUnsafeMutableBufferPointer { try body($0, accumulate) }
  }

  /// The gradient written for `name` in this evaluation, or `nil`.
  public subscript(name: String) -> Tensor? {
    writtenNames.contains(name) ? tensors[name] : nil
  }

  /// Every gradient written in this evaluation, by output name.
  public var written: [String: Tensor] {
    tensors.filter { writtenNames.contains($0.key) }
  }
}
