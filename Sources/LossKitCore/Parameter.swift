import LossKitKernels

/// A trainable tensor, its gradient, and (for embedding tables) which rows the last batch
/// touched.
///
/// Parameters have identity: a model owns them, the optimizer updates them in place, and a
/// saved model stores them by ``name``.
public final class Parameter {
  /// A unique name within the model, such as `lstm0.forward.inputWeights`.
  public let name: String
  /// The current value.
  public var value: Tensor
  /// The accumulated gradient, same shape as ``value``.
  public var gradient: Tensor
  /// Whether only some rows receive gradient per batch (an embedding table); optimizers then
  /// update only ``touchedRows`` (lazily, like Keras' LazyAdam or PyTorch's SparseAdam).
  public let isSparse: Bool
  /// The rows with gradient since the last ``zeroGradient()`` (sparse parameters only).
  public private(set) var touchedRows: [Int] = []
  private var touched: [Bool] = []

  /// Creates a parameter with a zero gradient.
  public init(name: String, value: Tensor, isSparse: Bool = false) {
    self.name = name
    self.value = value
    self.gradient = Tensor(shape: value.shape)
    self.isSparse = isSparse
    rowCount = value.shape.first ?? 1
    rowWidth = rowCount == 0 ? 0 : value.count / rowCount
    if isSparse { touched = Array(repeating: false, count: rowCount) }
  }

  /// The number of rows (the first dimension); fixed, since ``load(_:)`` keeps the shape.
  public let rowCount: Int

  /// The elements per row.
  public let rowWidth: Int

  /// Records that `row` received gradient in this batch (sparse parameters).
  @inlinable
  public func markTouched(_ row: Int) {
    if !isRowTouched(row) { appendTouched(row) }
  }

  /// Whether `row` received gradient since the last reset.
  public func isRowTouched(_ row: Int) -> Bool { touched[row] }

  @usableFromInline
  func appendTouched(_ row: Int) {
    touched[row] = true
    touchedRows.append(row)
  }

  /// Clears the gradient (only touched rows for sparse parameters, so the cost is
  /// proportional to what the batch used), on every core: the touched rows of an embedding
  /// table are scattered, and clearing them one after another was a tenth of a training step.
  public func zeroGradient() {
    let grain = 1 << 14
    if isSparse {
      let width = rowWidth
      gradient.withUnsafeMutableBufferPointer { g in
        touchedRows.withUnsafeBufferPointer { rows in
          guard let base = g.baseAddress, let list = rows.baseAddress else { return }
          let target = SendablePointer(base)
          let touchedList = SendablePointer(list)
          Parallel.forEachChunk(count: rows.count, grain: max(1, grain / max(width, 1))) {
            _, range in
            for index in range {
              (target.base + touchedList.base[index] * width).update(repeating: 0, count: width)
            }
          }
        }
      }
      for row in touchedRows { touched[row] = false }
      touchedRows.removeAll(keepingCapacity: true)
    } else {
      gradient.withUnsafeMutableBufferPointer { g in
        guard let base = g.baseAddress else { return }
        let target = SendablePointer(base)
        Parallel.forEachChunk(count: g.count, grain: grain) { _, range in
          (target.base + range.lowerBound).update(repeating: 0, count: range.count)
        }
      }
    }
  }

  /// Replaces the value, keeping the shape.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the shape differs.
  public func load(_ newValue: Tensor) throws {
    guard newValue.shape == value.shape else {
      throw LossKitError.shapeMismatch(
        "parameter '\(name)'", expected: value.shape, actual: newValue.shape)
    }
    value = newValue
  }
}
