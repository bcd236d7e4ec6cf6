import LossKitCore
import LossKitKernels
import Testing

@Suite struct AdamKernelTests {
  static let settings = [
    AdamKernel.Settings(
      beta1: 0.9, beta2: 0.999, correction1: 0.271, correction2: 0.0447, learningRate: 1e-3,
      epsilon: 1e-7, l2: 0, shrink: 1),
    AdamKernel.Settings(
      beta1: 0.8, beta2: 0.99, correction1: 0.5, correction2: 0.3, learningRate: 0.1,
      epsilon: 1e-8, l2: 0.01, shrink: 0.999),
  ]

  /// θ, g, m, v of `count` elements, with zero moments in some places.
  static func state(count: Int, seed: UInt64) -> [[Float]] {
    var random = SeededGenerator(seed: seed)
    return (0..<4).map { slot in
      (0..<count).map { index in
        let value = Float(random.nextNormal())
        return slot == 3 ? (index % 5 == 0 ? 0 : value * value) : value
      }
    }
  }

  @Test(
    "every path updates bit for bit like the scalar reference",
    arguments: [1, 8, 13, 128, 1_003], InstructionSet.available)
  func pathsMatchScalarReference(count: Int, instructionSet: InstructionSet) {
    for settings in Self.settings {
      let start = Self.state(count: count, seed: UInt64(count))
      let gradient = start[1]
      var expected = (theta: start[0], m: start[2], v: start[3])
      var actual = expected
      AdamKernel.updateScalars(
        &expected.theta, gradient, &expected.m, &expected.v, count, settings)
      AdamKernel.update(
        theta: &actual.theta, gradient: gradient, m: &actual.m, v: &actual.v, count: count,
        settings: settings, instructionSet: instructionSet)
      #expect(actual.theta == expected.theta)
      #expect(actual.m == expected.m)
      #expect(actual.v == expected.v)
    }
  }

  @Test("updating listed rows equals updating each row", arguments: InstructionSet.available)
  func rowsMatchRangeUpdates(instructionSet: InstructionSet) {
    let width = 16
    let rows = [7, 2, 9, 0]
    let start = Self.state(count: 10 * width, seed: 3)
    let gradient = start[1]
    var expected = (theta: start[0], m: start[2], v: start[3])
    var actual = expected
    for row in rows {
      let range = (row * width)..<((row + 1) * width)
      var theta = Array(expected.theta[range])
      var m = Array(expected.m[range])
      var v = Array(expected.v[range])
      AdamKernel.updateScalars(&theta, Array(gradient[range]), &m, &v, width, Self.settings[1])
      expected.theta.replaceSubrange(range, with: theta)
      expected.m.replaceSubrange(range, with: m)
      expected.v.replaceSubrange(range, with: v)
    }
    AdamKernel.updateRows(
      theta: &actual.theta, gradient: gradient, m: &actual.m, v: &actual.v, rows: rows,
      rowCount: rows.count, width: width, settings: Self.settings[1],
      instructionSet: instructionSet)
    #expect(actual.theta == expected.theta)
    #expect(actual.m == expected.m)
    #expect(actual.v == expected.v)
  }
}
