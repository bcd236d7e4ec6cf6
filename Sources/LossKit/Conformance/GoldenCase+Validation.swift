import Foundation

extension GoldenCase {
  /// The largest dimension a tensor without elements may have: its loops still run over the
  /// other dimensions, so `[2^62, 0]` must not pass for a valid empty tensor.
  static let largestEmptyDimension = 1 << 16

  /// Checks what every case kind relies on: each input and expected gradient has a shape of
  /// non-negative dimensions whose product (checked for overflow) is the number of its
  /// elements, each element fits a `Float`, and the tolerances are finite and non-negative.
  /// Kind-specific fields (class indices, counts) are checked when the case runs.
  ///
  /// - Throws: ``ConformanceError/badCase(_:reason:file:)`` naming the case and the field.
  public func validate() throws {
    for (input, tensor) in inputs.sorted(by: { $0.key < $1.key }) {
      try check(tensor, field: "inputs.\(input)")
    }
    for (output, tensor) in (expected.grad ?? [:]).sorted(by: { $0.key < $1.key }) {
      try check(tensor, field: "expected.grad.\(output)")
    }
    let tolerances = [
      ("value_rel", tolerance.value_rel), ("value_abs", tolerance.value_abs),
      ("grad_rel", tolerance.grad_rel), ("grad_abs", tolerance.grad_abs),
    ]
    for (field, value) in tolerances where !(value.isFinite && value >= 0) {
      throw bad("tolerance.\(field) is \(value); tolerances must be finite and ≥ 0")
    }
  }

  /// An error naming this case, its file and what is wrong.
  func bad(_ reason: String) -> ConformanceError {
    .badCase(name, reason: reason, file: file)
  }

  private func check(_ tensor: GoldenTensor, field: String) throws {
    guard let count = Tensor.elementCount(of: tensor.shape) else {
      throw bad(
        "\(field).shape \(tensor.shape) has a negative dimension or too many elements; "
          + "fix the file or generate it again")
    }
    guard count == tensor.data.count else {
      throw bad(
        "\(field).shape \(tensor.shape) needs \(count) elements but data has "
          + "\(tensor.data.count); fix the file or generate it again")
    }
    if count == 0, let large = tensor.shape.first(where: { $0 > Self.largestEmptyDimension }) {
      throw bad(
        "\(field).shape \(tensor.shape) has no elements but a dimension of \(large); empty "
          + "tensors may have dimensions up to \(Self.largestEmptyDimension)")
    }
    let largest = Double(Float.greatestFiniteMagnitude)
    if let index = tensor.data.firstIndex(where: { !(abs($0) <= largest) }) {
      throw bad("\(field).data[\(index)] = \(tensor.data[index]) does not fit a Float")
    }
  }
}
