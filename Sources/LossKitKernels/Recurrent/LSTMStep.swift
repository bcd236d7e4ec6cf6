#if arch(x86_64)
  import CLossKitKernels
#endif

/// The element-wise part of one LSTM step for one sequence: gate activations, cell and hidden
/// state forward, and their derivatives backward. The matrix products around it are
/// ``Matrix``'s.
///
/// Gates are ordered input, forget, cell, output, each `width` wide. Both passes are one loop
/// over the state's elements; the portable path works on ``FloatVector``s (a scalar loop over
/// the same ``LaneMath`` functions does the last `width mod 16` elements), the AVX2 path on
/// eight lanes in C (`lk_lstm_forward_avx2`, `lk_lstm_backward_avx2`). Forward, the C `exp` uses
/// fused multiply-adds, so the paths agree to rounding; backward is plain arithmetic with
/// separate multiplies and adds, the same on both paths.
package enum LSTMStep {
  /// One step forward, in place.
  ///
  /// ```
  /// i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)      (written back over z)
  /// c = f·cell + i·g;   cellTanh = tanh(c)
  /// hidden = output = (m·o)·tanh(c);   cell ← m·c
  /// ```
  ///
  /// - Parameters:
  ///   - gates: The step's `4·width` preactivations, replaced by the activated gates.
  ///   - cell: The cell state: the previous one in, the new one (masked) out.
  ///   - hidden: Receives the new hidden state.
  ///   - output: Receives the new hidden state (the layer's output row).
  ///   - cellTanh: Receives `tanh(c)` of the unmasked cell, for the backward pass.
  ///   - mask: 1 for a real step, 0 for padding (the state stays zero).
  @inlinable
  package static func forward(
    gates: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
    hidden: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
    cellTanh: UnsafeMutablePointer<Float>, mask: Float, width: Int,
    instructionSet: InstructionSet = .selected
  ) {
    var done = 0
    #if arch(x86_64)
      if instructionSet == .avx2 {
        done = width / 8 * 8
        lk_lstm_forward_avx2(gates, cell, hidden, output, cellTanh, mask, width, done)
      }
    #endif
    if done == 0 {
      let lanes = FloatVector.scalarCount
      while done + lanes <= width {
        forwardLanes(
          FloatVector.self, gates, cell, hidden, output, cellTanh, mask, width, at: done)
        done += lanes
      }
    }
    while done < width {
      forwardLanes(Float.self, gates, cell, hidden, output, cellTanh, mask, width, at: done)
      done += 1
    }
  }

  /// ``forward(gates:cell:hidden:output:cellTanh:mask:width:instructionSet:)`` for the lanes
  /// at `j`.
  @inlinable @inline(__always)
  package static func forwardLanes<Lanes: FloatLanes>(
    _: Lanes.Type, _ gates: UnsafeMutablePointer<Float>, _ cell: UnsafeMutablePointer<Float>,
    _ hidden: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>,
    _ cellTanh: UnsafeMutablePointer<Float>, _ mask: Float, _ width: Int, at j: Int
  ) {
    typealias Math = LaneMath<Lanes>
    let i = Math.sigmoid(Lanes.load(gates + j))
    let f = Math.sigmoid(Lanes.load(gates + width + j))
    let g = Math.tanh(Lanes.load(gates + 2 * width + j))
    let o = Math.sigmoid(Lanes.load(gates + 3 * width + j))
    i.store(gates + j)
    f.store(gates + width + j)
    g.store(gates + 2 * width + j)
    o.store(gates + 3 * width + j)
    let c = f * Lanes.load(cell + j) + i * g
    let t = Math.tanh(c)
    let m = Math.splat(mask)
    let h = m * o * t
    t.store(cellTanh + j)
    h.store(output + j)
    h.store(hidden + j)
    (m * c).store(cell + j)
  }

  /// One step backward: the gates' derivatives and the cell gradient carried to the step
  /// before.
  ///
  /// ```
  /// dh = (dOutput + dHidden)·m
  /// dc = dCell·m + dh·o·(1 − tanh²c)
  /// d_i = dc·g·i·(1 − i);  d_f = dc·cellBefore·f·(1 − f);  d_g = dc·i·(1 − g²)
  /// d_o = dh·tanh(c)·o·(1 − o);  dCell ← dc·f
  /// ```
  ///
  /// - Parameters:
  ///   - gates: The step's activated gates, `4·width`.
  ///   - cellTanh: `tanh(c)` of the step's unmasked cell.
  ///   - cellBefore: The cell state before the step.
  ///   - dOutput: `∂L/∂output` of the step.
  ///   - dHidden: `∂L/∂hidden` from the step after.
  ///   - dCell: `∂L/∂cell` from the step after in, the one for the step before out.
  ///   - dGates: Receives `∂L/∂z`, `4·width`.
  @inlinable
  package static func backward(
    gates: UnsafePointer<Float>, cellTanh: UnsafePointer<Float>,
    cellBefore: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
    dHidden: UnsafePointer<Float>, dCell: UnsafeMutablePointer<Float>,
    dGates: UnsafeMutablePointer<Float>, mask: Float, width: Int,
    instructionSet: InstructionSet = .selected
  ) {
    var done = 0
    #if arch(x86_64)
      if instructionSet == .avx2 {
        done = width / 8 * 8
        lk_lstm_backward_avx2(
          gates, cellTanh, cellBefore, dOutput, dHidden, dCell, dGates, mask, width, done)
      }
    #endif
    if done == 0 {
      let lanes = FloatVector.scalarCount
      while done + lanes <= width {
        backwardLanes(
          FloatVector.self, gates, cellTanh, cellBefore, dOutput, dHidden, dCell, dGates, mask,
          width, at: done)
        done += lanes
      }
    }
    while done < width {
      backwardLanes(
        Float.self, gates, cellTanh, cellBefore, dOutput, dHidden, dCell, dGates, mask, width,
        at: done)
      done += 1
    }
  }

  /// ``backward(gates:cellTanh:cellBefore:dOutput:dHidden:dCell:dGates:mask:width:instructionSet:)``
  /// for the lanes at `j`.
  @inlinable @inline(__always)
  package static func backwardLanes<Lanes: FloatLanes>(
    _: Lanes.Type, _ gates: UnsafePointer<Float>, _ cellTanh: UnsafePointer<Float>,
    _ cellBefore: UnsafePointer<Float>, _ dOutput: UnsafePointer<Float>,
    _ dHidden: UnsafePointer<Float>, _ dCell: UnsafeMutablePointer<Float>,
    _ dGates: UnsafeMutablePointer<Float>, _ mask: Float, _ width: Int, at j: Int
  ) {
    let one = Lanes(repeating: 1)
    let m = Lanes(repeating: mask)
    let i = Lanes.load(gates + j)
    let f = Lanes.load(gates + width + j)
    let g = Lanes.load(gates + 2 * width + j)
    let o = Lanes.load(gates + 3 * width + j)
    let t = Lanes.load(cellTanh + j)
    let dh = (Lanes.load(dOutput + j) + Lanes.load(dHidden + j)) * m
    let dc = Lanes.load(dCell + j) * m + dh * o * (one - t * t)
    (dc * g * i * (one - i)).store(dGates + j)
    (dc * Lanes.load(cellBefore + j) * f * (one - f)).store(dGates + width + j)
    (dc * i * (one - g * g)).store(dGates + 2 * width + j)
    (dh * t * o * (one - o)).store(dGates + 3 * width + j)
    (dc * f).store(dCell + j)
  }
}

extension FloatLanes {
  /// The lanes at `pointer` (unaligned).
  @_transparent
  package static func load(_ pointer: UnsafePointer<Float>) -> Self {
    UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
  }

  /// The lanes at `pointer` (unaligned).
  @_transparent
  package static func load(_ pointer: UnsafeMutablePointer<Float>) -> Self {
    UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
  }

  /// Stores the lanes at `pointer` (unaligned).
  @_transparent
  package func store(_ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
  }
}
