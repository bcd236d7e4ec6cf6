import Foundation
import LossKitCore
import LossKitKernels
import Testing

@Suite struct LSTMStepTests {
  /// Random gates, states and slopes for one step of `width` (preactivations up to ±6, some
  /// far out, so both sigmoid tails and the tanh saturation are exercised).
  static func inputs(width: Int, seed: UInt64) -> [[Float]] {
    var random = SeededGenerator(seed: seed)
    func values(_ count: Int, scale: Float) -> [Float] {
      (0..<count).map { index in
        index % 17 == 5 ? 40 * Float(random.nextNormal()) : scale * Float(random.nextNormal())
      }
    }
    return [
      values(4 * width, scale: 3), values(width, scale: 1), values(width, scale: 1),
      values(width, scale: 1), values(width, scale: 1),
    ]
  }

  /// The scalar reference: every element through the `Float` spelling of the same lanes.
  static func forwardReference(_ z: [Float], cell: [Float], mask: Float, width: Int)
    -> (gates: [Float], cell: [Float], hidden: [Float], tanh: [Float])
  {
    var gates = z
    var state = cell
    var hidden = [Float](repeating: 0, count: width)
    var output = hidden
    var tanh = hidden
    for j in 0..<width {
      LSTMStep.forwardLanes(
        Float.self, &gates, &state, &hidden, &output, &tanh, mask, width, at: j)
    }
    #expect(output == hidden)
    return (gates, state, hidden, tanh)
  }

  @Test(
    "the forward step agrees with the scalar reference on every path",
    arguments: [8, 13, 128], InstructionSet.available)
  func forwardMatchesReference(width: Int, instructionSet: InstructionSet) {
    for mask: Float in [1, 0] {
      let data = Self.inputs(width: width, seed: UInt64(width))
      let expected = Self.forwardReference(data[0], cell: data[1], mask: mask, width: width)
      var gates = data[0]
      var cell = data[1]
      var hidden = [Float](repeating: .nan, count: width)
      var output = hidden
      var tanh = hidden
      LSTMStep.forward(
        gates: &gates, cell: &cell, hidden: &hidden, output: &output, cellTanh: &tanh,
        mask: mask, width: width, instructionSet: instructionSet)
      for (actual, reference) in [
        (gates, expected.gates), (cell, expected.cell), (hidden, expected.hidden),
        (output, expected.hidden), (tanh, expected.tanh),
      ] {
        let worst = zip(actual, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 4e-7, "\(instructionSet): off by \(worst)")
      }
    }
  }

  @Test(
    "the backward step equals the scalar reference bit for bit on every path",
    arguments: [8, 13, 128], InstructionSet.available)
  func backwardMatchesReference(width: Int, instructionSet: InstructionSet) {
    let data = Self.inputs(width: width, seed: UInt64(width) + 1)
    let forward = Self.forwardReference(data[0], cell: data[1], mask: 1, width: width)
    let cellBefore = data[1]
    let dOutput = data[2]
    let dHidden = data[3]
    var expectedCell = data[4]
    var expectedGates = [Float](repeating: 0, count: 4 * width)
    for j in 0..<width {
      LSTMStep.backwardLanes(
        Float.self, forward.gates, forward.tanh, cellBefore, dOutput, dHidden, &expectedCell,
        &expectedGates, 1, width, at: j)
    }
    var dCell = data[4]
    var dGates = [Float](repeating: .nan, count: 4 * width)
    LSTMStep.backward(
      gates: forward.gates, cellTanh: forward.tanh, cellBefore: cellBefore, dOutput: dOutput,
      dHidden: dHidden, dCell: &dCell, dGates: &dGates, mask: 1, width: width,
      instructionSet: instructionSet)
    #expect(dGates == expectedGates)
    #expect(dCell == expectedCell)
  }

  @Test("sigmoid and tanh match the definitions", arguments: [-100, -20, -3, -0.5, 0, 0.25, 4, 50])
  func activationsMatchDefinitions(x: Float) {
    let sigmoid = 1 / (1 + Foundation.exp(-Double(x)))
    #expect(abs(Double(ScalarMath.sigmoid(x)) - sigmoid) <= 3e-7 * sigmoid + 2e-38)
    #expect(abs(Double(ScalarMath.tanh(x)) - Foundation.tanh(Double(x))) <= 3e-7)
  }
}
