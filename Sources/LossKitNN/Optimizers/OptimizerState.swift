import LossKitCore
import LossKitKernels

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
  /// update (every element of a dense parameter, in chunks, each touched row of a sparse one),
  /// with a pointer per named state slot (at most two) at the same offset. Ranges run on every
  /// core; they never overlap, and each element's update reads only its own elements.
  ///
  /// With `rows`, a sparse parameter's touched rows go to it instead, a chunk of rows per call
  /// (`rows(θ, g, states, rowList, rowCount, width)`, the pointers at the table's start).
  mutating func forEachRange(
    of parameters: [Parameter], slots names: [String],
    _ update:
      @Sendable (
        _ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
        _ states: SlotPointers, _ count: Int
      ) -> Void,
    rows: (
      @Sendable (
        _ theta: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
        _ states: SlotPointers, _ rows: UnsafePointer<Int>, _ rowCount: Int, _ width: Int
      ) -> Void
    )? = nil
  ) {
    precondition(names.count <= 2, "optimizer slots: at most two state tensors per parameter")
    for parameter in parameters {
      let states = names.map { slot($0, of: parameter) }
      guard parameter.value.count > 0 else { continue }
      parameter.value.withUnsafeMutableBufferPointer { theta in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          withStatePointers(states) { pointers in
            let thetaBase = SendablePointer(theta.baseAddress!)
            let gradientBase = SendablePointer(gradient.baseAddress!)
            if let rows, parameter.isSparse {
              let width = parameter.rowWidth
              parameter.forEachTouchedRowChunk { list, count in
                rows(thetaBase.base, gradientBase.base, pointers, list, count, width)
              }
              return
            }
            parameter.forEachUpdateRangeConcurrently { start, count in
              update(
                thetaBase.base + start, gradientBase.base + start, pointers.offset(by: start),
                count)
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

/// Pointers into up to two state tensors of one parameter, at the same offset.
struct SlotPointers: @unchecked Sendable {
  private let first: UnsafeMutablePointer<Float>?
  private let second: UnsafeMutablePointer<Float>?

  init(_ first: UnsafeMutablePointer<Float>?, _ second: UnsafeMutablePointer<Float>?) {
    self.first = first
    self.second = second
  }

  /// The pointer into slot `index` (0 or 1).
  subscript(index: Int) -> UnsafeMutablePointer<Float> { index == 0 ? first! : second! }

  /// The same pointers `offset` elements further.
  func offset(by offset: Int) -> SlotPointers {
    SlotPointers(first.map { $0 + offset }, second.map { $0 + offset })
  }
}

/// Calls `body` with pointers into the slots' storage (at most two), nesting the accesses.
private func withStatePointers(_ states: [OptimizerSlot], _ body: (SlotPointers) -> Void) {
  guard let first = states.first else { return body(SlotPointers(nil, nil)) }
  first.tensor.withUnsafeMutableBufferPointer { a in
    guard states.count > 1 else { return body(SlotPointers(a.baseAddress!, nil)) }
    states[1].tensor.withUnsafeMutableBufferPointer { b in
      body(SlotPointers(a.baseAddress!, b.baseAddress!))
    }
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

  /// Calls `body(start, count)` for each range to update, as ``forEachUpdateRange(_:)`` does,
  /// spread over every core: a dense parameter in chunks of 16384 elements, a sparse one in
  /// chunks of touched rows of about as many elements.
  func forEachUpdateRangeConcurrently(_ body: @Sendable (Int, Int) -> Void) {
    guard isSparse else {
      Parallel.forEachChunk(count: rowCount * rowWidth, grain: Self.updateGrain) { _, range in
        body(range.lowerBound, range.count)
      }
      return
    }
    let width = rowWidth
    forEachTouchedRowChunk { rows, count in
      for index in 0..<count { body(rows[index] * width, width) }
    }
  }

  /// Calls `body(rows, count)` for fixed chunks of ``touchedRows`` (about
  /// ``updateGrain`` elements each), spread over every core.
  func forEachTouchedRowChunk(_ body: @Sendable (UnsafePointer<Int>, Int) -> Void) {
    let width = rowWidth
    touchedRows.withUnsafeBufferPointer { rows in
      guard let base = rows.baseAddress else { return }
      let touched = SendablePointer(base)
      Parallel.forEachChunk(count: rows.count, grain: max(1, Self.updateGrain / max(width, 1))) {
        _, range in
        body(touched.base + range.lowerBound, range.count)
      }
    }
  }

  /// Elements per chunk of an update on every core.
  static let updateGrain = 1 << 14

  /// `Σ g²` over the gradient elements an update reads (every element of a dense parameter,
  /// the touched rows of a sparse one), summed in fixed chunks added in order, so the result
  /// does not depend on the number of cores.
  func squaredGradientNorm() -> Double {
    gradient.withUnsafeBufferPointer { buffer -> Double in
      guard let base = buffer.baseAddress else { return 0 }
      let g = SendablePointer(base)
      let grain = 1 << 14
      guard isSparse else {
        return Parallel.sum(count: rowCount * rowWidth, grain: grain) { range in
          KernelSum(
            sum: sumOfSquares(g.base + range.lowerBound, range.count), sawNonFinite: false)
        }.sum
      }
      let width = rowWidth
      return touchedRows.withUnsafeBufferPointer { rows -> Double in
        guard let rowBase = rows.baseAddress else { return 0 }
        let touched = SendablePointer(rowBase)
        return Parallel.sum(count: rows.count, grain: max(1, grain / max(width, 1))) { range in
          var total = 0.0
          for index in range { total += sumOfSquares(g.base + touched.base[index] * width, width) }
          return KernelSum(sum: total, sawNonFinite: false)
        }.sum
      }
    }
  }
}

/// `Σ x²` of a run, accumulated in eight `Float` lanes, then in `Double`.
@inline(__always)
private func sumOfSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
  var lanes = SIMD8<Float>()
  let raw = UnsafeRawPointer(x)
  let vectors = count / 8
  for index in 0..<vectors {
    let value = raw.loadUnaligned(fromByteOffset: index * 32, as: SIMD8<Float>.self)
    lanes = lanes + value * value
  }
  var total = 0.0
  for lane in 0..<8 { total += Double(lanes[lane]) }
  for i in (vectors * 8)..<count { total += Double(x[i] * x[i]) }
  return total
}
