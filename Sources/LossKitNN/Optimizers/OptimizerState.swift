import LossKitCore

/// One state tensor of one parameter (a moment, a velocity), as a reference so an update
/// can hold several at once.
final class OptimizerSlot {
  var tensor: Tensor
  init(_ tensor: Tensor) { self.tensor = tensor }
}

/// Per-parameter state tensors (moments, velocities), created on first use, and the update
/// loop every built-in optimizer shares.
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

  /// Calls `update(θ, g, states, count)` for each contiguous range of each parameter to
  /// update (every element of a dense parameter, each touched row of a sparse one), with one
  /// pointer per named state slot at the same offset.
  mutating func forEachRange(
    of parameters: [Parameter], slots names: [String],
    _ update: (
      _ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
      _ states: [UnsafeMutablePointer<Float>], _ count: Int
    ) -> Void
  ) {
    for parameter in parameters {
      let states = names.map { slot($0, of: parameter) }
      parameter.value.withUnsafeMutableBufferPointer { theta in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          withStatePointers(states[...]) { pointers in
            parameter.forEachUpdateRange { start, count in
              update(
                theta.baseAddress! + start, gradient.baseAddress! + start,
                pointers.map { $0 + start }, count)
            }
          }
        }
      }
    }
  }

  /// Every slot's tensor by `parameter.slot`.
  var tensors: [String: Tensor] { slots.mapValues(\.tensor) }

  /// Replaces every slot, checking names and shapes against the parameters.
  mutating func restore(_ saved: [String: Tensor], parameters: [Parameter], slots names: [String])
    throws
  {
    var restored: [String: OptimizerSlot] = [:]
    let byName = Dictionary(parameters.map { ($0.name, $0) }) { first, _ in first }
    for (key, tensor) in saved {
      guard let dot = key.lastIndex(of: "."),
        names.contains(String(key[key.index(after: dot)...])),
        let parameter = byName[String(key[..<dot])]
      else {
        throw LossKitError.invalidSpec(
          "optimizer state '\(key)' matches no parameter of the model (slots: "
            + names.joined(separator: ", ") + ")")
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

/// Calls `body` with a mutable pointer into each slot's storage, nesting the accesses.
private func withStatePointers(
  _ states: ArraySlice<OptimizerSlot>, _ pointers: [UnsafeMutablePointer<Float>] = [],
  _ body: ([UnsafeMutablePointer<Float>]) -> Void
) {
  guard let first = states.first else { return body(pointers) }
  first.tensor.withUnsafeMutableBufferPointer { buffer in
    withStatePointers(states.dropFirst(), pointers + [buffer.baseAddress!], body)
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
