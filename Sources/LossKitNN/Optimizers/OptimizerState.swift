import LossKitCore

/// One state tensor of one parameter (a moment, a velocity), as a reference so an update
/// can hold several at once.
final class OptimizerSlot {
  var tensor: Tensor
  init(_ tensor: Tensor) { self.tensor = tensor }
}

/// Per-parameter state tensors (moments, velocities), created on first use.
struct OptimizerSlots {
  private var slots: [String: OptimizerSlot] = [:]

  /// The state tensor `slot` of `parameter`, zero-initialised on first use.
  mutating func slot(_ slot: String, of parameter: Parameter) -> OptimizerSlot {
    let key = "\(parameter.name).\(slot)"
    if let existing = slots[key] { return existing }
    let created = OptimizerSlot(Tensor(shape: parameter.value.shape))
    slots[key] = created
    return created
  }

  /// Every slot's tensor by `parameter.slot`.
  var tensors: [String: Tensor] { slots.mapValues(\.tensor) }

  /// Replaces every slot, checking shapes against the parameters.
  mutating func restore(_ saved: [String: Tensor], parameters: [Parameter], slots names: [String]) throws {
    var restored: [String: OptimizerSlot] = [:]
    let byName = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
    for (key, tensor) in saved {
      guard let dot = key.lastIndex(of: "."), names.contains(String(key[key.index(after: dot)...])),
        let parameter = byName[String(key[..<dot])]
      else {
        throw LossKitError.invalidSpec("optimizer state '\(key)' matches no parameter of the model")
      }
      guard tensor.shape == parameter.value.shape else {
        throw LossKitError.shapeMismatch(
          "optimizer state '\(key)'", expected: parameter.value.shape, actual: tensor.shape)
      }
      restored[key] = OptimizerSlot(tensor)
    }
    slots = restored
  }
}

extension Parameter {
  /// Calls `body(start, count)` for each contiguous range to update: every element for a
  /// dense parameter, each touched row for a sparse one.
  func forEachUpdateRange(_ body: (Int, Int) -> Void) {
    if isSparse {
      let width = rowWidth
      for row in touchedRows { body(row * width, width) }
    } else {
      body(0, rowCount * rowWidth)
    }
  }
}
